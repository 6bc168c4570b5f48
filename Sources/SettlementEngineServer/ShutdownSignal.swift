import Dispatch
import Foundation

/// Waits for SIGINT or SIGTERM (delivered through Dispatch, never in a signal handler).
enum ShutdownSignal {
    static func wait() async -> String {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        return await withCheckedContinuation { (c: CheckedContinuation<String, Never>) in
            let queue = DispatchQueue(label: "signals")
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            for (sig, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                s.setEventHandler {
                    if once.take() {
                        c.resume(returning: name)
                        _ = sources
                    }
                }
                s.resume()
                sources.append(s)
            }
            Holder.keep(sources)
        }
    }

    /// Keeps the signal sources alive for the life of the process.
    private enum Holder {
        nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []
        static func keep(_ s: [DispatchSourceSignal]) { sources = s }
    }

    private final class OnceFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var taken = false
        func take() -> Bool {
            lock.lock(); defer { lock.unlock() }
            if taken { return false }
            taken = true
            return true
        }
    }
}
