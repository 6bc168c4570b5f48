import ArgumentParser
import Settlement

/// `--validator`: run this process as a validator instead of an engine replica (see
/// `ValidatorMode`).
struct ValidatorOptions: ParsableArguments {
    @Flag(help: "Run as a validator: follow the L1 simulator's commitments on --database-url, re-execute them from the genesis and challenge wrong roots. No sequencer, no settlement API (health only). Env: SETTLEMENT_VALIDATOR=1.")
    var validator = false

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

    /// Whether validator mode was asked for, by flag or environment.
    var enabled: Bool { validator || Env.string("VALIDATOR") == "1" }

    /// The validator's settings; nil when not in validator mode.
    func resolve() throws -> Resolved? {
        guard enabled else { return nil }
        guard let text = validatorAddress ?? Env.string("VALIDATOR_ADDRESS") else {
            throw ValidationError("--validator needs --validator-address")
        }
        guard let address = Address(hex: text) else {
            throw ValidationError("--validator-address \"\(text)\" is not a 20-byte hex address")
        }
        func amount(_ flag: String?, _ env: String, _ name: String, default value: UInt256) throws -> UInt256 {
            guard let text = flag ?? Env.string(env) else { return value }
            guard let v = UInt64(text) else { throw ValidationError("\(name) must be a whole number, got \"\(text)\"") }
            return UInt256(v)
        }
        return Resolved(address: address,
                        stake: try amount(validatorStake, "VALIDATOR_STAKE", "--validator-stake", default: L1ArbiterConfig.defaultStake),
                        bond: try amount(validatorBond, "VALIDATOR_BOND", "--validator-bond", default: L1ArbiterConfig.defaultChallengeBond))
    }
}
