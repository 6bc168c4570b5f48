import Persistence
import PostgresDriver

/// Failures of the L1 simulator itself (database failures are `PostgresError`s).
public enum L1SimulatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database holds a chain created with another seed, block time, genesis timestamp or
    /// arbiter configuration.
    case configurationMismatch(String)
    /// A reorg must drop between 1 block and every block but genesis.
    case invalidReorgDepth(depth: Int, head: UInt64)
    /// A transaction the simulator cannot accept (too large, or not round-tripping its encoding).
    case invalidTransaction(String)
    /// The stored chain is not what the simulator wrote (a broken link, a bad encoding, a hash
    /// that does not match).
    case corrupt(String)
    /// The canonical chain kept changing while it was being read (retried several times).
    case concurrentChange

    public var description: String {
        switch self {
        case .configurationMismatch(let why): "L1 simulator configuration mismatch: \(why)"
        case .invalidReorgDepth(let depth, let head): "invalid reorg depth \(depth) (head is block \(head))"
        case .invalidTransaction(let why): "invalid L1 transaction: \(why)"
        case .corrupt(let why): "L1 simulator chain corrupt: \(why)"
        case .concurrentChange: "the simulated L1 chain kept changing while being read"
        }
    }
}
