/// The SRS file layout: "SRS1", the G1 count m and the G2 count n (4 bytes each, big-endian), then
/// gAlpha (m × 64 bytes, EIP-196), gBeta (m × 64), hAlpha (n × 128, EIP-197), hBeta (n × 128).
/// Decoding accepts exactly that length, at most `maxG2Count` G2 powers, and checks every point
/// (G2 subgroup membership included) and the shape rules of `AggregationSRS.init`.
extension AggregationSRS {
    /// 2²⁰ G2 powers per secret (2¹⁹ proofs; a 400 MiB file).
    public static let maxG2Count = 1 << 20

    public var bytes: [UInt8] {
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
        return Array("SRS1".utf8) + u32(gAlpha.count) + u32(hAlpha.count)
            + gAlpha.flatMap(\.eip196Bytes) + gBeta.flatMap(\.eip196Bytes)
            + hAlpha.flatMap(\.eip197Bytes) + hBeta.flatMap(\.eip197Bytes)
    }

    /// Why bytes were refused as an SRS.
    public enum DecodingError: Error, Equatable, Sendable {
        case badHeader
        case invalidLength
        case point(index: Int, PointDecodingError)
        case malformed
    }

    /// The file size for m G1 and n G2 powers per secret.
    public static func byteCount(g1Count m: Int, g2Count n: Int) -> Int { 12 + 2 * m * 64 + 2 * n * 128 }

    public init(bytes: some Collection<UInt8>) throws(DecodingError) {
        let b = Array(bytes)
        guard b.count >= 12, Array(b[0..<4]) == Array("SRS1".utf8) else { throw .badHeader }
        func u32(_ at: Int) -> Int { b[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        let m = u32(4), n = u32(8)
        guard n <= Self.maxG2Count, m <= 2 * Self.maxG2Count else { throw .badHeader }
        guard b.count == Self.byteCount(g1Count: m, g2Count: n) else { throw .invalidLength }
        var offset = 12, index = 0
        func g1s() throws(DecodingError) -> [G1Affine] {
            var out: [G1Affine] = []
            for _ in 0..<m {
                do { out.append(try G1Affine(eip196: b[offset..<(offset + 64)])) } catch { throw .point(index: index, error) }
                offset += 64; index += 1
            }
            return out
        }
        func g2s() throws(DecodingError) -> [G2Affine] {
            var out: [G2Affine] = []
            for _ in 0..<n {
                do { out.append(try G2Affine(eip197: b[offset..<(offset + 128)])) } catch { throw .point(index: index, error) }
                offset += 128; index += 1
            }
            return out
        }
        let gA = try g1s(), gB = try g1s(), hA = try g2s(), hB = try g2s()
        guard let srs = AggregationSRS(gAlpha: gA, hAlpha: hA, gBeta: gB, hBeta: hB) else { throw .malformed }
        self = srs
    }
}
