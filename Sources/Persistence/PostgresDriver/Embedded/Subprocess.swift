import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with `posix_spawn`, stdin from /dev/null and stdout+stderr
/// appended to a log file. Blocking: call it from a dedicated thread (`BlockingThread`).
package enum Subprocess {
    package struct Outcome {
        package let status: Int32
        /// The last lines of the log, for error messages.
        package let logTail: String
    }

    /// Runs `argv` (absolute program path first), optionally as `user` through `runuser` when
    /// this process is root. PG* variables are removed from the environment so that the caller's
    /// settings cannot redirect the tools.
    package static func run(_ argv: [String], asUser user: String?, log: String) throws(PostgresError) -> Outcome {
        var full = argv
        if let user {
            let candidates: [String] = ["/usr/sbin/runuser", "/sbin/runuser"]
            guard let runuser = candidates.first(where: { access($0, X_OK) == 0 }) else {
                throw PostgresError(.embeddedServer, "runuser not found; needed to run PostgreSQL as \(user)")
            }
            full = [runuser, "-u", user, "--"] + argv
        }
        let start = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let environment = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("PG") }
            .map { "\($0.key)=\($0.value)" } + ["LC_ALL=C"]
        var pid: pid_t = 0
        let rc = withCStringArray(full) { args in
            withCStringArray(environment) { env in posix_spawn(&pid, full[0], &actions, nil, args, env) }
        }
        guard rc == 0 else {
            throw PostgresError(.embeddedServer, "could not start \(full[0]): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw PostgresError(.embeddedServer, "waitpid failed: \(errno)") }
        }
        // WIFEXITED/WEXITSTATUS as macros are not imported.
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: code, logTail: tail(of: log, from: start))
    }

    /// The text appended to `path` since byte `offset`, at most its last 2 KiB.
    private static func tail(of path: String, from offset: Int) -> String {
        guard let data = FileManager.default.contents(atPath: path), data.count > offset else { return "" }
        let added = data[data.index(data.startIndex, offsetBy: max(offset, data.count - 2048))...]
        return String(decoding: added, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Calls `body` with a NULL-terminated `char *const[]` (valid only during the call).
func withCStringArray<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    let copies = strings.map { strdup($0) } + [nil]
    defer { copies.forEach { free($0) } }
    return body(copies)
}
