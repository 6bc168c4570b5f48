/// The Ethereum precompiles over BN254 as byte functions: ECADD (0x06) and ECMUL (0x07) of
/// EIP-196, the pairing check (0x08) of EIP-197. Short input is padded with zeros and surplus is
/// ignored (CALLDATALOAD semantics) for ECADD/ECMUL; the pairing input must be whole 192-byte
/// pairs. Any invalid point throws (the precompile fails).
public enum BN254Precompiles {
    static func padded(_ input: [UInt8], to size: Int) -> [UInt8] {
        input.count >= size ? Array(input[0..<size]) : input + [UInt8](repeating: 0, count: size - input.count)
    }

    /// ECADD: 64 bytes of P + Q.
    public static func add(_ input: [UInt8]) throws(PointDecodingError) -> [UInt8] {
        let b = padded(input, to: 128)
        let p = try G1Affine(eip196: b[0..<64])
        let q = try G1Affine(eip196: b[64..<128])
        return (p.jacobian + q.jacobian).affine.eip196Bytes
    }

    /// ECMUL: 64 bytes of [k]P for a 256-bit big-endian k (not reduced first; [k]P = [k mod r]P).
    public static func scalarMul(_ input: [UInt8]) throws(PointDecodingError) -> [UInt8] {
        let b = padded(input, to: 96)
        let p = try G1Affine(eip196: b[0..<64])
        let k = UInt256(bigEndian: b[64..<96])!
        return p.jacobian.multiplied(by: k).affine.eip196Bytes
    }

    /// The pairing check: 32 bytes, 1 if ∏ e(Pᵢ, Qᵢ) = 1 else 0.
    public static func pairing(_ input: [UInt8]) throws(PointDecodingError) -> [UInt8] {
        guard input.count % 192 == 0 else { throw .invalidLength }
        var pairs: [(G1Affine, G2Affine)] = []
        var offset = 0
        while offset < input.count {
            let p = try G1Affine(eip196: input[offset..<offset + 64])
            let q = try G2Affine(eip197: input[offset + 64..<offset + 192])
            pairs.append((p, q))
            offset += 192
        }
        var out = [UInt8](repeating: 0, count: 32)
        if Pairing.pairingCheck(pairs) { out[31] = 1 }
        return out
    }
}
