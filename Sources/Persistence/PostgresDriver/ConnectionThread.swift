import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A serial executor backed by one dedicated OS thread.
///
/// Every libpq call of a `PostgresConnection` runs here, so blocking network I/O never occupies a
/// thread of Swift's cooperative pool. When its queue is empty the thread sleeps in `poll(2)` on a
/// self-pipe (written by `enqueue`) and, optionally, on one watched descriptor (the libpq socket of a
/// connection that LISTENs), whose handler then runs on this thread. `afterJobs` runs after every
/// batch of jobs (used to hand out notifications libpq buffered during a query).
final class ConnectionThread: SerialExecutor, @unchecked Sendable {
    private enum Work {
        case job(UnownedJob)
        case block(() -> Void)
    }

    // Guarded by `lock`.
    private let lock = NSLock()
    private var queue: [Work] = []
    private var sleeping = false
    private var shuttingDown = false

    // Confined to the thread (set only from blocks/jobs running on it).
    private var watched: (fd: Int32, handler: () -> Void)?
    private var afterJobs: (() -> Void)?

    /// Self-pipe: [read end, write end], both non-blocking.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private nonisolated(unsafe) var thread: pthread_t = pthread_t()

    init(name: String) {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe failed: \(errno)")
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let started = DispatchSemaphore(value: 0)
        let t = Thread { [self] in
            self.thread = pthread_self()
            started.signal()
            self.runLoop()
        }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
        started.wait()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        push(.job(UnownedJob(job)))
    }

    /// Runs `block` on the thread, after the jobs already queued.
    func execute(_ block: @escaping @Sendable () -> Void) {
        push(.block(block))
    }

    /// Runs `work` on the thread and returns its result to the (suspended) caller.
    func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            execute {
                do throws(E) { continuation.resume(returning: .success(try work())) }
                catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    /// Lets the thread exit once its queue is empty. Jobs enqueued later still run first.
    func shutdown() {
        lock.lock()
        shuttingDown = true
        let wake = sleeping
        sleeping = false
        lock.unlock()
        if wake { wakeUp() }
    }

    /// Must be called on the thread: watch `fd` for readability; nil stops watching.
    func setWatch(fd: Int32?, handler: (() -> Void)?) {
        assertOnThread()
        if let fd, let handler { watched = (fd, handler) } else { watched = nil }
    }

    /// Must be called on the thread: the hook run after every batch of jobs.
    func setAfterJobs(_ hook: (() -> Void)?) {
        assertOnThread()
        afterJobs = hook
    }

    var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }

    func checkIsolated() {
        precondition(isCurrent, "not on the connection's thread")
    }

    func assertOnThread() {
        assert(isCurrent, "not on the connection's thread")
    }

    private func push(_ work: Work) {
        lock.lock()
        queue.append(work)
        let wake = sleeping
        sleeping = false
        lock.unlock()
        if wake { wakeUp() }
    }

    private func wakeUp() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // a full pipe already means "awake"
    }

    private func runLoop() {
        let executor = asUnownedSerialExecutor()
        var batch: [Work] = []
        while true {
            lock.lock()
            if queue.isEmpty {
                if shuttingDown {
                    lock.unlock()
                    break
                }
                sleeping = true
                lock.unlock()
                sleep()
                continue
            }
            swap(&batch, &queue)
            lock.unlock()
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(on: executor)
                case .block(let block): block()
                }
            }
            batch.removeAll(keepingCapacity: true)
            afterJobs?()
        }
        watched = nil
        afterJobs = nil
        close(wakeRead)
        close(wakeWrite)
    }

    /// Waits for a wake-up or for the watched descriptor; runs the watch handler when it fires.
    private func sleep() {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if let w = watched { fds.append(pollfd(fd: w.fd, events: Int16(POLLIN), revents: 0)) }
        let n = poll(&fds, nfds_t(fds.count), -1)
        if n <= 0 { return }  // EINTR: the loop looks again
        if fds[0].revents != 0 {
            var drain = [UInt8](repeating: 0, count: 64)
            while read(wakeRead, &drain, drain.count) > 0 {}
        }
        if fds.count > 1, fds[1].revents != 0, let w = watched {
            w.handler()
        }
        lock.lock()
        sleeping = false
        lock.unlock()
    }
}

/// Runs one piece of blocking work (process spawns, waits) on a fresh thread, never on the
/// cooperative pool, and resumes the caller with its result.
package enum BlockingThread {
    package static func run<T: Sendable, E: Error>(
        name: String = "persistence-blocking", _ work: @escaping @Sendable () throws(E) -> T
    ) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(E) { continuation.resume(returning: .success(try work())) }
                catch { continuation.resume(returning: .failure(error)) }
            }
            thread.name = name
            thread.start()
        }
        return try result.get()
    }
}
