import ArgumentParser
import Settlement

/// `--validator`: run this process as a validator instead of an engine replica (see
/// `ValidatorMode`).
struct ValidatorOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: "Run as a validator: follow the L1 simulator's commitments on --database-url, re-execute them from the genesis and challenge wrong roots. No sequencer, no settlement API (health only). Env: SETTLEMENT_VALIDATOR (true/false).")
    var validator: Bool?

    @Option(help: "The validator's L1 address (required with --validator). Env: SETTLEMENT_VALIDATOR_ADDRESS.")
    var validatorAddress: String?

    @Option(help: "Stake registered before the first challenge, wei (default 10^18, the arbiter's default minimum). Env: SETTLEMENT_VALIDATOR_STAKE.")
    var validatorStake: String?

    @Option(help: "Bond sent with each challenge, wei (default 5·10^17, the arbiter's default minimum). Env: SETTLEMENT_VALIDATOR_BOND.")
    var validatorBond: String?

    struct Resolved {
        let address: L1Address
        let stake: UInt256
        let bond: UInt256
    }

    /// The validator's settings; nil when not in validator mode.
    func resolve(source: SettingSource) throws -> Resolved? {
        // Every value is read (and so checked) even when validator mode is off.
        let enabled = try source.value(.validator, flag: validator, default: false)
        let addressText = try source.value(.validatorAddress, flag: validatorAddress)
        let stake = try source.value(.validatorStake, flag: try validatorStake.map { try UInt256.parseSetting($0, key: .validatorStake) },
                                     default: L1ArbiterConfig.defaultStake)
        let bond = try source.value(.validatorBond, flag: try validatorBond.map { try UInt256.parseSetting($0, key: .validatorBond) },
                                    default: L1ArbiterConfig.defaultChallengeBond)
        guard enabled else { return nil }
        guard let text = addressText else {
            throw SettingProblem(description: "--validator needs --validator-address")
        }
        guard let address = Address(hex: text) else {
            throw SettingProblem(description: "validator_address \"\(text)\" is not a 20-byte hex address")
        }
        return Resolved(address: address, stake: stake, bond: bond)
    }
}
