import GRPC
import Settlement
import ZK

/// The shielded pool's calls (docs/shielded.md, "Client and API"): submissions, the pool's head,
/// and what wallets scan. Every length and count is checked before anything is allocated for it.
extension SettlementService {
    // MARK: SubmitShielded

    /// Decodes the canonical bytes (INVALID_ARGUMENT with the decoder's reason), then hands the
    /// transaction to the engine's shielded lane and waits for its receipt, like `SubmitTransaction`.
    public func submitShielded(request: SettlementV1.SubmitShieldedRequest,
                               context: ServerContext) async throws -> SettlementV1.TransactionReceipt {
        let receivedAt = Self.nowMs()
        let tx = try request.shieldedTransaction()
        guard engine.acceptsShielded else {
            throw RPCError(.failedPrecondition, "this engine takes no shielded transactions")
        }
        return try await submitAndWait(connection: context.connection, receivedAt: receivedAt) { handler throws(SubmitError) in
            try await self.engine.submitShielded(tx, onReceipt: handler)
        }
    }

    // MARK: GetShieldedState

    /// The in-memory head (no store read).
    public func getShieldedState(request: SettlementV1.GetShieldedStateRequest,
                                 context: ServerContext) async throws -> SettlementV1.ShieldedState {
        guard engine.hasStarted else { throw RPCError(.unavailable, "the engine is starting (rebuilding its state); retry") }
        return SettlementV1.ShieldedState(engine.shieldedHead, accepts: engine.acceptsShielded,
                                          minimumFee: engine.config.shielded?.minimumFee ?? 0)
    }

    // MARK: ScanShieldedNotes

    /// Pages of durable notes until the store has no more (the durable end when read) or the
    /// call's bound; `end` on the last page says which.
    public func scanShieldedNotes(request: SettlementV1.ScanShieldedNotesRequest,
                                  response responses: ResponseWriter<SettlementV1.ShieldedNotes>,
                                  context: ServerContext) async throws {
        let bound = UInt64(max(1, configuration.maxScannedNotesPerCall))
        let wanted = request.maxNotes == 0 ? bound : min(request.maxNotes, bound)
        let pageSize = UInt64(max(1, configuration.scanPageSize))
        var position = request.fromPosition
        var remaining = wanted
        // No tree holds a position past its capacity: nothing for the store to look up (nor a
        // huge position for it to convert).
        if position >= UInt64(NoteTree.capacity) {
            try await responses.send(SettlementV1.ShieldedNotes(notes: [], end: true))
            return
        }
        while true {
            let limit = Int(min(pageSize, remaining))
            let from = position
            let notes = try await storeRead({ try await self.engine.shieldedNotes(from: from, limit: limit) })
            let page = try SettlementV1.ShieldedNotes(notes: notes, expectedFrom: from, limit: limit)
            remaining -= UInt64(page.notes.count)
            position += UInt64(page.notes.count)
            let atEnd = notes.count < limit
            if atEnd || remaining == 0 {
                // A cut exactly at the durable end says "not the end": the next call finds nothing
                // more and ends with `end` set.
                try await responses.send(SettlementV1.ShieldedNotes(notes: page.notes, end: atEnd))
                return
            }
            try await responses.send(page)
        }
    }

    // MARK: GetNullifierStatus

    /// The durable batch that spent each nullifier, 0 for unspent ones, in request order.
    public func getNullifierStatus(request: SettlementV1.GetNullifierStatusRequest,
                                   context: ServerContext) async throws -> SettlementV1.NullifierStatus {
        let limit = configuration.maxNullifiersPerLookup
        guard request.nullifiers.count <= limit else {
            throw RPCError(.invalidArgument, "at most \(limit) nullifiers per request, got \(request.nullifiers.count)")
        }
        var nullifiers: [Fr] = []
        nullifiers.reserveCapacity(request.nullifiers.count)
        for (i, bytes) in request.nullifiers.enumerated() {
            nullifiers.append(try SettlementV1.Validate.fieldElement(bytes, field: "nullifiers[\(i)]"))
        }
        if nullifiers.isEmpty { return SettlementV1.NullifierStatus() }
        let lookup = nullifiers
        let spent = try await storeRead({ try await self.engine.spentNullifiers(lookup) })
        return SettlementV1.NullifierStatus(spentBatch: nullifiers.map { spent[$0] ?? 0 })
    }
}
