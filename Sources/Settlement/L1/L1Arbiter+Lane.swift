/// The shielded lane at posting: a commitment whose data holds lane transactions carries one
/// SnarkPack aggregate of their spend proofs, and the arbiter verifies it (`LaneAggregate`).
extension L1Arbiter {
    /// Why `aggregate` does not go with `data` (which `checkData` accepted), nil when it does:
    /// lane transactions need an aggregate that verifies for them in data order under
    /// `config.shieldedLane`; data without lane transactions takes no aggregate; an arbiter
    /// without shielded settings takes no lane transaction.
    func laneProblem(_ aggregate: [UInt8], data: [UInt8]) -> String? {
        // checkData decoded these bytes already; a failure here cannot happen, and is a refusal.
        guard let decoded = try? BatchData.decode(data) else { return "the data does not decode" }
        return laneProblem(aggregate, lane: LaneAggregate.lane(of: decoded.batches))
    }

    /// `laneProblem(_:data:)` for the decoded lane.
    func laneProblem(_ aggregate: [UInt8], lane: [ShieldedTransaction]) -> String? {
        if !lane.isEmpty && config.shieldedLane == nil {
            return "the data holds \(lane.count) shielded lane transactions and this arbiter has no shielded settings"
        }
        guard let keys = config.shieldedLane else {
            return aggregate.isEmpty ? nil : LaneAggregateError.unexpected(bytes: aggregate.count).description
        }
        do { try LaneAggregate.verify(aggregate, lane: lane, keys: keys) } catch { return error.description }
        return nil
    }
}
