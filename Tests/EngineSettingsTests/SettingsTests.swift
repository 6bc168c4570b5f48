import ArgumentParser
import Foundation
import XCTest
@testable import SettlementEngineServer

/// The engine's settings: one key list for flags, environment and config file, strict parsing in
/// each, secrets from files.
final class SettingsTests: XCTestCase {
    /// A genesis on a chain id of its own: production refuses the well-known development ids
    /// (the development genesis is chain 1337).
    private static let genesisPath: String = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("settings-genesis-\(UUID().uuidString).json")
        try! #"{"config":{"chainId":424242},"alloc":{"0x0000000000000000000000000000000000001001":{"balance":"1000"}}}"#
            .write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }()

    private func command(_ arguments: [String] = []) throws -> EngineCommand {
        try EngineCommand.parse(["--genesis", Self.genesisPath] + arguments)
    }

    private func resolve(_ arguments: [String] = [], env: [String: String] = [:]) throws -> EngineSettings {
        try command(arguments).resolveSettings(environment: env)
    }

    private func problem(_ arguments: [String] = [], env: [String: String] = [:],
                         file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try resolve(arguments, env: env)
            XCTFail("expected a refusal", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    private func writeTemporary(_ text: String, name: String = "settings.json") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Flags shown by `--help` (the long names), less ArgumentParser's own and `--no-` inversions.
    private var helpFlags: Set<String> {
        let help = EngineCommand.helpMessage(columns: 10_000)
        let regex = try! NSRegularExpression(pattern: "--[a-z0-9-]+")
        let range = NSRange(help.startIndex..., in: help)
        return Set(regex.matches(in: help, range: range).map { String(help[Range($0.range, in: help)!]) })
            .filter { !$0.hasPrefix("--no-") && !["--help", "--version"].contains($0) }
    }

    func testEveryKeyIsAFlagAndEveryFlagIsAKey() {
        let help = EngineCommand.helpMessage(columns: 10_000)
        let keys = Set(SettingKey.all.map(\.flag))
        XCTAssertEqual(keys.count, SettingKey.all.count, "duplicate keys")
        XCTAssertEqual(helpFlags.subtracting(keys), [], "flags with no setting key (the config file would refuse them)")
        XCTAssertEqual(keys.subtracting(helpFlags), [], "setting keys with no flag")
        for key in SettingKey.all {
            XCTAssertTrue(help.contains(key.environmentName), "--help does not name \(key.environmentName)")
        }
    }

    /// Walks every key: the file accepts it, and a malformed value in the environment or the file
    /// is refused with a message naming the variable or key.
    func testEveryKeyIsAcceptedByTheFileAndRefusesMalformedValues() throws {
        for key in SettingKey.all where key != .config {
            let path = try writeTemporary("{\"\(key.name)\": {\"nested\": true}}")
            // The genesis key comes from the file here, not from the test's --genesis flag.
            let fileProblem: String
            if key == .genesis {
                do {
                    _ = try EngineCommand.parse(["--config", path]).resolveSettings(environment: [:])
                    fileProblem = ""
                } catch { fileProblem = "\(error)" }
            } else {
                fileProblem = problem(["--config", path])
            }
            XCTAssertFalse(fileProblem.contains("unknown key"), "\(key.name): \(fileProblem)")
            XCTAssertTrue(fileProblem.contains(key.name), "\(key.name): the file error does not name it: \(fileProblem)")
        }
        let numeric: [SettingKey] = [.eventLoops, .maxConnections, .maxConcurrentStreams, .maxMessageSize, .idleTimeout,
                                     .shutdownGrace, .chainId, .batchSize, .batchTimeoutMs, .maxPendingTransactions,
                                     .maxConcurrentBatches, .targetTps, .l1SettlementInterval, .challengePeriod,
                                     .fraudProofWindow, .l1ConfirmationDepth, .faultInjectWrongRootAt, .zkProofTimeout,
                                     .retainedBatches, .leaseTtlMs, .snapshotIntervalBatches, .l1BlockTimeMs, .l1Seed,
                                     .validatorStake, .validatorBond, .l1MinimumStake, .l1CommitmentBond, .l1ChallengeBond,
                                     .l1GenesisBacking, .l1DepositSafeDepth, .l1InclusionDelay,
                                     .l1PermissionlessAfter, .prefaceTimeout, .firstRequestTimeout,
                                     .streamIdleTimeout, .writeStallTimeout, .maxConnectionsPerAddress, .reservedConnections,
                                     .maxStreamsPerAddress, .maxBufferedRequestBytesPerConnection, .maxBufferedRequestBytes,
                                     .maxQueuedResponseBytesPerConnection, .maxQueuedResponseBytes, .maxControlFramesPerSecond,
                                     .maxPendingPerSender, .statusSubscriberBuffer, .l1MoveBond, .l1MoveBondGrowthPercent,
                                     .maxPendingPerConnection, .maxSubscriptionsPerConnection, .shieldedRootWindow,
                                     .shieldedMinimumFee, .shieldedMaxPerBatch]
        let booleans: [SettingKey] = [.production, .l1ReorgInjection, .validator, .adminAllowRemote]
        for key in numeric + booleans {
            var env = [key.environmentName: "abc"]
            if key == .validatorStake || key == .validatorBond {
                env[SettingKey.validator.environmentName] = "true"
                env[SettingKey.validatorAddress.environmentName] = "0x00000000000000000000000000000000000000aa"
            }
            let message = problem(env: env)
            XCTAssertTrue(message.contains(key.environmentName), "\(key.name): \(message)")
        }
    }

    /// A config or secret file path that names something huge or endless (a mistake, or a hostile
    /// environment) is refused after reading at most its limit, never read whole or forever; the
    /// public entry point the fuzz target uses says the same.
    func testOversizedConfigAndSecretFilesAreRefusedWithoutReadingThemWhole() throws {
        XCTAssertTrue(problem(["--config", "/dev/zero"]).contains("/dev/zero is larger than 1048576 bytes"))
        XCTAssertTrue(problem(["--database-url-file", "/dev/zero"]).contains("/dev/zero is larger than 65536 bytes"))
        XCTAssertTrue(problem(env: ["SETTLEMENT_CLUSTER_SECRET_FILE": "/dev/zero"]).contains("larger than 65536 bytes"))
        let viaEntryPoint = EngineCommand.settingsProblem(arguments: ["--config", "/dev/zero"], environment: [:])
        XCTAssertTrue(viaEntryPoint?.contains("larger than") ?? false, viaEntryPoint ?? "accepted")
    }

    func testBooleansAcceptTheUsualSpellingsOnly() throws {
        for text in ["true", "TRUE", "1", "yes", "Yes"] {
            XCTAssertTrue(try resolve(env: ["SETTLEMENT_PRODUCTION": text]).settlement.production, text)
        }
        for text in ["false", "0", "no", "NO"] {
            XCTAssertFalse(try resolve(env: ["SETTLEMENT_PRODUCTION": text]).settlement.production, text)
        }
        for text in ["on", "y", "2", "truee"] {
            XCTAssertTrue(problem(env: ["SETTLEMENT_PRODUCTION": text]).contains("SETTLEMENT_PRODUCTION"), text)
        }
        // The flag wins over the environment, both ways.
        XCTAssertFalse(try resolve(["--no-production"], env: ["SETTLEMENT_PRODUCTION": "true"]).settlement.production)
        XCTAssertTrue(try resolve(["--production"], env: ["SETTLEMENT_PRODUCTION": "false"]).settlement.production)
    }

    func testFileEnvironmentAndFlagPrecedence() throws {
        let path = try writeTemporary(#"{"batch_size": 10, "production": true, "event_loops": 3, "l1_confirmation_depth": 5}"#)
        let fromFile = try resolve(["--config", path])
        XCTAssertEqual(fromFile.settlement.batchSize, 10)
        XCTAssertTrue(fromFile.settlement.production)
        XCTAssertEqual(fromFile.server.eventLoops, 3)
        XCTAssertEqual(fromFile.settlement.l1ConfirmationDepth, 5)
        let fromEnv = try resolve(["--config", path], env: ["SETTLEMENT_BATCH_SIZE": "20"])
        XCTAssertEqual(fromEnv.settlement.batchSize, 20)
        let fromFlag = try resolve(["--config", path, "--batch-size", "30"], env: ["SETTLEMENT_BATCH_SIZE": "20"])
        XCTAssertEqual(fromFlag.settlement.batchSize, 30)
        XCTAssertTrue(problem(["--config", try writeTemporary(#"{"batch_sise": 10}"#)]).contains("unknown key \"batch_sise\""))
        XCTAssertTrue(problem(["--config", try writeTemporary(#"{"batch_size": 1.5}"#)]).contains("batch_size must be an integer"))
        XCTAssertTrue(problem(["--config", try writeTemporary(#"{"production": 1}"#)]).contains("production must be"))
    }

    func testSecretsComeFromFilesAndNeverFromTheCommandLineInProduction() throws {
        let secretFile = try writeTemporary("s3cret-token\n", name: "secret")
        XCTAssertEqual(try resolve(["--cluster-secret-file", secretFile]).clusterSecret, "s3cret-token")
        XCTAssertEqual(try resolve(env: ["SETTLEMENT_CLUSTER_SECRET_FILE": secretFile]).clusterSecret, "s3cret-token")
        XCTAssertEqual(try resolve(env: ["SETTLEMENT_CLUSTER_SECRET": "from-env"]).clusterSecret, "from-env")
        XCTAssertTrue(problem(["--cluster-secret", "a", "--cluster-secret-file", secretFile]).contains("both set"))
        XCTAssertTrue(problem(["--production", "--cluster-secret", "visible-in-ps"]).contains("refused with --production"))
        XCTAssertEqual(try resolve(["--production", "--cluster-secret-file", secretFile]).clusterSecret, "s3cret-token")

        let urlFile = try writeTemporary("postgresql://u:pw@127.0.0.1:1/db\n", name: "url")
        XCTAssertEqual(try resolve(["--database-url-file", urlFile]).databaseURL, "postgresql://u:pw@127.0.0.1:1/db")
        XCTAssertEqual(try resolve(env: ["DATABASE_URL": "postgresql:///x"]).databaseURL, "postgresql:///x")
        XCTAssertTrue(problem(["--production", "--database-url", "postgresql://u:pw@h/db"]).contains("refused with --production"))
        XCTAssertTrue(problem(["--cluster-secret-file", "/nonexistent/secret"]).contains("cannot read"))
        XCTAssertNil(try resolve().databaseURL)
    }

    func testMalformedEnvironmentIsRefusedNotIgnored() {
        XCTAssertTrue(problem(env: ["SETTLEMENT_EVENT_LOOPS": "abc"]).contains("SETTLEMENT_EVENT_LOOPS=\"abc\" is not an integer"))
        XCTAssertTrue(problem(env: ["SETTLEMENT_MAX_CONNECTIONS": "-1"]).contains("max_connections must not be negative"))
        XCTAssertTrue(problem(env: ["SETTLEMENT_LOG_LEVEL": "loud"]).contains("unknown log level"))
        XCTAssertTrue(problem(env: ["SETTLEMENT_LISTEN": "nowhere"]).contains("HOST:PORT"))
    }

    func testUnknownSettlementVariablesAreReported() throws {
        let s = try resolve(env: ["SETTLEMENT_PRODUCTON": "true", "SETTLEMENT_BATCH_SIZE": "5"])
        XCTAssertEqual(s.unknownEnvironment, ["SETTLEMENT_PRODUCTON"])
    }

}
