import ArgumentParser
import Foundation
import Settlement
import ZK

/// The shielded lane (docs/shielded.md): off unless a spend verifying key is given; the other
/// settings then tune it (each refused without the key, so a forgotten key is not a silent
/// "no shielded lane").
struct ShieldedOptions: ParsableArguments {
    @Option(help: "The spend circuit's verification_key.json (snarkjs, as `settlement zk export-vkey` or `zk setup-dev` write it): the engine then takes shielded transactions. Env: SETTLEMENT_SHIELDED_VERIFYING_KEY. Default: none (no shielded lane).")
    var shieldedVerifyingKey: String?

    @Option(help: "Batches whose note roots a spend may be proven under; an older root is refused as stale (default 64). Env: SETTLEMENT_SHIELDED_ROOT_WINDOW.")
    var shieldedRootWindow: Int?

    @Option(help: "The least fee a shielded transaction pays (default 1). Env: SETTLEMENT_SHIELDED_MINIMUM_FEE.")
    var shieldedMinimumFee: UInt64?

    @Option(help: "Most shielded transactions in one batch (default 256). Env: SETTLEMENT_SHIELDED_MAX_PER_BATCH.")
    var shieldedMaxPerBatch: Int?

    /// The lane's settings, nil without a verifying key. The ranges are `ShieldedSettings.problems`'
    /// (checked with the rest of the config).
    func resolve(source: SettingSource) throws -> ShieldedSettings? {
        let window = try source.value(.shieldedRootWindow, flag: shieldedRootWindow)
        let fee = try source.value(.shieldedMinimumFee, flag: shieldedMinimumFee)
        let perBatch = try source.value(.shieldedMaxPerBatch, flag: shieldedMaxPerBatch)
        guard let path = try source.value(.shieldedVerifyingKey, flag: shieldedVerifyingKey) else {
            let stray = [(SettingKey.shieldedRootWindow, window != nil), (.shieldedMinimumFee, fee != nil),
                         (.shieldedMaxPerBatch, perBatch != nil)].filter(\.1).map(\.0.name)
            if !stray.isEmpty {
                throw SettingProblem(description: "\(stray.joined(separator: ", ")) set without shielded_verifying_key "
                                     + "(the shielded lane is off without its verifying key)")
            }
            return nil
        }
        let bytes = try SettingSource.readSmallFile(path, limit: Groth16JSON.maxVerifyingKeyBytes, what: "shielded_verifying_key")
        let key: Groth16.VerifyingKey
        do { key = try Groth16JSON.verifyingKey(from: [UInt8](bytes)) } catch {
            throw SettingProblem(description: "shielded_verifying_key \(path): \(error)")
        }
        var s = ShieldedSettings(verifyingKey: key)
        if let window { s.rootWindow = window }
        if let fee { s.minimumFee = fee }
        if let perBatch {
            s.maxPerBatch = perBatch
            // The queue holds at least a batch's worth (the default's ratio when it is larger).
            s.maxPending = max(s.maxPending, perBatch)
        }
        return s
    }
}
