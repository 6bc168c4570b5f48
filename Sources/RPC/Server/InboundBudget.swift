import CNet
import Synchronization

/// The memory budget for request bytes a server holds on behalf of its clients, per connection and
/// per process (docs/transport-limits.md).
///
/// Adversary: a client that opens many streams and sends large messages it never finishes (or that
/// its handler never reads), so the server buffers them. What is charged: the body of a message that
/// is buffered across DATA frames (from its length prefix until it is complete), a complete request
/// held for a single-request call until its handler takes it, and every message queued for a
/// streaming handler until the handler reads it. A charge over either budget is refused and the
/// stream that asked gets RESOURCE_EXHAUSTED; other streams and connections go on.
final class InboundBudget: Sendable {
    /// A connection, as CNet names it (a reused slot has a new generation).
    struct Key: Hashable, Sendable {
        let loop: UInt32
        let slot: UInt32
        let generation: UInt32
        init(_ ref: cnet_stream_ref) {
            loop = ref.loop
            slot = ref.slot
            generation = ref.generation
        }
    }

    /// One connection's share; shared by the connection's calls, which join and leave it.
    final class Account: Sendable {
        let key: Key
        let held = Atomic<Int>(0)
        init(key: Key) { self.key = key }
    }

    /// 0: unlimited.
    let perConnection: Int
    let perProcess: Int
    private let total = Atomic<Int>(0)
    private let accounts = Mutex<[Key: (account: Account, users: Int)]>([:])

    init(perConnection: Int, perProcess: Int) {
        self.perConnection = max(0, perConnection)
        self.perProcess = max(0, perProcess)
    }

    /// Bytes held now across the process.
    var held: Int { total.load(ordering: .relaxed) }

    /// The account of the connection `ref` belongs to; every join needs one `leave`.
    func join(_ ref: cnet_stream_ref) -> Account {
        let key = Key(ref)
        return accounts.withLock { a in
            if let e = a[key] {
                a[key] = (e.account, e.users + 1)
                return e.account
            }
            let account = Account(key: key)
            a[key] = (account, 1)
            return account
        }
    }

    func leave(_ account: Account) {
        accounts.withLock { a in
            guard let e = a[account.key], e.account === account else { return }
            if e.users <= 1 { a[account.key] = nil } else { a[account.key] = (e.account, e.users - 1) }
        }
    }

    /// Charges n bytes to the account and the process; false (nothing charged) past either budget.
    func charge(_ n: Int, to account: Account) -> Bool {
        if n <= 0 { return true }
        let t = total.add(n, ordering: .relaxed).newValue
        if perProcess > 0 && t > perProcess {
            total.subtract(n, ordering: .relaxed)
            return false
        }
        let c = account.held.add(n, ordering: .relaxed).newValue
        if perConnection > 0 && c > perConnection {
            account.held.subtract(n, ordering: .relaxed)
            total.subtract(n, ordering: .relaxed)
            return false
        }
        return true
    }

    func release(_ n: Int, from account: Account) {
        if n <= 0 { return }
        account.held.subtract(n, ordering: .relaxed)
        total.subtract(n, ordering: .relaxed)
    }
}
