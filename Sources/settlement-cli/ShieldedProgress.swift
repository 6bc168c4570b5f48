import Foundation

/// Progress of a long shielded command on standard error: a line per phase and, while the
/// prover runs (it has no progress hook), a spinner with the elapsed time when standard error is
/// a terminal (a log or a test's pipe gets the phase lines only).
enum ShieldedProgress {
    /// `settlement: <message>` on standard error.
    static func phase(_ message: String) { printNote(message) }

    /// Runs `body` (synchronous, CPU-bound) while a spinner turns; prints the time it took.
    static func spinning<T>(_ label: String, _ body: () throws -> T) async throws -> T {
        let start = ContinuousClock.now
        phase(label + " ...")
        let spinner: Task<Void, Never>? = isatty(STDERR_FILENO) == 1 ? Task.detached {
            let frames = Array("|/-\\")
            var i = 0
            while !Task.isCancelled {
                let line = "\rsettlement: \(label) \(frames[i % frames.count]) \(ZKCommand.elapsed(since: start))   "
                FileHandle.standardError.write(Data(line.utf8))
                i += 1
                try? await Task.sleep(for: .milliseconds(200))
            }
        } : nil
        defer {
            spinner?.cancel()
            if spinner != nil { FileHandle.standardError.write(Data("\r".utf8)) }
        }
        let value = try body()
        spinner?.cancel()
        _ = await spinner?.value
        phase("\(label): done (\(ZKCommand.elapsed(since: start)))")
        return value
    }
}
