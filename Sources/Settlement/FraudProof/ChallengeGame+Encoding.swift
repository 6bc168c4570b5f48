/// The deterministic byte encoding of a `ChallengeGame` (what the arbiter stores). Big-endian:
///
/// ```
/// version          1    1
/// clock            8    ms, each side's budget
/// proposer used    8    ms
/// challenger used  8    ms
/// last move at     8    ms
/// batch count      4    B ≥ 1
/// tx counts        4·B  transactions per batch
/// stage            1    0 batches, 1 transactions, 2 one step, 3 resolved
/// batch            4    disputed batch (0 in stage 0)
/// lo, hi           4+4
/// agreed root      32
/// proposer root    32
/// challenger root  32
/// pending flag     1    0 none, 1 a proposer midpoint follows
/// pending root     32   flag 1 only
/// winner           1    0 none, 1 proposer, 2 challenger (stage 3 only)
/// resolution       1    0 none, 1 one-step proof, 2 timeout, 3 empty batch, 4 undecodable data (stage 3 only)
/// ```
///
/// Decoding is strict — exact length, the batch count checked against the bytes left before
/// allocating, and the game's invariants (ranges within their batch or commitment, a live game's
/// claims differing, fields present only in their stages) — so a decoded game is one the rules
/// can hold, and each game has one encoding.
extension ChallengeGame {
    /// The encoding's version byte.
    public static let encodingVersion: UInt8 = 2

    /// The canonical encoding.
    public var serialized: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(37 + 4 * transactionCounts.count + 13 + 96 + 35)
        out.append(Self.encodingVersion)
        out.appendBigEndian(clockMs)
        out.appendBigEndian(proposerUsedMs)
        out.appendBigEndian(challengerUsedMs)
        out.appendBigEndian(lastMoveAtMs)
        out.appendBigEndian(UInt32(transactionCounts.count))
        for n in transactionCounts { out.appendBigEndian(UInt32(n)) }
        out.append(stage.rawValue)
        out.appendBigEndian(UInt32(batch))
        out.appendBigEndian(UInt32(lo))
        out.appendBigEndian(UInt32(hi))
        out.append(contentsOf: agreedRoot.bytes)
        out.append(contentsOf: proposerRoot.bytes)
        out.append(contentsOf: challengerRoot.bytes)
        if let pending = pendingMidpointRoot {
            out.append(1)
            out.append(contentsOf: pending.bytes)
        } else {
            out.append(0)
        }
        out.append(winner?.rawValue ?? 0)
        out.append(resolution?.rawValue ?? 0)
        return out
    }

    /// Decodes `serialized`, strictly (see the encoding above).
    public init(serialized bytes: [UInt8]) throws(FraudProofError) {
        var r = WireReader(bytes, what: "challenge game")
        let version = try r.uint8("version")
        guard version == Self.encodingVersion else { throw r.fail("unknown version \(version)") }
        clockMs = try r.uint64("clock")
        proposerUsedMs = try r.uint64("proposer clock used")
        challengerUsedMs = try r.uint64("challenger clock used")
        lastMoveAtMs = try r.uint64("last move time")
        let batches = Int(try r.uint32("batch count"))
        guard batches >= 1, batches <= r.remaining / 4 else { throw r.fail("batch count \(batches) for \(r.remaining) bytes") }
        var counts: [Int] = []
        counts.reserveCapacity(batches)
        for _ in 0 ..< batches { counts.append(Int(try r.uint32("transaction count"))) }
        transactionCounts = counts
        let stageByte = try r.uint8("stage")
        guard let stage = Stage(rawValue: stageByte) else { throw r.fail("unknown stage \(stageByte)") }
        self.stage = stage
        batch = Int(try r.uint32("batch"))
        lo = Int(try r.uint32("lo"))
        hi = Int(try r.uint32("hi"))
        agreedRoot = try r.digest("agreed root")
        proposerRoot = try r.digest("proposer root")
        challengerRoot = try r.digest("challenger root")
        switch try r.uint8("pending flag") {
        case 0: pendingMidpointRoot = nil
        case 1: pendingMidpointRoot = try r.digest("pending root")
        case let flag: throw r.fail("pending flag \(flag)")
        }
        let winnerByte = try r.uint8("winner")
        let resolutionByte = try r.uint8("resolution")
        winner = Party(rawValue: winnerByte)
        resolution = Resolution(rawValue: resolutionByte)
        try r.finish()
        guard winnerByte == 0 || winner != nil, resolutionByte == 0 || resolution != nil else {
            throw r.fail("unknown winner \(winnerByte) or resolution \(resolutionByte)")
        }
        if let why = invariantViolation() { throw r.fail(why) }
    }

    /// The first broken invariant, or nil (see the encoding's documentation).
    private func invariantViolation() -> String? {
        let resolved = stage == .resolved
        if proposerUsedMs > clockMs || challengerUsedMs > clockMs { return "a clock used beyond its budget" }
        if resolved != (winner != nil) || resolved != (resolution != nil) { return "winner and resolution outside stage 3" }
        if stage == .batches && batch != 0 { return "a disputed batch while bisecting batches" }
        if batch >= transactionCounts.count { return "batch \(batch) of \(transactionCounts.count)" }
        let limit = stage == .batches ? transactionCounts.count : transactionCounts[batch]
        guard lo <= hi, hi <= limit else { return "range [\(lo), \(hi)] outside [0, \(limit)]" }
        switch stage {
        case .batches, .transactions:
            if hi - lo < 2 { return "a bisection range narrower than two steps" }
        case .oneStep:
            if hi - lo != 1 { return "a one-step range that is not one step" }
            if pendingMidpointRoot != nil { return "a pending midpoint outside bisection" }
        case .resolved:
            if pendingMidpointRoot != nil { return "a pending midpoint in a resolved game" }
        }
        if !resolved && proposerRoot == challengerRoot { return "a live game whose claims agree" }
        return nil
    }
}
