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

    @Option(help: "The SnarkPack aggregation SRS file (`settlement zk aggregation-srs`, the SRS1 layout of docs/zk.md) serving at least 256 proofs: each L1 commitment carries one aggregate of its lane's spend proofs, which the arbiter verifies. Required with the verifying key. Env: SETTLEMENT_SHIELDED_AGGREGATION_SRS.")
    var shieldedAggregationSrs: String?

    /// The lane's settings, nil without a verifying key. The ranges are `ShieldedSettings.problems`'
    /// (checked with the rest of the config).
    func resolve(source: SettingSource) throws -> ShieldedSettings? {
        let window = try source.value(.shieldedRootWindow, flag: shieldedRootWindow)
        let fee = try source.value(.shieldedMinimumFee, flag: shieldedMinimumFee)
        let perBatch = try source.value(.shieldedMaxPerBatch, flag: shieldedMaxPerBatch)
        let srs = try source.value(.shieldedAggregationSrs, flag: shieldedAggregationSrs)
        guard let path = try source.value(.shieldedVerifyingKey, flag: shieldedVerifyingKey) else {
            let stray = [(SettingKey.shieldedRootWindow, window != nil), (.shieldedMinimumFee, fee != nil),
                         (.shieldedMaxPerBatch, perBatch != nil), (.shieldedAggregationSrs, srs != nil)].filter(\.1).map(\.0.name)
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


extension ShieldedOptions {
    /// Largest aggregation SRS file read: one for 2¹⁶ proofs (about 33 MB); the lane needs 256.
    static let maxSRSBytes = AggregationSRS.byteCount(g1Count: 2 << 16, g2Count: 1 << 16)

    /// The lane's aggregation keys from `shielded_aggregation_srs`, for a lane of `lane`'s
    /// verifying key (nil without a lane). The engine always settles on an L1, whose arbiter
    /// refuses a commitment with lane transactions and no aggregate, so a lane without the SRS is
    /// refused here (fail closed) rather than found out at the first post. The file is bounded
    /// before it is read, decoded with every point checked, and must be well formed (its vectors
    /// powers of one secret each) and serve `LaneAggregate.maxProofCount` proofs. Whether someone
    /// knows its secrets cannot be told from the file: see docs/shielded.md.
    func resolveAggregation(source: SettingSource, lane: ShieldedSettings?) throws -> LaneProverKeys? {
        let path = try source.value(.shieldedAggregationSrs, flag: shieldedAggregationSrs)
        guard let lane else { return nil }
        guard let path else {
            throw SettingProblem(description: "shielded_aggregation_srs is required with shielded_verifying_key: every L1 commitment "
                                 + "carries one SnarkPack aggregate of its lane's spend proofs (make the SRS with "
                                 + "`settlement zk aggregation-srs`)")
        }
        let bytes = try SettingSource.readSmallFile(path, limit: Self.maxSRSBytes, what: "shielded_aggregation_srs")
        let srs: AggregationSRS
        do { srs = try AggregationSRS(bytes: [UInt8](bytes)) } catch {
            throw SettingProblem(description: "shielded_aggregation_srs \(path): not an aggregation SRS (\(error))")
        }
        guard srs.maxProofCount >= LaneAggregate.maxProofCount else {
            throw SettingProblem(description: "shielded_aggregation_srs \(path) serves \(srs.maxProofCount) proofs; a commitment's lane "
                                 + "needs up to \(LaneAggregate.maxProofCount)")
        }
        guard srs.isWellFormed else {
            throw SettingProblem(description: "shielded_aggregation_srs \(path): its vectors are not the powers of one secret each")
        }
        guard let keys = LaneProverKeys(srs: srs, spendKey: lane.verifyingKey) else {
            throw SettingProblem(description: "shielded_verifying_key is not the spend circuit's (\(SpendStatement.publicInputCount) public inputs)")
        }
        return keys
    }
}
