/// An `L1Client` that can also show the arbiter's whole state and its configuration: what the
/// validator tooling (`settlement.v1.Validator`) reads to list validators, games, commitments and
/// claimed withdrawals. The embedded `L1Simulator` replays the arbiter and has both at hand; a
/// client of a real L1 would read the contract's storage instead.
public protocol L1ArbiterReader: L1Client {
    /// The arbiter's rules (challenge period, minimum stake, unstake delay, ...).
    var arbiterConfig: L1ArbiterConfig { get }
    /// The arbiter's state at the canonical head.
    func arbiterState() async throws -> L1ArbiterState
}
