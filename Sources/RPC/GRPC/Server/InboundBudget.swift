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
    /// One connection's share; shared by the connection's calls, which join and leave it.
    final class Account: Sendable {
        let connection: ConnectionID
        let held = Atomic<Int>(0)
        init(connection: ConnectionID) { self.connection = connection }
    }

    /// 0: unlimited.
    let perConnection: Int
    let perProcess: Int
    private let total = Atomic<Int>(0)
    private let accounts = PerConnection { Account(connection: $0) }

    init(perConnection: Int, perProcess: Int) {
        self.perConnection = max(0, perConnection)
        self.perProcess = max(0, perProcess)
    }

    /// Bytes held now across the process.
    var held: Int { total.load(ordering: .relaxed) }

    /// The account of the connection `ref` belongs to; every join needs one `leave`.
    func join(_ ref: cnet_stream_ref) -> Account {
        accounts.join(ConnectionID(ref))
    }

    func leave(_ account: Account) {
        accounts.leave(account.connection)
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
