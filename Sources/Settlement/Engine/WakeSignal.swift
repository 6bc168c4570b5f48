import Synchronization

/// A wake-up that is never lost: `signal()` wakes every current waiter, or, when nobody waits,
/// makes the next `wait` return at once. Used to let a follower sleep until a batch notification.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextId: UInt64 = 0
    }
    private let state = Lock(State())

    public init() {}

    public func signal() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            if s.waiters.isEmpty {
                s.pending = true
                return []
            }
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume() }
    }

    /// Returns after a `signal()` or after `timeout`, whichever comes first.
    public func wait(timeout: Duration) async {
        let id = state.withLock { s in defer { s.nextId += 1 }; return s.nextId }
        var timer: Task<Void, Never>?
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.pending {
                    s.pending = false
                    return true
                }
                s.waiters[id] = c
                return false
            }
            if now {
                c.resume()
            } else {
                timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.expire(id)
                }
            }
        }
        timer?.cancel()
    }

    private func expire(_ id: UInt64) {
        let w = state.withLock { $0.waiters.removeValue(forKey: id) }
        w?.resume()
    }
}
