import Foundation
import SettlementEngineServer

/// The engine's settings as at start-up (`EngineCommand.settingsProblem`): the input is a
/// `--config` file, then (after a 0 byte) `NAME=VALUE` lines that become `SETTLEMENT_NAME`
/// variables. Whatever they hold, resolving must end in settings or a message, never a crash or a
/// hang. The genesis and the secret files come from the command line, which wins over both, so
/// the target reads no file but its own.
enum ConfigTarget {
    private static let directory: String = {
        let dir = NSTemporaryDirectory() + "settlement-fuzz-config-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let genesis = #"{"config":{"chainId":424242},"alloc":{"0x0000000000000000000000000000000000001001":{"balance":"1000"}}}"#
        _ = FileManager.default.createFile(atPath: dir + "/genesis.json", contents: Data(genesis.utf8))
        _ = FileManager.default.createFile(atPath: dir + "/secret", contents: Data("postgresql://fuzz@127.0.0.1/fuzz\n".utf8))
        return dir
    }()

    /// The command line, parsed once (parsing it per input would be most of the target's time).
    /// Read-only after its first use, and libFuzzer runs one input at a time.
    nonisolated(unsafe) private static let command: EngineCommand = {
        let arguments = ["--config", directory + "/config.json", "--genesis", directory + "/genesis.json",
                         "--database-url-file", directory + "/secret", "--cluster-secret-file", directory + "/secret"]
        do { return try EngineCommand.parse(arguments) } catch { preconditionFailure("the target's own arguments: \(error)") }
    }()

    static let target = FuzzTarget(name: "engine-config", summary: "the engine's config file and environment, resolved") { bytes in
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let configPath = directory + "/config.json"
        _ = FileManager.default.createFile(atPath: configPath, contents: Data(bytes[..<split]))
        var environment: [String: String] = [:]
        if split < bytes.count {
            for line in bytes[(split + 1)...].split(separator: UInt8(ascii: "\n")) {
                guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let name = String(decoding: line[..<eq], as: UTF8.self).uppercased()
                environment["SETTLEMENT_" + name] = String(decoding: line[(eq + 1)...], as: UTF8.self)
            }
        }
        if let problem = command.settingsProblem(environment: environment) {
            precondition(!problem.isEmpty, "a refusal without a message")
        }
    }
}
