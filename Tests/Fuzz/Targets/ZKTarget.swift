import ZK

/// The BN254 decoders of the ZK module: EIP-196/197 point encodings and the three precompiles.
/// The first byte picks the decoder; the rest is the input.
enum ZKTarget {
    /// Points that decode must be canonical (re-encode to the same bytes), on their curve, and for
    /// G2 in the subgroup by the definitional check too; the precompiles must not crash. The pairing
    /// input is capped at two pairs to keep a run short.
    static let target = FuzzTarget(name: "bn254-points", summary: "EIP-196/197 point decoders and the BN254 precompiles") { bytes in
        guard let first = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        switch first % 5 {
        case 0:
            guard let p = try? G1Affine(eip196: body) else { return }
            precondition(p.eip196Bytes == body, "G1 decoded from a non-canonical encoding")
            precondition(p.isOnCurve, "G1 decoded off the curve")
        case 1:
            guard let q = try? G2Affine(eip197: body) else { return }
            precondition(q.eip197Bytes == body, "G2 decoded from a non-canonical encoding")
            precondition(q.isOnCurve && q.isInSubgroupByOrder, "G2 decoded outside the subgroup")
        case 2:
            _ = try? BN254Precompiles.add(body)
        case 3:
            _ = try? BN254Precompiles.scalarMul(body)
        default:
            guard body.count <= 2 * 192 else { return }
            _ = try? BN254Precompiles.pairing(body)
        }
    }

    /// Valid encodings of each kind (mutations reach the curve and subgroup checks).
    static var seeds: [[UInt8]] {
        let g1 = BN254G1.generator.eip196Bytes, g2 = BN254G2.generator.eip197Bytes
        let g1Times5 = G1Point.generator.multiplied(by: UInt256(5)).affine.eip196Bytes
        return [[0] + g1Times5, [1] + g2, [2] + g1 + g1Times5, [3] + g1 + UInt256(7).bigEndianBytes, [4] + g1 + g2]
    }
}
