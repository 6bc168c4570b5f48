import Foundation
import XCTest
@testable import SettlementEngineServer
import Settlement
import ZK

/// The shielded lane's options: the verifying key turns the lane on (read bounded, parsed as
/// snarkjs JSON, checked to be the spend circuit's), the tuning options need it, and production
/// refuses the lane.
final class ShieldedOptionsTests: XCTestCase {
    private static let directory: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shielded-options-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    private static func write(_ text: String, _ name: String) -> String {
        let url = directory.appendingPathComponent(name)
        try! text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private static let genesisPath = write(
        #"{"config":{"chainId":424243},"alloc":{"0x0000000000000000000000000000000000001001":{"balance":"1000"}}}"#,
        "genesis.json")

    /// The repository's Groth16 test vector key (one public input), and the same key with the
    /// nine public inputs of the spend circuit (its IC list extended with copies of a point): a
    /// key of the right shape, which is all the settings check.
    private static let vectorKeyText: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors/groth16/vk.json")
        return try! String(contentsOf: url, encoding: .utf8)
    }()
    private static let oneInputKey = write(vectorKeyText, "vk-1.json")
    private static let spendShapedKey: String = {
        var object = try! JSONSerialization.jsonObject(with: Data(vectorKeyText.utf8)) as! [String: Any]
        let ic = object["IC"] as! [Any]
        object["IC"] = Array(repeating: ic[0], count: 10)
        object["nPublic"] = 9
        let data = try! JSONSerialization.data(withJSONObject: object)
        return write(String(decoding: data, as: UTF8.self), "vk-9.json")
    }()

    /// A development SRS (known secrets) for `n` proofs, written once per size.
    private static func srs(_ n: Int, name: String) -> String {
        let url = directory.appendingPathComponent(name)
        try! Data(AggregationSRS.insecureFromSecrets(a: .random(), b: .random(), proofCount: n).bytes).write(to: url)
        return url.path
    }
    private static let srs256 = srs(256, name: "srs-256.bin")

    private func resolve(_ arguments: [String], env: [String: String] = [:]) throws -> EngineSettings {
        try EngineCommand.parse(["--genesis", Self.genesisPath] + arguments).resolveSettings(environment: env)
    }

    private func problem(_ arguments: [String], env: [String: String] = [:],
                         file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try resolve(arguments, env: env)
            XCTFail("expected a refusal", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testNoKeyNoLane() throws {
        XCTAssertNil(try resolve([]).settlement.shielded)
    }

    func testTheKeyTurnsTheLaneOnWithItsTuning() throws {
        let srs = ["--shielded-aggregation-srs", Self.srs256]
        let defaults = try XCTUnwrap(try resolve(["--shielded-verifying-key", Self.spendShapedKey] + srs).settlement.shielded)
        XCTAssertEqual(defaults.rootWindow, 64)
        XCTAssertEqual(defaults.minimumFee, 1)
        XCTAssertEqual(defaults.maxPerBatch, 256)
        let tuned = try XCTUnwrap(try resolve(["--shielded-verifying-key", Self.spendShapedKey, "--shielded-root-window", "2",
                                               "--shielded-minimum-fee", "5", "--shielded-max-per-batch", "8"] + srs).settlement.shielded)
        XCTAssertEqual(tuned.rootWindow, 2)
        XCTAssertEqual(tuned.minimumFee, 5)
        XCTAssertEqual(tuned.maxPerBatch, 8)
        XCTAssertEqual(tuned.verifyingKey.publicInputCount, 9)
        // The environment and the config file name the same settings.
        let fromEnv = try resolve([], env: ["SETTLEMENT_SHIELDED_VERIFYING_KEY": Self.spendShapedKey,
                                            "SETTLEMENT_SHIELDED_AGGREGATION_SRS": Self.srs256,
                                            "SETTLEMENT_SHIELDED_ROOT_WINDOW": "3"]).settlement.shielded
        XCTAssertEqual(fromEnv?.rootWindow, 3)
        let config = Self.write(#"{"shielded_verifying_key": "\#(Self.spendShapedKey)", "shielded_minimum_fee": 7, "shielded_aggregation_srs": "\#(Self.srs256)"}"#, "c.json")
        XCTAssertEqual(try resolve(["--config", config]).settlement.shielded?.minimumFee, 7)
    }

    /// A mistaken operator: tuning without the key, another circuit's key, a key that is not a
    /// key, a path to something endless, windows out of range, the lane in production.
    func testMistakesAreRefusedNamingTheSetting() throws {
        XCTAssertTrue(problem(["--shielded-root-window", "2"]).contains("shielded_root_window set without shielded_verifying_key"))
        XCTAssertTrue(problem(["--shielded-verifying-key", Self.oneInputKey])
            .contains("shielded_verifying_key has 1 public inputs, the spend circuit has 9"))
        let notAKey = Self.write(#"{"protocol": "groth16"}"#, "not-a-key.json")
        XCTAssertTrue(problem(["--shielded-verifying-key", notAKey]).contains("shielded_verifying_key \(notAKey)"))
        XCTAssertTrue(problem(["--shielded-verifying-key", "/dev/zero"]).contains("/dev/zero is larger than"))
        XCTAssertTrue(problem(["--shielded-verifying-key", "/nonexistent/vk.json"]).contains("cannot read /nonexistent/vk.json"))
        for window in ["0", "100000"] {
            XCTAssertTrue(problem(["--shielded-verifying-key", Self.spendShapedKey, "--shielded-root-window", window])
                .contains("shielded_root_window must be between 1 and"), window)
        }
        XCTAssertTrue(problem(["--shielded-verifying-key", Self.spendShapedKey, "--shielded-max-per-batch", "0"])
            .contains("shielded_max_per_batch must be between 1 and 10000"))
        XCTAssertTrue(problem(["--shielded-verifying-key", Self.spendShapedKey, "--production"])
            .contains("the shielded lane is not yet covered by fraud proofs"))
    }

    /// The aggregation SRS: the lane turns its keys into the arbiter's verifier side and the
    /// poster's prover side; it is required with the lane (every commitment with lane transactions
    /// must carry an aggregate), refused without it, read bounded, decoded, and refused when it
    /// serves fewer than 256 proofs or is not the powers of one secret per side.
    func testTheAggregationSRSIsRequiredBoundedAndChecked() throws {
        let key = ["--shielded-verifying-key", Self.spendShapedKey]
        let settings = try resolve(key + ["--shielded-aggregation-srs", Self.srs256])
        let lane = try XCTUnwrap(settings.l1.laneAggregation)
        XCTAssertEqual(lane.verifier.maxLaneTransactions, 256)
        XCTAssertEqual(lane.verifier.spendKey, settings.settlement.shielded?.verifyingKey)
        let sim = settings.l1.simulatorConfig(settings: settings.settlement, domain: SigningDomain(genesis: settings.genesis),
                                              genesisRoot: .zero, producerID: "p")
        XCTAssertEqual(sim.arbiter.shieldedLane, lane.verifier)
        XCTAssertEqual(settings.l1.finalitySettings(settings.settlement).laneAggregation?.verifier, lane.verifier)
        XCTAssertNil(try resolve([]).l1.laneAggregation)

        XCTAssertTrue(problem(key).contains("shielded_aggregation_srs is required with shielded_verifying_key"), problem(key))
        XCTAssertTrue(problem(["--shielded-aggregation-srs", Self.srs256])
            .contains("shielded_aggregation_srs set without shielded_verifying_key"))
        XCTAssertTrue(problem(key + ["--shielded-aggregation-srs", "/dev/zero"]).contains("/dev/zero is larger than"))
        let notAnSRS = Self.write("SRS1 but not really", "not-srs.bin")
        XCTAssertTrue(problem(key + ["--shielded-aggregation-srs", notAnSRS]).contains("not an aggregation SRS"))
        let small = Self.srs(128, name: "srs-128.bin")
        XCTAssertTrue(problem(key + ["--shielded-aggregation-srs", small]).contains("serves 128 proofs"), problem(key + ["--shielded-aggregation-srs", small]))
        // Two powers swapped: every point is valid, the shape check catches it.
        let good = AggregationSRS.insecureFromSecrets(a: .random(), b: .random(), proofCount: 256)
        var gAlpha = good.gAlpha
        gAlpha.swapAt(3, 4)
        let bad = try XCTUnwrap(AggregationSRS(gAlpha: gAlpha, hAlpha: good.hAlpha, gBeta: good.gBeta, hBeta: good.hBeta))
        let badURL = Self.directory.appendingPathComponent("srs-bad.bin")
        try Data(bad.bytes).write(to: badURL)
        XCTAssertTrue(problem(key + ["--shielded-aggregation-srs", badURL.path]).contains("not the powers of one secret"))
    }
}
