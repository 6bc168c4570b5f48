import CNet
import ConcurrencySupport
import Synchronization

/// One client connection of a server, as the transport names it: the loop, the connection's slot
/// and the slot's generation (a reused slot gets a new generation, so an id is never reused for
/// another connection while the process runs). Handlers see it in `ServerContext.connection` to
/// keep per-connection shares (`PerConnection`).
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let loop: UInt32
    public let slot: UInt32
    public let generation: UInt32

    public init(loop: UInt32, slot: UInt32, generation: UInt32) {
        self.loop = loop
        self.slot = slot
        self.generation = generation
    }

    init(_ ref: cnet_stream_ref) {
        self.init(loop: ref.loop, slot: ref.slot, generation: ref.generation)
    }

    public var description: String { "connection \(loop).\(slot).\(generation)" }
}

/// One shared `Entry` per connection for as long as any of its calls uses it: each `join` makes
/// or finds the connection's entry, each `leave` drops a use, and the last use removes it (so the
/// table holds only connections with calls running, whatever clients do).
public final class PerConnection<Entry: AnyObject & Sendable>: Sendable {
    private let entries = Lock<[ConnectionID: (entry: Entry, users: Int)]>([:])
    private let make: @Sendable (ConnectionID) -> Entry

    /// `make` creates a connection's entry on its first join.
    public init(make: @escaping @Sendable (ConnectionID) -> Entry) { self.make = make }

    /// The entry of `connection`; every join needs one `leave`.
    public func join(_ connection: ConnectionID) -> Entry {
        entries.withLock { t in
            if let e = t[connection] {
                t[connection] = (e.entry, e.users + 1)
                return e.entry
            }
            let entry = make(connection)
            t[connection] = (entry, 1)
            return entry
        }
    }

    /// Ends one use of `connection`'s entry.
    public func leave(_ connection: ConnectionID) {
        entries.withLock { t in
            guard let e = t[connection] else { return }
            if e.users <= 1 { t[connection] = nil } else { t[connection] = (e.entry, e.users - 1) }
        }
    }

    /// Connections with an entry now.
    public var count: Int { entries.withLock { $0.count } }
}

/// A count bounded by a limit, shared by concurrent users without a lock (a per-connection share).
public final class BoundedCounter: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    /// Adds one unless that would pass `limit`; false (nothing taken) when it would.
    public func tryIncrement(limit: Int) -> Bool {
        var current = value.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = value.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Adds one, whatever the count.
    public func increment() { value.add(1, ordering: .relaxed) }

    /// Gives one back.
    public func decrement() { value.subtract(1, ordering: .relaxed) }

    /// The count now.
    public var current: Int { value.load(ordering: .relaxed) }
}
