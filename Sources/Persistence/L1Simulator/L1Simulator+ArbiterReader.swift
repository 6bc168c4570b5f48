import Persistence
import PostgresDriver
import Settlement

/// The simulator replays the arbiter itself, so it can show its state (`arbiterState()`) and
/// configuration to the validator tooling.
extension L1Simulator: L1ArbiterReader {
    public nonisolated var arbiterConfig: L1ArbiterConfig { config.arbiter }
}
