/// Lets the L1 watchers' passes run, or holds them: `pause()` returns once no pass is running and
/// none can start until `resume()`. A pass that finds the gate closed is skipped (the watchers
/// poll, so it runs again later). What `SettlementNode`'s revert uses to keep the watchers out of
/// the window in which the state they read is rolled back.
actor WatcherGate {
    private var paused = false
    private var running = 0
    private var drained: [CheckedContinuation<Void, Never>] = []

    /// True, counting a pass in, when passes may run; false while paused.
    func enter() -> Bool {
        guard !paused else { return false }
        running += 1
        return true
    }

    /// A pass is over.
    func leave() {
        running -= 1
        if running == 0 {
            let waiters = drained
            drained = []
            for w in waiters { w.resume() }
        }
    }

    /// Closes the gate and waits for the passes under way.
    func pause() async {
        paused = true
        if running > 0 { await withCheckedContinuation { drained.append($0) } }
    }

    func resume() { paused = false }
}
