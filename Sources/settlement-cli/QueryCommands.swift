import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// `--timeout` and `--json`, shared by the one-call commands.
struct QueryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds to wait for the answer.", valueName: "seconds"))
    var timeout: Int = 30

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }
}

/// `settlement status TXID`: `GetSettlementStatus`.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the current status of a transaction.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var options: QueryOptions

    @Argument(help: ArgumentHelp("Transaction id (32 bytes of hex).", valueName: "txid"))
    var txId: String

    func validate() throws { _ = try parseDigest(txId, "TXID") }

    func run() async throws {
        try await runReportingErrors {
            let id = try parseDigest(txId, "TXID")
            let s: SettlementV1.SettlementStatus = try await connection.withClient { client in
                try await client.unary(SettlementMethods.getSettlementStatus,
                                       SettlementV1.GetSettlementStatusRequest(txId: id.bytes),
                                       timeout: .seconds(options.timeout))
            }
            if options.json { printJSON(JSONForm.status(s)); return }
            var rows: [(String, String)] = [("tx id", Format.hex(s.txId)), ("status", Format.status(s.status))]
            if !s.rejectionReason.isEmpty { rows.append(("reason", s.rejectionReason)) }
            if s.batchNumber > 0 { rows.append(("batch", String(s.batchNumber))) }
            if !s.stateRoot.isEmpty { rows.append(("state root", Format.hex(s.stateRoot))) }
            if !s.l1TxHash.isEmpty { rows.append(("L1 tx", Format.hex(s.l1TxHash))) }
            if s.l1BlockNumber > 0 { rows.append(("L1 block", String(s.l1BlockNumber))) }
            rows.append(("updated", Format.time(s.updatedAtMs)))
            print(Format.table(rows))
        }
    }
}

/// `settlement watch [TXID...]`: `SubscribeStatus` until the server ends it or Ctrl-C.
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow status changes: of the given transactions, or of every batch when none is given.",
        discussion: "One line per update. With transaction ids the stream ends once every one is FINALIZED, "
            + "REJECTED or REVERTED; Ctrl-C ends it at any time (exit 0).")

    @OptionGroup var connection: ServerOptions

    @Flag(help: "Print one JSON object per line.")
    var json = false

    @Argument(help: ArgumentHelp("Transaction ids to follow (32 bytes of hex each).", valueName: "txid"))
    var txIds: [String] = []

    func validate() throws { for t in txIds { _ = try parseDigest(t, "TXID") } }

    func run() async throws {
        try await runReportingErrors {
            let ids = try txIds.map { try parseDigest($0, "TXID").bytes }
            let client = try await connection.connect()
            let json = self.json
            let display = connection.server
            let task = Task { () async throws -> Int in
                var count = 0
                do {
                    for try await update in try client.subscribe(SettlementV1.SubscribeStatusRequest(txIds: ids)) {
                        Self.show(update, json: json)
                        count += 1
                    }
                } catch let e as RPCError {
                    if Task.isCancelled { return count }
                    throw CLIError.rpc(method: "SubscribeStatus", server: display, error: e)
                }
                return count
            }
            // Ctrl-C cancels the subscription (the client resets the stream) and ends quietly.
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            defer { source.cancel() }
            if !json {
                let what = ids.isEmpty ? "every batch" : "\(ids.count) transaction\(ids.count == 1 ? "" : "s")"
                FileHandle.standardError.write(Data("watching \(what) on \(display) (Ctrl-C to stop)\n".utf8))
            }
            let result = await task.result
            await client.close()
            _ = try result.get()
        }
    }

    /// One line for an update: a batch summary (every-batch subscription) or a transaction status.
    static func show(_ u: SettlementV1.StatusUpdate, json: Bool) {
        if json {
            var o: [String: Any] = [:]
            if let s = u.status { o["status"] = JSONForm.status(s) }
            if let b = u.batch { o["batch"] = JSONForm.batch(b, includeIds: false) }
            guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return }
            print(String(decoding: data, as: UTF8.self))
        } else if let b = u.batch {
            print("\(Format.time(b.createdAtMs))  batch \(b.batchNumber)  \(Format.status(b.status))  "
                  + "\(b.txIds.count) tx  root \(Format.hex(b.newStateRoot))")
        } else if let s = u.status {
            var line = "\(Format.time(s.updatedAtMs))  \(Format.hex(s.txId))  \(Format.status(s.status))"
            if s.batchNumber > 0 { line += "  batch \(s.batchNumber)" }
            if !s.stateRoot.isEmpty { line += "  root \(Format.hex(s.stateRoot))" }
            if !s.rejectionReason.isEmpty { line += "  reason: \(s.rejectionReason)" }
            print(line)
        }
        fflush(nil)
    }
}

/// `settlement account ADDR [--root HEX]`: `GetAccount`, with the Merkle proof checked here.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Show an account's balance and nonce, and verify its Merkle proof locally.",
        discussion: "The proof is checked with verifyProof against the state root the engine names (and, with "
            + "--root, that this is the root asked for). Exit code 1 when it does not verify.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var options: QueryOptions

    @Argument(help: ArgumentHelp("Account address.", valueName: "address"))
    var address: String

    @Option(help: ArgumentHelp("State root to answer against (default: the latest).", valueName: "hex"))
    var root: String?

    func validate() throws {
        _ = try parseAddress(address, "ADDRESS")
        if let root { _ = try parseDigest(root, "--root") }
    }

    func run() async throws {
        try await runReportingErrors {
            let addr = try parseAddress(address, "ADDRESS")
            let wanted = try root.map { try parseDigest($0, "--root") }
            let a: SettlementV1.Account = try await connection.withClient { client in
                try await client.unary(SettlementMethods.getAccount,
                                       SettlementV1.GetAccountRequest(address: addr.bytes, stateRoot: wanted?.bytes ?? []),
                                       timeout: .seconds(options.timeout))
            }
            let check = Self.verify(a, address: addr, wantedRoot: wanted)
            if options.json {
                var o: [String: Any] = ["address": Format.hex(a.address), "balance": Format.uint256(a.balance),
                                        "nonce": a.nonce, "exists": a.exists, "stateRoot": Format.hex(a.stateRoot),
                                        "batchNumber": a.batchNumber, "proofBytes": a.proof.count,
                                        "verified": check.ok, "proofCheck": check.detail]
                if let p = check.proof {
                    o["proofKind"] = Self.kindName(p.kind)
                    o["proofDepth"] = p.depth
                }
                printJSON(o)
            } else {
                var rows: [(String, String)] = [
                    ("address", Format.hex(a.address)), ("balance", Format.uint256(a.balance)), ("nonce", String(a.nonce)),
                    ("exists", a.exists ? "yes" : "no (absent: zero balance and nonce)"),
                    ("state root", Format.hex(a.stateRoot)), ("batch", String(a.batchNumber)),
                ]
                if let p = check.proof {
                    rows.append(("proof", "\(Self.kindName(p.kind)), depth \(p.depth), "
                                 + "\(p.siblings.filter { $0 != .zero }.count) non-zero siblings, \(a.proof.count) bytes"))
                }
                rows.append(("verified", check.ok ? "yes (\(check.detail))" : "NO: \(check.detail)"))
                print(Format.table(rows))
            }
            if !check.ok { throw CLIError.failed }
        }
    }

    /// Checks every field the proof depends on, then `verifyProof`.
    static func verify(_ a: SettlementV1.Account, address: Address, wantedRoot: Digest32?)
        -> (ok: Bool, detail: String, proof: MerkleProof?) {
        guard a.address == address.bytes else { return (false, "the engine answered for another address", nil) }
        guard let root = Digest32(bytes: a.stateRoot) else {
            return (false, "state_root is \(a.stateRoot.count) bytes, not 32", nil)
        }
        if let wantedRoot, wantedRoot != root {
            return (false, "the engine answered against root \(root), not the requested \(wantedRoot)", nil)
        }
        guard let balance = UInt256(bigEndianBytes: a.balance) else {
            return (false, "balance is \(a.balance.count) bytes, not 32", nil)
        }
        let proof: MerkleProof
        do { proof = try MerkleProof(serialized: a.proof) } catch {
            return (false, "\(error)", nil)
        }
        let account = Settlement.Account(balance: balance, nonce: a.nonce)
        guard a.exists == !account.isEmpty else {
            return (false, "exists=\(a.exists) contradicts balance and nonce", proof)
        }
        guard verifyProof(proof, root: root, address: address, account: a.exists ? account : nil) else {
            return (false, "the proof does not lead to the state root", proof)
        }
        return (true, a.exists ? "inclusion proven against the state root" : "absence proven against the state root",
                proof)
    }

    static func kindName(_ k: MerkleProof.Kind) -> String {
        switch k {
        case .inclusion: "inclusion"
        case .emptySlot: "absence (empty slot)"
        case .otherLeaf(let other, _): "absence (path ends at \(other)'s leaf)"
        }
    }
}

/// `settlement metrics [--window S]`: `GetPerformanceMetrics`.
struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show throughput, latency and state metrics.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var options: QueryOptions

    @Option(help: ArgumentHelp("Window in seconds (0: the server's default, 60).", valueName: "seconds"))
    var window: UInt32 = 0

    func run() async throws {
        try await runReportingErrors {
            let m: SettlementV1.PerformanceMetrics = try await connection.withClient { client in
                try await client.unary(SettlementMethods.getPerformanceMetrics,
                                       SettlementV1.GetPerformanceMetricsRequest(windowSeconds: window),
                                       timeout: .seconds(options.timeout))
            }
            if options.json { printJSON(JSONForm.metrics(m)); return }
            func bytes(_ n: UInt64) -> String { String(format: "%.1f MiB", Double(n) / 1_048_576) }
            print(Format.table([
                ("window", "\(m.windowSeconds) s"),
                ("throughput", String(format: "%.2f tx/s", m.tps)),
                ("batch processing", "p50 \(m.batchProcessingP50Us) µs, p99 \(m.batchProcessingP99Us) µs"),
                ("confirmation latency", "p50 \(m.confirmationLatencyP50Ms) ms, p99 \(m.confirmationLatencyP99Ms) ms"),
                ("pending", String(m.pendingTransactions)),
                ("sequenced (total)", String(m.transactionsSequenced)),
                ("rejected in batches (total)", String(m.transactionsRejected)),
                ("batches committed", String(m.batchesCommitted)),
                ("state accounts", String(m.stateAccounts)),
                ("state size", bytes(m.stateSizeBytes)),
                ("state growth", String(format: "%.1f B/s", m.stateGrowthBytesPerSecond)),
                ("computed", Format.time(m.computedAtMs)),
            ]))
        }
    }
}

/// `settlement batch N`: `GetBatch`.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch", abstract: "Show a durable batch.")

    @OptionGroup var connection: ServerOptions
    @OptionGroup var options: QueryOptions

    @Argument(help: ArgumentHelp("Batch number (from 1).", valueName: "n"))
    var number: UInt64

    @Flag(help: "List the batch's transaction ids (JSON output always has them).")
    var txIds = false

    func run() async throws {
        try await runReportingErrors {
            let b: SettlementV1.Batch = try await connection.withClient { client in
                try await client.unary(SettlementMethods.getBatch, SettlementV1.GetBatchRequest(batchNumber: number),
                                       timeout: .seconds(options.timeout))
            }
            if options.json { printJSON(JSONForm.batch(b)); return }
            var rows: [(String, String)] = [
                ("batch", String(b.batchNumber)), ("status", Format.status(b.status)),
                ("transactions", String(b.txIds.count)), ("previous root", Format.hex(b.prevStateRoot)),
                ("new root", Format.hex(b.newStateRoot)), ("created", Format.time(b.createdAtMs)),
            ]
            if !b.l1TxHash.isEmpty { rows.append(("L1 tx", Format.hex(b.l1TxHash))) }
            print(Format.table(rows))
            if txIds { for id in b.txIds { print(Format.hex(id)) } }
        }
    }
}
