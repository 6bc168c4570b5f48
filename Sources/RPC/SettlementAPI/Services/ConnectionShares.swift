import GRPC
import Synchronization

/// What one client connection may hold of the settlement service: transfers in the pool awaiting
/// their receipts, and open `SubscribeStatus` streams (docs/admission.md).
///
/// Adversary: one client filling the shared pool (with many funded senders, so the per-sender
/// share does not stop it) or opening subscriptions until the process is busy feeding them, while
/// other clients wait. A transfer counts from its admission until the engine delivers its receipt,
/// even if the call that sent it was cancelled meanwhile (each pending transfer keeps its
/// connection's share alive), so cancelling calls does not reset the count.
final class ConnectionShares: Sendable {
    final class Share: Sendable {
        let pending = BoundedCounter()
        let subscriptions = BoundedCounter()
    }

    /// A taken unit of a share; `release()` gives it back once (later calls do nothing).
    final class Slot: Sendable {
        private let released = Atomic<Bool>(false)
        private let giveBack: @Sendable () -> Void
        init(_ giveBack: @escaping @Sendable () -> Void) { self.giveBack = giveBack }
        func release() {
            if !released.exchange(true, ordering: .acquiringAndReleasing) { giveBack() }
        }
    }

    /// Most transfers of one connection awaiting receipts.
    let pendingLimit: Int
    /// Most open status subscriptions of one connection.
    let subscriptionLimit: Int
    private let table = PerConnection { _ in Share() }
    private let pendingTotal = BoundedCounter()
    private let subscriptionTotal = BoundedCounter()

    init(pendingLimit: Int, subscriptionLimit: Int) {
        self.pendingLimit = max(1, pendingLimit)
        self.subscriptionLimit = max(1, subscriptionLimit)
    }

    /// A pending-transfer slot of `connection`, nil when its share is used up.
    func takePending(_ connection: ConnectionID) -> Slot? {
        take(connection, \.pending, limit: pendingLimit, total: pendingTotal)
    }

    /// A subscription slot of `connection`, nil when its share is used up.
    func takeSubscription(_ connection: ConnectionID) -> Slot? {
        take(connection, \.subscriptions, limit: subscriptionLimit, total: subscriptionTotal)
    }

    /// Connections holding anything now.
    var connections: Int { table.count }
    /// Transfers awaiting receipts now, all connections together.
    var pending: Int { pendingTotal.current }
    /// Open status subscriptions now, all connections together.
    var subscriptions: Int { subscriptionTotal.current }

    var pendingRefusal: String {
        "this connection has \(pendingLimit) transfers awaiting their receipts, its share of the pool; wait for receipts"
    }

    var subscriptionRefusal: String {
        "this connection has \(subscriptionLimit) open status subscriptions, the most allowed; close one first"
    }

    private func take(_ connection: ConnectionID, _ counter: KeyPath<Share, BoundedCounter> & Sendable, limit: Int,
                      total: BoundedCounter) -> Slot? {
        let share = table.join(connection)
        guard share[keyPath: counter].tryIncrement(limit: limit) else {
            table.leave(connection)
            return nil
        }
        total.increment()
        return Slot { [table] in
            share[keyPath: counter].decrement()
            total.decrement()
            table.leave(connection)
        }
    }
}
