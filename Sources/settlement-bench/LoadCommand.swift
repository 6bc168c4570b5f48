import ArgumentParser
import Foundation
import Histogram
import GRPC
import SettlementAPI
import Settlement
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `settlement-bench load`: an end-to-end load generator against a running engine.
///
/// 1. Funding: the genesis keys (the dev genesis's documented keys by default) send funds to
///    `--senders` fresh accounts over one `SubmitTransactions` stream; every funding transfer must
///    come back SEQUENCED.
/// 2. Pre-signing: `--transactions` transfers among the senders, nonces tracked locally, signed on
///    all cores and encoded before the clock starts.
/// 3. Load: the transfers stream over `--connections` connections (one `SubmitTransactions` call
///    each; a sender's transfers always on the same one, in nonce order), paced at `--rate` or as
///    fast as the in-flight `--window` allows, for `--duration` seconds or until all are sent.
///    Confirmation latency is submit → SEQUENCED receipt, in an HdrHistogram.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "End-to-end load: fund senders, pre-sign transfers, stream them to a running engine.",
        discussion: """
            Needs an engine whose genesis funds the funder keys: by default the four documented keys of \
            Deploy/genesis.dev.json (private keys 0x…1001 to 0x…1004). While it runs, a progress line on standard \
            error shows sent, sequenced and rejected transfers, the current TPS and the latency percentiles so far. \
            At the end: sustained TPS, latency p50/p90/p99/max, rejections by reason, and the engine's own metrics.
            """)

    /// The private keys of the dev genesis's four funded accounts (Deploy/genesis.dev.json).
    static let devGenesisKeys = (1...4).map { String(repeating: "0", count: 60) + "100\($0)" }

    @Option(help: ArgumentHelp("Engine address HOST:PORT. Env: SETTLEMENT_SERVER.", valueName: "host:port"))
    var server: String = ProcessInfo.processInfo.environment["SETTLEMENT_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "127.0.0.1:50051"

    @Option(help: ArgumentHelp("PEM bundle of trusted CAs; connects with TLS.", valueName: "file"))
    var tlsCa: String?

    @Option(help: ArgumentHelp("TLS server name (SNI and verification).", valueName: "name"))
    var tlsServerName: String?

    @Option(help: "How many of the dev genesis keys (0x…1001 …) fund the senders, 1 to 4.")
    var genesisKeys = 4

    @Option(name: .customLong("funder-key"),
            help: ArgumentHelp("A funded private key to use instead of the dev genesis keys (repeatable).", valueName: "hex"))
    var funderKeys: [String] = []

    @Option(help: "Fresh sender accounts to fund and send from.")
    var senders = 200

    @Option(help: "Transfers to pre-sign and send.")
    var transactions = 100_000

    @Option(help: "Connections, each with one SubmitTransactions stream.")
    var connections = 2

    @Option(help: "Target transfers per second over all connections; 0 = as fast as the window allows.")
    var rate: Double = 0

    @Option(help: "Most transfers awaiting their receipt, over all connections.")
    var window = 4096

    @Option(help: "Seconds to send for (the run also ends when every transfer is sent).")
    var duration: Double = 60

    @Option(help: "Seconds to wait for outstanding receipts after sending stops.")
    var drainTimeout: Double = 60

    @Option(help: ArgumentHelp("Value of each load transfer (decimal or 0x hex).", valueName: "n"))
    var value = "1"

    @Option(help: ArgumentHelp("Fee of each transfer (decimal or 0x hex).", valueName: "n"))
    var fee = "0"

    @Option(help: ArgumentHelp("Funds per sender (default: twice what its transfers need).", valueName: "n"))
    var fundAmount: String?

    @Option(help: "EIP-712 chain id the engine must serve (the domain itself, with its salt, is the engine's: GetChainInfo).")
    var chainId: UInt64?

    @Flag(help: "No progress line.")
    var quiet = false

    @Flag(help: "Print the results as one JSON document on standard output.")
    var json = false

    func validate() throws {
        guard ServerAddress(server) != nil else { throw ValidationError("--server must be HOST:PORT, got \"\(server)\"") }
        guard (1...4).contains(genesisKeys) else { throw ValidationError("--genesis-keys must be 1 to 4") }
        guard senders >= 2 else { throw ValidationError("--senders must be at least 2") }
        guard transactions >= 1 else { throw ValidationError("--transactions must be positive") }
        guard connections >= 1, connections <= 256 else { throw ValidationError("--connections must be 1 to 256") }
        guard rate >= 0, rate.isFinite else { throw ValidationError("--rate must be 0 or positive") }
        guard window >= connections else { throw ValidationError("--window must be at least --connections") }
        guard duration > 0, drainTimeout > 0 else { throw ValidationError("--duration and --drain-timeout must be positive") }
        guard UInt256(parsing: value) != nil, UInt256(parsing: fee) != nil else {
            throw ValidationError("--value and --fee must be uint256 numbers (decimal or 0x hex)")
        }
        if let fundAmount, UInt256(parsing: fundAmount) == nil {
            throw ValidationError("--fund-amount must be a uint256 number")
        }
        for k in funderKeys where (try? PrivateKey(hex: k)) == nil {
            throw ValidationError("--funder-key \"\(k.prefix(6))…\" is not a private key (64 hex digits)")
        }
        if let tlsCa, !FileManager.default.isReadableFile(atPath: tlsCa) {
            throw ValidationError("cannot read the CA file \(tlsCa)")
        }
    }

    func run() async throws {
        try await runReportingErrors { try await runLoad() }
    }

    // MARK: The run

    private func runLoad() async throws {
        let amount = UInt256(parsing: value)!, feeAmount = UInt256(parsing: fee)!
        let funders = try (funderKeys.isEmpty ? Array(Self.devGenesisKeys.prefix(genesisKeys)) : funderKeys)
            .map { try PrivateKey(hex: $0) }

        // Connections.
        let address = ServerAddress(server)!
        var config = RPCClientConfiguration(host: address.host, port: address.port)
        if tlsCa != nil || tlsServerName != nil { config.tls = .init(caFile: tlsCa, serverName: tlsServerName) }
        var clients: [RPCClient] = []
        for _ in 0..<connections {
            do {
                let c = try await RPCClient.connect(config)
                // A first request at once: the engine closes connections that send none within
                // its first-request timeout (10 s), and funding can take longer than that.
                _ = try await HealthV1.HealthClient(c).check(HealthV1.HealthCheckRequest())
                clients.append(c)
            } catch let e as RPCError {
                throw BenchError("cannot reach the settlement engine at \(server): \(e.message)\n"
                                 + "hint: start settlement-engine (with Deploy/genesis.dev.json) or set --server")
            }
        }
        let api = clients[0]
        let domain = try await signingDomain(via: api)

        // Funding.
        let perSender = (transactions + senders - 1) / senders
        guard let perTransfer = amount.checkedAdd(feeAmount), let need = perTransfer.checkedMul(UInt64(perSender)),
              let defaultFund = need.checkedMul(2) else { throw BenchError("--value/--fee too large: funding overflows") }
        let fund = fundAmount.flatMap { UInt256(parsing: $0) } ?? (defaultFund.isZero ? 1 : defaultFund)
        var funderNonces: [UInt64] = []
        for f in funders {
            let a = try await account(f.address, via: api)
            let balance = UInt256(bigEndianBytes: a.balance) ?? .zero
            let share = UInt64((senders + funders.count - 1) / funders.count)
            guard let cost = fund.checkedAdd(feeAmount)?.checkedMul(share), balance >= cost else {
                throw BenchError("funder \(f.address) has balance \(balance) on the engine, needs \(fund.checkedAdd(feeAmount).map { "\($0) × \(share)" } ?? "more")\n"
                                 + "hint: run the engine with Deploy/genesis.dev.json, or pass --funder-key for funded keys")
            }
            funderNonces.append(a.nonce)
        }
        let senderKeys = (0..<senders).map { _ in PrivateKey.generate() }
        let senderAddresses = senderKeys.map(\.address)
        let fundingStart = nowNanos()
        var funding: [Settlement.SignedTransfer] = []
        for i in 0..<senders {
            let f = i % funders.count
            funding.append(SignedTransfer.sign(Transfer(from: funders[f].address, to: senderAddresses[i], value: fund,
                                                        fee: feeAmount, nonce: funderNonces[f]), domain: domain,
                                               with: funders[f]))
            funderNonces[f] += 1
        }
        if !quiet { note("funding \(senders) senders from \(funders.count) genesis account(s) with \(fund) each ...") }
        let fundingStats = LoadStats(capacity: senders)
        let fundingList = funding.enumerated().map { i, s in
            PreparedTransfer(sequence: i, bytes: SettlementV1.SubmitTransactionsRequest(
                clientSequence: UInt64(i), transfer: SettlementV1.SignedTransfer(s)).protobufBytes())
        }
        await LoadStreams.run(clients: [api], lists: [fundingList],
                              plan: StreamPlan(rate: 0, windowPerConnection: min(window, 1024), sendDeadline: 0,
                                               drainTimeout: .seconds(drainTimeout)),
                              stats: fundingStats)
        let fs = fundingStats.snapshot()
        if let e = fs.streamErrors.first { throw BenchError("funding stream failed: \(e)") }
        guard fs.sequenced == senders else {
            let reasons = fs.reasons.sorted { $0.value > $1.value }.map { "\($0.value) × \($0.key)" }.joined(separator: "; ")
            throw BenchError("funding: \(fs.sequenced) of \(senders) transfers SEQUENCED; rejected: \(reasons)")
        }
        let fundingSeconds = Double(nowNanos() - fundingStart) / 1e9
        if !quiet { note(String(format: "funded %d senders in %.2f s", senders, fundingSeconds)) }

        // Pre-signing.
        let presignStart = nowNanos()
        let prepared = presign(senderKeys: senderKeys, amount: amount, fee: feeAmount, domain: domain)
        let presignSeconds = Double(nowNanos() - presignStart) / 1e9
        if !quiet {
            note(String(format: "pre-signed %d transfers in %.2f s (%@ on %d cores)", transactions, presignSeconds,
                        Fmt.rate(Double(transactions) / presignSeconds), ProcessInfo.processInfo.activeProcessorCount))
        }
        var lists = [[PreparedTransfer]](repeating: [], count: connections)
        for p in prepared { lists[(p.sequence % senders) % connections].append(p) }

        // Load.
        let stats = LoadStats(capacity: transactions)
        let loadStart = nowNanos()
        let plan = StreamPlan(rate: rate, windowPerConnection: window / connections,
                              sendDeadline: loadStart + UInt64(duration * 1e9), drainTimeout: .seconds(drainTimeout))
        let progress = quiet ? nil : Task { await Self.progress(stats, start: loadStart) }
        await LoadStreams.run(clients: clients, lists: lists, plan: plan, stats: stats)
        progress?.cancel()
        _ = await progress?.value
        let end = nowNanos()

        let metrics = try? await SettlementV1.SettlementClient(api).getPerformanceMetrics(
            SettlementV1.GetPerformanceMetricsRequest(windowSeconds: UInt32(min(3600, (Double(end - loadStart) / 1e9).rounded(.up) + 1))),
            timeout: .seconds(10))
        report(stats.snapshot(), loadStart: loadStart, end: end, fundingSeconds: fundingSeconds,
               presignSeconds: presignSeconds, metrics: metrics)
        for c in clients { await c.close() }
        if !stats.snapshot().streamErrors.isEmpty { throw ExitCode(1) }
    }

    /// The sender's account on the engine.
    private func account(_ address: Address, via client: RPCClient) async throws -> SettlementV1.Account {
        do {
            return try await SettlementV1.SettlementClient(client).getAccount(
                SettlementV1.GetAccountRequest(address: address.bytes), timeout: .seconds(30))
        } catch let e as RPCError {
            if e.code == .unimplemented {
                throw BenchError("the server at \(server) does not serve settlement.v1.Settlement (UNIMPLEMENTED): "
                                 + "\(e.message)")
            }
            throw BenchError("GetAccount \(address) failed: \(e.code) (\(e.code.rawValue)): \(e.message)")
        }
    }

    /// The engine's signing domain (`GetChainInfo`), checked against `--chain-id` when given.
    private func signingDomain(via client: RPCClient) async throws -> SigningDomain {
        let info: SettlementV1.ChainInfo
        do {
            info = try await SettlementV1.SettlementClient(client).getChainInfo(SettlementV1.GetChainInfoRequest(),
                                                                                timeout: .seconds(30))
        } catch let e as RPCError {
            throw BenchError("GetChainInfo failed: \(e.code) (\(e.code.rawValue)): \(e.message)")
        }
        let domain: SigningDomain
        do { domain = try info.signingDomain() } catch { throw BenchError("the engine's chain info: \(error)") }
        if let chainId, chainId != domain.chainId {
            throw BenchError("the engine serves chain id \(domain.chainId), not --chain-id \(chainId)")
        }
        return domain
    }

    /// Signs and encodes every load transfer on all cores: transfer i is sent by sender
    /// i mod senders to a random other sender, with that sender's next nonce.
    private func presign(senderKeys: [PrivateKey], amount: UInt256, fee: UInt256, domain: SigningDomain) -> [PreparedTransfer] {
        let n = transactions, s = senderKeys.count
        let addresses = senderKeys.map(\.address)
        let out = Lock([PreparedTransfer?](repeating: nil, count: n))
        let chunk = 1_024
        let chunks = (n + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var local: [PreparedTransfer] = []
            local.reserveCapacity(chunk)
            var rng = SystemRandomNumberGenerator()
            for i in c * chunk ..< min(n, (c + 1) * chunk) {
                let from = i % s
                // Nonce: the sender's transfers are i = from, from + s, from + 2s, ...
                let nonce = UInt64(i / s)
                let to = (from + 1 + Int(rng.next(upperBound: UInt64(s - 1)))) % s
                let signed = SignedTransfer.sign(Transfer(from: addresses[from], to: addresses[to], value: amount,
                                                          fee: fee, nonce: nonce), domain: domain, with: senderKeys[from])
                local.append(PreparedTransfer(sequence: i, bytes: SettlementV1.SubmitTransactionsRequest(
                    clientSequence: UInt64(i), transfer: SettlementV1.SignedTransfer(signed)).protobufBytes()))
            }
            out.withLock { o in for p in local { o[p.sequence] = p } }
        }
        return out.withLock { $0.map { $0! } }
    }

    /// Refreshes one status line on standard error each second until cancelled.
    private static func progress(_ stats: LoadStats, start: UInt64) async {
        let tty = isatty(2) == 1
        var last = 0
        var lastTime = start
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let s = stats.snapshot()
            let now = nowNanos()
            let tps = Double(s.sequenced - last) / (Double(now - lastTime) / 1e9)
            last = s.sequenced
            lastTime = now
            let p50 = Double(s.latency.valueAtPercentile(50)) / 1000, p99 = Double(s.latency.valueAtPercentile(99)) / 1000
            let line = String(format: "%6.1f s  sent %@  sequenced %@  rejected %@  %@ tx/s  p50 %.1f ms  p99 %.1f ms",
                              Double(now - start) / 1e9, Fmt.grouped(Double(s.sent)), Fmt.grouped(Double(s.sequenced)),
                              Fmt.grouped(Double(s.rejected)), Fmt.grouped(tps), p50, p99)
            FileHandle.standardError.write(Data((tty ? "\r\u{1B}[K" + line : line + "\n").utf8))
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    // MARK: Report

    /// A monotonic `nowNanos()` time as Unix milliseconds (wall clock), for lining up client
    /// events with times taken elsewhere on the same machine (a kill, `batches.committed_at`).
    static func unixMs(_ monotonic: UInt64) -> Double {
        guard monotonic != 0 else { return 0 }
        let wallNow = Date().timeIntervalSince1970 * 1000, monoNow = nowNanos()
        return wallNow - (Double(monoNow) - Double(monotonic)) / 1e6
    }

    private func report(_ s: LoadStats.State, loadStart: UInt64, end: UInt64, fundingSeconds: Double,
                        presignSeconds: Double, metrics: SettlementV1.PerformanceMetrics?) {
        let first = s.firstSend == 0 ? loadStart : s.firstSend
        let sendSeconds = Double(max(s.lastSend, first) - first) / 1e9
        let sequencedSeconds = Double(max(s.lastSequenced, first) - first) / 1e9
        let sustained = sequencedSeconds > 0 ? Double(s.sequenced) / sequencedSeconds : 0
        let sendRate = sendSeconds > 0 ? Double(s.sent) / sendSeconds : 0
        let h = s.latency
        func ms(_ p: Double) -> Double { h.totalCount == 0 ? 0 : Double(h.valueAtPercentile(p)) / 1000 }
        let maxMs = h.totalCount == 0 ? 0 : Double(h.max) / 1000
        let unsent = transactions - s.sent
        let missing = s.sent - s.sequenced - s.rejected

        if json {
            var o: [String: Any] = [
                "benchmark": "load",
                "config": ["server": server, "senders": senders, "transactions": transactions, "connections": connections,
                           "rate": rate, "window": window, "duration": duration, "value": value, "fee": fee,
                           "chainId": chainId.map { $0 as Any } ?? NSNull(), "funders": funderKeys.isEmpty ? genesisKeys : funderKeys.count] as [String: Any],
                "fundingSeconds": fundingSeconds, "presignSeconds": presignSeconds,
                "sent": s.sent, "unsent": unsent, "sequenced": s.sequenced, "rejected": s.rejected,
                "missingReceipts": missing, "unmatchedReceipts": s.unmatched,
                "sendSeconds": sendSeconds, "sendRate": sendRate,
                "sequencedSeconds": sequencedSeconds, "sustainedTps": sustained,
                "elapsedSeconds": Double(end - loadStart) / 1e9,
                "latencyMs": ["count": h.totalCount, "p50": ms(50), "p90": ms(90), "p99": ms(99), "p999": ms(99.9),
                              "max": maxMs, "mean": h.totalCount == 0 ? 0 : h.mean / 1000] as [String: Any],
                "rejections": s.reasons, "streamErrors": s.streamErrors,
                "longestReceiptGap": ["ms": Double(s.longestGap) / 1e6,
                                      "startUnixMs": Self.unixMs(s.longestGapEnd &- s.longestGap),
                                      "endUnixMs": Self.unixMs(s.longestGapEnd)] as [String: Any],
                "receiptGaps": s.gaps.map { ["ms": Double($0.end - $0.start) / 1e6, "startUnixMs": Self.unixMs($0.start),
                                             "endUnixMs": Self.unixMs($0.end)] },
            ]
            if let m = metrics {
                o["engine"] = ["windowSeconds": m.windowSeconds, "tps": m.tps,
                               "confirmationLatencyP50Ms": m.confirmationLatencyP50Ms,
                               "confirmationLatencyP99Ms": m.confirmationLatencyP99Ms,
                               "batchProcessingP50Us": m.batchProcessingP50Us, "batchProcessingP99Us": m.batchProcessingP99Us,
                               "batchesCommitted": m.batchesCommitted, "transactionsSequenced": m.transactionsSequenced,
                               "transactionsRejected": m.transactionsRejected, "stateAccounts": m.stateAccounts] as [String: Any]
            }
            printJSON(o)
            return
        }
        print("")
        print("load: \(Fmt.grouped(Double(transactions))) transfers from \(senders) senders over \(connections) connection(s), "
              + "rate \(rate > 0 ? Fmt.rate(rate) : "unlimited"), window \(window), server \(server)")
        var rows: [[String]] = [
            ["sent", Fmt.grouped(Double(s.sent)) + String(format: " in %.2f s = %@", sendSeconds, Fmt.rate(sendRate))
                + (unsent > 0 ? " (\(Fmt.grouped(Double(unsent))) unsent at the duration limit)" : "")],
            ["sequenced", Fmt.grouped(Double(s.sequenced))],
            ["rejected", Fmt.grouped(Double(s.rejected))],
            ["sustained TPS", Fmt.grouped(sustained)
                + String(format: " (SEQUENCED receipts / first send → last SEQUENCED receipt, %.2f s)", sequencedSeconds)],
            ["latency", String(format: "p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms", ms(50), ms(90), ms(99), maxMs)
                + " (submit → SEQUENCED receipt, \(Fmt.grouped(Double(h.totalCount))) samples)"],
        ]
        if s.longestGap > 0 {
            rows.append(["longest gap", String(format: "%.1f ms without a SEQUENCED receipt", Double(s.longestGap) / 1e6)])
        }
        if missing > 0 { rows.append(["missing receipts", Fmt.grouped(Double(missing))]) }
        if s.unmatched > 0 { rows.append(["unmatched receipts", Fmt.grouped(Double(s.unmatched))]) }
        rows.append(["setup", String(format: "funding %.2f s, pre-signing %.2f s", fundingSeconds, presignSeconds)])
        if let m = metrics {
            rows.append(["engine (\(m.windowSeconds) s)",
                         String(format: "%.0f tx/s, confirmation p50 %llu ms p99 %llu ms, batch processing p50 %llu µs p99 %llu µs",
                                m.tps, m.confirmationLatencyP50Ms, m.confirmationLatencyP99Ms,
                                m.batchProcessingP50Us, m.batchProcessingP99Us)])
        }
        print(Fmt.columns(rows))
        if !s.reasons.isEmpty {
            print("rejections by reason:")
            for (reason, count) in s.reasons.sorted(by: { $0.value > $1.value }) {
                print(String(format: "  %8d  %@", count, reason))
            }
        }
        for e in s.streamErrors { print("stream error: \(e)") }
    }
}
