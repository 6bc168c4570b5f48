/// Why a `.zkey` file was refused.
public enum ZKeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The container or a count, size or value (see `BinaryFileError`).
    case format(BinaryFileError)
    /// Section 1 names another proof system (1 is Groth16).
    case notGroth16(UInt32)
    /// The base field of section 2 is not BN254's p.
    case wrongBaseField
    /// A point with a coordinate ≥ p, off its curve, or (G2) outside the order-r subgroup.
    case invalidPoint(String, PointDecodingError)

    public var description: String {
        switch self {
        case .format(let e): e.description
        case .notGroth16(let t): "prover type \(t) is not Groth16 (1)"
        case .wrongBaseField: "the base field is not BN254's"
        case .invalidPoint(let what, let why): "invalid point \(what): \(why)"
        }
    }
}

/// snarkjs' binary Groth16 proving key, `.zkey` (read by snarkjs and by arkworks' circom
/// readers): magic "zkey", version 1, sections (type u32, size u64):
///
/// 1. prover type u32 = 1 (Groth16);
/// 2. n8q u32 = 32, q, n8r u32 = 32, r (little-endian), nVars, nPublic, domainSize (u32 each),
///    α₁, β₁, β₂, γ₂, δ₁, δ₂;
/// 3. IC: nPublic + 1 G1 points; 4. coefficients: u32 count, then per entry matrix u32 (0 = A,
///    1 = B), row u32, wire u32, coefficient; 5. A: nVars G1; 6. B1: nVars G1; 7. B2: nVars G2;
/// 8. C: nVars − nPublic − 1 G1; 9. H: domainSize G1; 10. contributions: the 64-byte circuit
///    hash, a u32 count and the MPC contributions (kept opaque here).
///
/// Representations are in `ZKeyEncoding` (Montgomery form; coefficients doubly so). The reader
/// checks every size against the header before allocating, and every point (range, curve, G2
/// subgroup).
public enum ZKeyFile {
    /// A key and its section 10 exactly as read (nil when the file has none).
    public struct Contents: Sendable, Equatable {
        public let key: Groth16.ProvingKey
        public let contributions: [UInt8]?

        public init(key: Groth16.ProvingKey, contributions: [UInt8]?) {
            self.key = key; self.contributions = contributions
        }
    }

    /// The largest domain a `.zkey` may announce (snarkjs' limit for BN254: 2^28).
    public static let maximumDomainSize = 1 << FrRootsOfUnity.twoAdicity

    /// Section 10 with no contributions: a 64-byte circuit hash (zeros: see docs/zk.md, what
    /// snarkjs stores is a hash of its initial key, which a development setup never has) and a
    /// zero count.
    public static let emptyContributions: [UInt8] = [UInt8](repeating: 0, count: 68)

    /// The file's bytes; `contributions` is section 10's content (default: none).
    public static func write(_ key: Groth16.ProvingKey, contributions: [UInt8]? = nil) -> [UInt8] {
        let vk = key.verifyingKey
        var header: [UInt8] = []
        header.appendU32(32)
        for i in 0..<4 { header.appendU64(Fq.modulus.limb(i)) }
        header.appendU32(32)
        header += Fr.modulusLittleEndian
        header.appendU32(UInt32(key.wireCount))
        header.appendU32(UInt32(key.publicCount))
        header.appendU32(UInt32(key.domainSize))
        ZKeyEncoding.appendG1(&header, key.alpha1)
        ZKeyEncoding.appendG1(&header, key.beta1)
        ZKeyEncoding.appendG2(&header, key.beta2)
        ZKeyEncoding.appendG2(&header, vk.gamma)
        ZKeyEncoding.appendG1(&header, key.delta1)
        ZKeyEncoding.appendG2(&header, key.delta2)

        var coefficients: [UInt8] = []
        coefficients.reserveCapacity(4 + 44 * (key.matricesA.count + key.matricesB.count))
        coefficients.appendU32(UInt32(key.matricesA.count + key.matricesB.count))
        for (matrix, entries) in [(UInt32(0), key.matricesA), (UInt32(1), key.matricesB)] {
            for e in entries {
                coefficients.appendU32(matrix)
                coefficients.appendU32(UInt32(e.row))
                coefficients.appendU32(UInt32(e.wire))
                ZKeyEncoding.appendCoefficient(&coefficients, e.coefficient)
            }
        }

        func g1Section(_ points: [G1Affine]) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(64 * points.count)
            for p in points { ZKeyEncoding.appendG1(&out, p) }
            return out
        }
        var b2: [UInt8] = []
        b2.reserveCapacity(128 * key.b2.count)
        for p in key.b2 { ZKeyEncoding.appendG2(&b2, p) }
        var typeBytes: [UInt8] = []
        typeBytes.appendU32(1)

        let sections: [(UInt32, [UInt8])] = [
            (1, typeBytes), (2, header), (3, g1Section(vk.ic)), (4, coefficients), (5, g1Section(key.a)),
            (6, g1Section(key.b1)), (7, b2), (8, g1Section(key.c)), (9, g1Section(key.h)),
            (10, contributions ?? emptyContributions),
        ]
        var out = Array("zkey".utf8)
        out.appendU32(1)
        out.appendU32(UInt32(sections.count))
        for (type, content) in sections {
            out.appendU32(type)
            out.appendU64(UInt64(content.count))
            out += content
        }
        return out
    }

    /// Parses and validates a file (see the type's description for what is checked). The G2
    /// subgroup checks of section 7, most of the time spent here, run on `threads` threads (default:
    /// all cores).
    public static func read(_ bytes: [UInt8], threads: Int? = nil) throws(ZKeyFileError) -> Contents {
        let sections: [UInt32: Range<Int>]
        do throws(BinaryFileError) {
            let (version, found) = try readSections(bytes, magic: "zkey")
            guard version == 1 else { throw .unsupportedVersion(version) }
            for type in UInt32(1)...9 where found[type] == nil { throw .missingSection(type) }
            sections = found
        } catch { throw .format(error) }
        func reader(_ type: UInt32, size: Int? = nil) throws(ZKeyFileError) -> BinaryReader {
            let range = sections[type]!
            if let size, range.count != size {
                throw .format(.invalidCount("section \(type) has \(range.count) bytes, \(size) expected"))
            }
            return BinaryReader(bytes, offset: range.lowerBound, end: range.upperBound)
        }

        var s1 = try reader(1, size: 4)
        let proverType: UInt32
        do throws(BinaryFileError) { proverType = try s1.u32("prover type") } catch { throw .format(error) }
        guard proverType == 1 else { throw .notGroth16(proverType) }

        // Section 2: fields, counts, then the six fixed points.
        var h = try reader(2, size: 4 + 32 + 4 + 32 + 12 + 3 * 64 + 3 * 128)
        let nVars: Int, nPublic: Int, domainSize: Int, q: UInt256
        do throws(BinaryFileError) {
            let n8q = try h.u32("n8q")
            guard n8q == 32 else { throw .wrongFieldSize(n8q) }
            q = try ZKeyEncoding.uint256(&h, "q")
            let n8r = try h.u32("n8r")
            guard n8r == 32 else { throw .wrongFieldSize(n8r) }
            guard Array(try h.take(32, "r")) == Fr.modulusLittleEndian else { throw .wrongPrime }
            nVars = Int(try h.u32("nVars"))
            nPublic = Int(try h.u32("nPublic"))
            domainSize = Int(try h.u32("domainSize"))
        } catch { throw .format(error) }
        guard q == Fq.modulus else { throw .wrongBaseField }
        guard nVars > nPublic else { throw .format(.invalidCount("\(nVars) wires for \(nPublic) public signals")) }
        guard domainSize > 0, domainSize & (domainSize - 1) == 0, domainSize <= maximumDomainSize else {
            throw .format(.invalidCount("domain size \(domainSize)"))
        }
        let alpha1 = try ZKeyEncoding.g1(&h, "alpha1")
        let beta1 = try ZKeyEncoding.g1(&h, "beta1")
        let beta2 = try ZKeyEncoding.g2(&h, "beta2")
        let gamma2 = try ZKeyEncoding.g2(&h, "gamma2")
        let delta1 = try ZKeyEncoding.g1(&h, "delta1")
        let delta2 = try ZKeyEncoding.g2(&h, "delta2")

        // Point sections: exact sizes first, then each point checked.
        func g1Points(_ type: UInt32, _ count: Int, _ name: String) throws(ZKeyFileError) -> [G1Affine] {
            var r = try reader(type, size: 64 * count)
            var out: [G1Affine] = []
            out.reserveCapacity(count)
            for i in 0..<count { out.append(try ZKeyEncoding.g1(&r, "\(name)[\(i)]")) }
            return out
        }
        let ic = try g1Points(3, nPublic + 1, "IC")
        let a = try g1Points(5, nVars, "A")
        let b1 = try g1Points(6, nVars, "B1")
        var r7 = try reader(7, size: 128 * nVars)
        var b2: [G2Affine] = []
        b2.reserveCapacity(nVars)
        for i in 0..<nVars { b2.append(try ZKeyEncoding.g2OnCurve(&r7, "B2[\(i)]")) }
        if let i = ZKeyEncoding.firstOutsideSubgroup(b2, threads: threads ?? MultiScalarMultiplication.defaultThreadCount) {
            throw .invalidPoint("B2[\(i)]", .notInSubgroup)
        }
        let c = try g1Points(8, nVars - nPublic - 1, "C")
        let hPoints = try g1Points(9, domainSize, "H")

        // Section 4: the count must match the section's size exactly.
        var r4 = try reader(4)
        var matricesA: [Groth16.MatrixEntry] = [], matricesB: [Groth16.MatrixEntry] = []
        do throws(BinaryFileError) {
            let count = Int(try r4.u32("coefficient count"))
            guard r4.remaining == 44 * count else {
                throw .invalidCount("\(count) coefficients in \(r4.remaining) bytes")
            }
            for i in 0..<count {
                let what = "coefficient \(i)"
                let matrix = try r4.u32(what)
                let row = Int(try r4.u32(what)), wire = Int(try r4.u32(what))
                guard matrix <= 1 else { throw .invalidValue("\(what): matrix \(matrix)") }
                guard row < domainSize else { throw .invalidValue("\(what): row \(row) ≥ \(domainSize)") }
                guard wire < nVars else { throw .invalidValue("\(what): wire \(wire) ≥ \(nVars)") }
                let entry = Groth16.MatrixEntry(row: row, wire: wire, coefficient: try ZKeyEncoding.coefficient(&r4, what))
                if matrix == 0 { matricesA.append(entry) } else { matricesB.append(entry) }
            }
        } catch { throw .format(error) }

        guard let vk = Groth16.VerifyingKey(alpha: alpha1, beta: beta2, gamma: gamma2, delta: delta2, ic: ic),
              let key = Groth16.ProvingKey(
                verifyingKey: vk, alpha1: alpha1, beta1: beta1, beta2: beta2, delta1: delta1, delta2: delta2,
                domainSize: domainSize, wireCount: nVars, a: a, b1: b1, b2: b2, c: c, h: hPoints,
                matricesA: matricesA, matricesB: matricesB)
        else { throw .format(.invalidCount("inconsistent key sizes")) }
        let contributions = sections[10].map { Array(bytes[$0]) }
        return Contents(key: key, contributions: contributions)
    }
}
