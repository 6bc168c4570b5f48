import Foundation

/// Why a snarkjs JSON file was refused.
public enum Groth16FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input is larger than the reader's bound (bytes).
    case tooLarge(limit: Int)
    /// Not JSON, or not the expected top-level shape.
    case malformed(String)
    /// A required member is absent.
    case missing(String)
    /// A member has the wrong shape or is not a canonical decimal number.
    case invalid(field: String, reason: String)
    /// `protocol` or `curve` is not groth16 / bn128.
    case unsupported(String)
    /// A decoded point failed the range, on-curve or subgroup check.
    case point(field: String, PointDecodingError)

    public var description: String {
        switch self {
        case .tooLarge(let limit): return "input larger than \(limit) bytes"
        case .malformed(let why): return "malformed JSON: \(why)"
        case .missing(let field): return "missing field '\(field)'"
        case .invalid(let field, let reason): return "field '\(field)': \(reason)"
        case .unsupported(let what): return "unsupported \(what)"
        case .point(let field, let error):
            let why: String
            switch error {
            case .invalidLength: why = "wrong length"
            case .coordinateNotInField: why = "a coordinate is not below the field modulus p"
            case .notOnCurve: why = "the point is not on the curve"
            case .notInSubgroup: why = "the point is on the twist but not in the order-r subgroup G2"
            }
            return "field '\(field)': \(why)"
        }
    }
}

/// The snarkjs JSON files of Groth16 over BN254 (`verification_key.json`, `proof.json`,
/// `public.json`): numbers as decimal strings; G1 as projective [x, y, z] with z = "1" (or
/// ["0", "1", "0"] for infinity); G2 as [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] with the
/// real part first and z = ["1", "0"] (["0", "0"] for infinity). Every point is decoded through
/// the EIP-196/197 decoders, so it is range-, curve- and subgroup-checked.
public enum Groth16JSON {
    /// Upper bounds on input sizes, checked before parsing.
    public static let maxVerifyingKeyBytes = 4 << 20
    public static let maxProofBytes = 64 << 10
    public static let maxPublicBytes = 4 << 20
    /// At most this many public inputs (IC points) in a key.
    public static let maxPublicInputs = 16_384

    // MARK: Reading

    /// Reads `verification_key.json`; nPublic must equal IC.count − 1.
    public static func verifyingKey(from bytes: [UInt8]) throws(Groth16FormatError) -> Groth16.VerifyingKey {
        let root = try object(bytes, limit: maxVerifyingKeyBytes)
        try checkProtocol(root)
        guard let icArray = root["IC"] else { throw .missing("IC") }
        guard let ics = icArray as? [Any], !ics.isEmpty, ics.count <= maxPublicInputs + 1 else {
            throw .invalid(field: "IC", reason: "expected 1 to \(maxPublicInputs + 1) points")
        }
        let ic = try ics.enumerated().map { (i, v) throws(Groth16FormatError) in try g1(v, field: "IC[\(i)]") }
        if let n = root["nPublic"] {
            guard let count = integer(n), count == ic.count - 1 else {
                throw .invalid(field: "nPublic", reason: "must equal the number of IC points minus one (\(ic.count - 1))")
            }
        }
        return Groth16.VerifyingKey(
            alpha: try g1(try member(root, "vk_alpha_1"), field: "vk_alpha_1"),
            beta: try g2(try member(root, "vk_beta_2"), field: "vk_beta_2"),
            gamma: try g2(try member(root, "vk_gamma_2"), field: "vk_gamma_2"),
            delta: try g2(try member(root, "vk_delta_2"), field: "vk_delta_2"),
            ic: ic)!
    }

    /// Reads `proof.json` (pi_a, pi_b, pi_c; protocol and curve checked when present).
    public static func proof(from bytes: [UInt8]) throws(Groth16FormatError) -> Groth16.Proof {
        let root = try object(bytes, limit: maxProofBytes)
        try checkProtocol(root)
        return Groth16.Proof(a: try g1(try member(root, "pi_a"), field: "pi_a"),
                             b: try g2(try member(root, "pi_b"), field: "pi_b"),
                             c: try g1(try member(root, "pi_c"), field: "pi_c"))
    }

    /// Reads `public.json`: an array of canonical decimal strings, each below r.
    public static func publicInputs(from bytes: [UInt8]) throws(Groth16FormatError) -> [Fr] {
        guard bytes.count <= maxPublicBytes else { throw .tooLarge(limit: maxPublicBytes) }
        guard let array = try parse(bytes) as? [Any] else { throw .malformed("expected an array of decimal strings") }
        guard array.count <= maxPublicInputs else { throw .invalid(field: "public", reason: "more than \(maxPublicInputs) inputs") }
        return try array.enumerated().map { (i, v) throws(Groth16FormatError) in
            let field = "public[\(i)]"
            let value = try decimal(v, field: field)
            guard let x = Fr(canonical: value) else { throw .invalid(field: field, reason: "not below the scalar field order r") }
            return x
        }
    }

    // MARK: Writing

    /// `verification_key.json` for `key` (snarkjs layout, keys sorted).
    public static func encode(_ key: Groth16.VerifyingKey) -> [UInt8] {
        serialize([
            "protocol": "groth16", "curve": "bn128", "nPublic": key.publicInputCount,
            "vk_alpha_1": g1Strings(key.alpha), "vk_beta_2": g2Strings(key.beta),
            "vk_gamma_2": g2Strings(key.gamma), "vk_delta_2": g2Strings(key.delta),
            "IC": key.ic.map(g1Strings),
        ])
    }

    /// `proof.json` for `proof`.
    public static func encode(_ proof: Groth16.Proof) -> [UInt8] {
        serialize(["protocol": "groth16", "curve": "bn128", "pi_a": g1Strings(proof.a),
                   "pi_b": g2Strings(proof.b), "pi_c": g1Strings(proof.c)])
    }

    /// `public.json` for `inputs`.
    public static func encode(publicInputs inputs: [Fr]) -> [UInt8] {
        serialize(inputs.map(\.decimalString))
    }

    // MARK: Helpers

    static func parse(_ bytes: [UInt8]) throws(Groth16FormatError) -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw .malformed("not valid JSON")
        }
    }

    static func object(_ bytes: [UInt8], limit: Int) throws(Groth16FormatError) -> [String: Any] {
        guard bytes.count <= limit else { throw .tooLarge(limit: limit) }
        guard let root = try parse(bytes) as? [String: Any] else { throw .malformed("expected an object") }
        return root
    }

    static func member(_ root: [String: Any], _ name: String) throws(Groth16FormatError) -> Any {
        guard let v = root[name] else { throw .missing(name) }
        return v
    }

    static func checkProtocol(_ root: [String: Any]) throws(Groth16FormatError) {
        if let p = root["protocol"], (p as? String) != "groth16" { throw .unsupported("protocol (want groth16)") }
        if let c = root["curve"], !["bn128", "bn254"].contains(c as? String ?? "") {
            throw .unsupported("curve (want bn128)")
        }
    }

    static func integer(_ v: Any) -> Int? {
        if let s = v as? String { return Int(s) }
        return v as? Int
    }

    /// A canonical decimal string (digits only, no leading zeros, at most 78 digits) as a UInt256.
    static func decimal(_ v: Any, field: String) throws(Groth16FormatError) -> UInt256 {
        guard let s = v as? String else { throw .invalid(field: field, reason: "expected a decimal string") }
        guard !s.isEmpty, s.count <= 78, s == "0" || !s.hasPrefix("0"), let value = UInt256(decimal: s) else {
            throw .invalid(field: field, reason: "'\(s.prefix(80))' is not a canonical decimal number below 2^256")
        }
        return value
    }

    static func strings(_ v: Any, count: Int, field: String) throws(Groth16FormatError) -> [UInt256] {
        guard let a = v as? [Any], a.count == count else {
            throw .invalid(field: field, reason: "expected an array of \(count) decimal strings")
        }
        return try a.map { (x) throws(Groth16FormatError) in try decimal(x, field: field) }
    }

    static func g1(_ v: Any, field: String) throws(Groth16FormatError) -> G1Affine {
        let c = try strings(v, count: 3, field: field)
        if c[2].isZero {
            guard c[0].isZero else { throw .invalid(field: field, reason: "infinity must be [\"0\", \"1\", \"0\"]") }
            return .infinity
        }
        guard c[2] == .one else { throw .invalid(field: field, reason: "z must be \"1\" (affine) or \"0\" (infinity)") }
        guard !(c[0].isZero && c[1].isZero) else { throw .point(field: field, .notOnCurve) }
        do {
            return try G1Affine(eip196: c[0].bigEndianBytes + c[1].bigEndianBytes)
        } catch {
            throw .point(field: field, error)
        }
    }

    static func g2(_ v: Any, field: String) throws(Groth16FormatError) -> G2Affine {
        guard let a = v as? [Any], a.count == 3 else {
            throw .invalid(field: field, reason: "expected [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]]")
        }
        let x = try strings(a[0], count: 2, field: field)
        let y = try strings(a[1], count: 2, field: field)
        let z = try strings(a[2], count: 2, field: field)
        if z[0].isZero && z[1].isZero { return .infinity }
        guard z[0] == .one, z[1].isZero else {
            throw .invalid(field: field, reason: "z must be [\"1\", \"0\"] (affine) or [\"0\", \"0\"] (infinity)")
        }
        guard !(x[0].isZero && x[1].isZero && y[0].isZero && y[1].isZero) else { throw .point(field: field, .notOnCurve) }
        // EIP-197 order: x.c1, x.c0, y.c1, y.c0.
        let bytes = x[1].bigEndianBytes + x[0].bigEndianBytes + y[1].bigEndianBytes + y[0].bigEndianBytes
        do {
            return try G2Affine(eip197: bytes)
        } catch {
            throw .point(field: field, error)
        }
    }

    static func g1Strings(_ p: G1Affine) -> [String] {
        p.isInfinity ? ["0", "1", "0"] : [p.x.decimalString, p.y.decimalString, "1"]
    }

    static func g2Strings(_ p: G2Affine) -> [[String]] {
        if p.isInfinity { return [["0", "0"], ["1", "0"], ["0", "0"]] }
        return [[p.x.c0.decimalString, p.x.c1.decimalString], [p.y.c0.decimalString, p.y.c1.decimalString], ["1", "0"]]
    }

    static func serialize(_ value: Any) -> [UInt8] {
        // Only strings, integers, arrays and dictionaries reach here: serialization cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
        return [UInt8](data)
    }
}
