/// A SnarkPack aggregate of N Groth16 proofs: the commitments CM(A, B) and CM(C), the claimed
/// Z_AB = ∏ e(Aᵢ, Bᵢ)^(rⁱ) and Z_C = Σ rⁱ·Cᵢ, and the TIPP/MIPP argument (log₂N rounds, final
/// elements and keys, KZG openings).
///
/// Bytes: "SPK1", log₂N (one byte, 1…24), then CM(A, B), CM(C), Z_AB, Z_C, each round (CM⁺_AB,
/// CM⁻_AB, Z⁺_AB, Z⁻_AB, CM⁺_C, CM⁻_C, Z⁺_C, Z⁻_C), the final A, B, C, v1, v2, w1, w2 and the
/// openings v1, v2, w1, w2. GT elements are 384 bytes (`Fq12.bigEndianBytes`), G1 64 bytes
/// (EIP-196), G2 128 bytes (EIP-197). Decoding accepts exactly that length and checks every element:
/// coordinates below p, G1 points on the curve, G2 points in the subgroup, GT elements in GT.
public struct AggregateProof: Sendable, Equatable {
    let comAB: PairCommitment
    let comC: PairCommitment
    let zAB: Fq12
    let zC: G1Affine
    let argument: TippMipp.Proof

    /// The number of proofs aggregated.
    public var proofCount: Int { 1 << argument.rounds.count }

    static let magic: [UInt8] = Array("SPK1".utf8)
    /// 2²⁴ proofs at most (an SRS that large would be 2 GiB of G1 powers).
    public static let maxLogProofCount = 24
    static let gt = Fq12.encodedByteCount
    static let roundBytes = 10 * gt + 2 * 64
    static let fixedBytes = 5 + 5 * gt + 64 + (4 * 64 + 3 * 128) + (2 * 128 + 2 * 64)

    /// The encoded size for 2^logN proofs.
    public static func byteCount(logProofCount: Int) -> Int { fixedBytes + logProofCount * roundBytes }

    public var bytes: [UInt8] {
        var out = Self.magic + [UInt8(argument.rounds.count)]
        out += comAB.bytes + comC.bytes + zAB.bigEndianBytes + zC.eip196Bytes
        for r in argument.rounds {
            out += r.abPlus.bytes + r.abMinus.bytes + r.zPlus.bigEndianBytes + r.zMinus.bigEndianBytes
            out += r.cPlus.bytes + r.cMinus.bytes + r.zcPlus.eip196Bytes + r.zcMinus.eip196Bytes
        }
        let f = argument.final, o = argument.openings
        out += f.a.eip196Bytes + f.b.eip197Bytes + f.c.eip196Bytes + f.v1.eip197Bytes + f.v2.eip197Bytes
        out += f.w1.eip196Bytes + f.w2.eip196Bytes
        out += o.v1.eip197Bytes + o.v2.eip197Bytes + o.w1.eip196Bytes + o.w2.eip196Bytes
        return out
    }

    /// Why bytes were refused as an aggregate proof.
    public enum DecodingError: Error, Equatable, Sendable {
        case badHeader
        case invalidLength
        case point(PointDecodingError)
        case notInTargetGroup
    }

    /// Decodes and checks `bytes` (see the type's description).
    public init(bytes: some Collection<UInt8>) throws(DecodingError) {
        var reader = Reader(bytes: Array(bytes))
        guard reader.bytes.count >= 5, Array(reader.bytes[0..<4]) == Self.magic else { throw .badHeader }
        let logN = Int(reader.bytes[4])
        guard (1...Self.maxLogProofCount).contains(logN) else { throw .badHeader }
        guard reader.bytes.count == Self.byteCount(logProofCount: logN) else { throw .invalidLength }
        reader.offset = 5
        comAB = try reader.commitment(); comC = try reader.commitment()
        zAB = try reader.gt(); zC = try reader.g1()
        var rounds: [TippMipp.Round] = []
        for _ in 0..<logN {
            rounds.append(TippMipp.Round(
                abPlus: try reader.commitment(), abMinus: try reader.commitment(), zPlus: try reader.gt(),
                zMinus: try reader.gt(), cPlus: try reader.commitment(), cMinus: try reader.commitment(),
                zcPlus: try reader.g1(), zcMinus: try reader.g1()))
        }
        let final = TippMipp.Final(a: try reader.g1(), b: try reader.g2(), c: try reader.g1(), v1: try reader.g2(),
                                   v2: try reader.g2(), w1: try reader.g1(), w2: try reader.g1())
        let openings = TippMipp.Openings(v1: try reader.g2(), v2: try reader.g2(), w1: try reader.g1(), w2: try reader.g1())
        argument = TippMipp.Proof(rounds: rounds, final: final, openings: openings)
    }

    init(comAB: PairCommitment, comC: PairCommitment, zAB: Fq12, zC: G1Affine, argument: TippMipp.Proof) {
        self.comAB = comAB; self.comC = comC; self.zAB = zAB; self.zC = zC; self.argument = argument
    }

    /// Sequential reads of checked elements (the total length was checked before).
    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ n: Int) -> ArraySlice<UInt8> {
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }

        mutating func g1() throws(DecodingError) -> G1Affine {
            do { return try G1Affine(eip196: take(64)) } catch { throw .point(error) }
        }

        mutating func g2() throws(DecodingError) -> G2Affine {
            do { return try G2Affine(eip197: take(128)) } catch { throw .point(error) }
        }

        mutating func gt() throws(DecodingError) -> Fq12 {
            guard let f = Fq12(bigEndian: take(Fq12.encodedByteCount)) else { throw .point(.coordinateNotInField) }
            guard f.isInTargetGroup else { throw .notInTargetGroup }
            return f
        }

        mutating func commitment() throws(DecodingError) -> PairCommitment {
            PairCommitment(t: try gt(), u: try gt())
        }
    }
}
