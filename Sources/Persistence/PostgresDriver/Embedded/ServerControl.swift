import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The blocking work behind `EmbeddedPostgres`: directories, `initdb`, `pg_ctl`, signals.
/// Every method blocks; call them on a dedicated thread.
struct ServerControl: Sendable {
    let configuration: EmbeddedPostgres.Configuration
    let binDirectory: String
    /// The account the tools run as (nil: this process's own, when not root).
    let user: String?
    let owner: (uid: uid_t, gid: gid_t)?

    var dataDirectory: String { configuration.dataDirectory }
    var toolLog: String { dataDirectory + "/embedded-tools.log" }

    init(_ configuration: EmbeddedPostgres.Configuration) throws(PostgresError) {
        self.configuration = configuration
        guard let bin = configuration.binDirectory ?? Self.findBinDirectory() else {
            throw PostgresError(.embeddedServer, "PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
        }
        binDirectory = bin
        if geteuid() == 0 {
            let name = configuration.runAsUser ?? (getpwnam("postgres") != nil ? "postgres" : "nobody")
            guard let pw = getpwnam(name) else {
                throw PostgresError(.embeddedServer, "user \(name) to run PostgreSQL as does not exist")
            }
            user = name
            owner = (pw.pointee.pw_uid, pw.pointee.pw_gid)
        } else {
            user = nil
            owner = nil
        }
        if !configuration.testMode {
            for key in ["fsync", "synchronous_commit", "full_page_writes"] {
                if let v = configuration.settings[key]?.lowercased(), ["off", "false", "0", "no"].contains(v) {
                    throw PostgresError(.embeddedServer, "\(key)=\(v) is allowed only in test mode")
                }
            }
        }
    }

    /// The first ancestor of `path` that other users may not traverse, if any.
    static func untraversableAncestor(of path: String) -> String? {
        var dir = URL(fileURLWithPath: path).standardized.deletingLastPathComponent().path
        var chain: [String] = []
        while dir != "/" && !dir.isEmpty {
            chain.append(dir)
            dir = (dir as NSString).deletingLastPathComponent
        }
        for d in chain.reversed() {
            var st = stat()
            if stat(d, &st) == 0, st.st_mode & 0o001 == 0 { return d }
        }
        return nil
    }

    /// Creates and initialises the data directory when needed; takes its lock (`lockDirectory`),
    /// unless `heldLock` is the lock already; stops a server left running by an owner that died;
    /// writes `embedded.conf`. Returns the lock (the caller releases it with `unlock`).
    func prepare(heldLock: Int32? = nil) throws(PostgresError) -> Int32 {
        let fm = FileManager.default
        if !fm.fileExists(atPath: dataDirectory) {
            do {
                // Parents with the usual permissions (the server's account must traverse them);
                // only the data directory itself is private.
                let parent = (dataDirectory as NSString).deletingLastPathComponent
                if !parent.isEmpty { try fm.createDirectory(atPath: parent, withIntermediateDirectories: true) }
                try fm.createDirectory(atPath: dataDirectory, withIntermediateDirectories: false,
                                       attributes: [.posixPermissions: 0o700])
            } catch {
                throw PostgresError(.embeddedServer, "cannot create \(dataDirectory): \(error.localizedDescription)")
            }
        }
        guard let lock = heldLock ?? Self.lockDirectory(dataDirectory) else {
            throw PostgresError(.embeddedServer, "\(dataDirectory) is in use by another process (its lock is held)")
        }
        var prepared = false
        defer { if !prepared && heldLock == nil { Self.unlock(lock) } }
        if owner != nil, let blocked = Self.untraversableAncestor(of: dataDirectory) {
            throw PostgresError(.embeddedServer, "PostgreSQL runs as an unprivileged user, who cannot enter \(blocked) "
                + "(no execute permission for others); choose a data directory outside it")
        }
        if !fm.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            let entries = (try? fm.contentsOfDirectory(atPath: dataDirectory)) ?? []
            guard entries.isEmpty else {
                throw PostgresError(.embeddedServer, "\(dataDirectory) is neither empty nor a PostgreSQL data directory")
            }
            chmod(dataDirectory, 0o700)
            if let owner { chown(dataDirectory, owner.uid, owner.gid) }
            try initdb()
        }
        try removeStalePidFile()
        try writeSettings()
        prepared = true
        return lock
    }

    /// An exclusive `flock` on the data directory itself (O_CLOEXEC, so the server never inherits
    /// it): held from `start` to `stop`/`kill` by the `EmbeddedPostgres` that runs the server, and
    /// released by the kernel when its process dies however it dies. A server running on a
    /// directory whose lock we could take therefore has no live owner. nil when it is held.
    static func lockDirectory(_ path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    static func unlock(_ fd: Int32) {
        close(fd)
    }

    private func initdb() throws(PostgresError) {
        // Log outside the directory: initdb wants it empty.
        let log = NSTemporaryDirectory() + "embedded-initdb-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        var args = [binDirectory + "/initdb", "-D", dataDirectory, "-A", "trust", "-U", configuration.superuser,
                    "--encoding=UTF8", "--locale=C"]
        if configuration.testMode { args.append("--no-sync") }
        let outcome = try Subprocess.run(args, asUser: user, log: log)
        unlink(log)
        guard outcome.status == 0 else {
            throw PostgresError(.embeddedServer, "initdb failed (\(outcome.status)): \(outcome.logTail)")
        }
        let include = "\n# Settings of the settlement engine's EmbeddedPostgres, rewritten at each start.\ninclude_if_exists = 'embedded.conf'\n"
        guard let handle = FileHandle(forWritingAtPath: dataDirectory + "/postgresql.conf") else {
            throw PostgresError(.embeddedServer, "cannot open postgresql.conf")
        }
        handle.seekToEndOfFile()
        handle.write(Data(include.utf8))
        handle.closeFile()
    }

    private func writeSettings() throws(PostgresError) {
        var settings: [String: String] = [
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "'\(dataDirectory.replacingOccurrences(of: "'", with: "''"))'",
            "unix_socket_permissions": "0700",
            "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
        ]
        if configuration.testMode {
            settings["fsync"] = "off"
            settings["synchronous_commit"] = "off"
            settings["full_page_writes"] = "off"
        }
        settings.merge(configuration.settings) { _, new in new }
        let text = settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)\n" }.joined()
        let path = dataDirectory + "/embedded.conf"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: 0o644]) else {
            throw PostgresError(.embeddedServer, "cannot write \(path)")
        }
        if let owner { chown(path, owner.uid, owner.gid) }
    }

    /// Starts the server on `port` (nil: a free one, retried if another process takes it first).
    /// Returns the port.
    func start(port wanted: Int?) throws(PostgresError) -> Int {
        var attempt = 0
        while true {
            attempt += 1
            let port: Int
            if let wanted { port = wanted } else { port = try Self.freePort() }
            let args = [binDirectory + "/pg_ctl", "start", "-w", "-t", String(configuration.timeoutSeconds),
                        "-D", dataDirectory, "-l", dataDirectory + "/server.log", "-o", "-p \(port)"]
            let outcome = try Subprocess.run(args, asUser: user, log: toolLog)
            if outcome.status == 0 { return port }
            let serverLog = Self.tail(of: dataDirectory + "/server.log")
            if wanted == nil, attempt < 4, serverLog.contains("could not bind") || serverLog.contains("already in use") {
                try stop(mode: "immediate")
                continue
            }
            throw PostgresError(.embeddedServer, "pg_ctl start failed (\(outcome.status)): \(outcome.logTail)\n\(serverLog)")
        }
    }

    /// `pg_ctl stop -m mode`; nothing to do when no server runs.
    func stop(mode: String) throws(PostgresError) {
        guard let pid = postmasterPID(), Self.isAlive(pid) else { return }
        let args = [binDirectory + "/pg_ctl", "stop", "-w", "-t", String(configuration.timeoutSeconds),
                    "-D", dataDirectory, "-m", mode]
        let outcome = try Subprocess.run(args, asUser: user, log: toolLog)
        guard outcome.status == 0 else {
            throw PostgresError(.embeddedServer, "pg_ctl stop failed (\(outcome.status)): \(outcome.logTail)")
        }
    }

    /// SIGKILLs the postmaster and its children and waits until they are gone.
    func killAll() {
        guard let pid = postmasterPID(), Self.isAlive(pid) else { return }
        let children = Self.children(of: pid)
        Glibc.kill(pid, SIGKILL)
        for child in children { Glibc.kill(child, SIGKILL) }
        let deadline = Date().addingTimeInterval(30)
        while ([pid] + children).contains(where: Self.isAlive), Date() < deadline {
            usleep(10_000)
        }
    }

    /// Removes `postmaster.pid` and the socket lock files (`.s.PGSQL.<port>.lock`) when the
    /// process they name is gone, a zombie, or not postgres. PostgreSQL does this itself unless
    /// the dead postmaster is an unreaped zombie (containers without an init process), which it
    /// takes for a live one.
    ///
    /// A live postmaster of this directory is an orphan: the caller holds the directory's lock, so
    /// the process that started it has died without stopping it (SIGKILL, crash; `pg_ctl` detaches
    /// the server, which outlives its starter). It is stopped (`fast`: its sessions are gone
    /// anyway, work is checkpointed; SIGKILL if that fails) and started afresh with our settings.
    private func removeStalePidFile() throws(PostgresError) {
        let path = dataDirectory + "/postmaster.pid"
        if FileManager.default.fileExists(atPath: path) {
            if let pid = Self.pid(inLockFile: path), Self.isAlive(pid), Self.commandLine(of: pid).contains("postgres") {
                guard Self.isServer(pid, of: dataDirectory) else {
                    throw PostgresError(.embeddedServer, "a server (pid \(pid)) is already running on \(dataDirectory)")
                }
                do { try stop(mode: "fast") } catch { killAll() }
                if Self.isAlive(pid) {
                    throw PostgresError(.embeddedServer, "a server (pid \(pid)) left running on \(dataDirectory) by a dead owner could not be stopped")
                }
            }
            unlink(path)
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? []
        for entry in entries where entry.hasPrefix(".s.PGSQL.") && entry.hasSuffix(".lock") {
            let lock = dataDirectory + "/" + entry
            if let pid = Self.pid(inLockFile: lock), Self.isAlive(pid) { continue }
            unlink(lock)
            unlink(String(lock.dropLast(".lock".count)))
        }
    }

    private func postmasterPID() -> pid_t? {
        Self.pid(inLockFile: dataDirectory + "/postmaster.pid")
    }

    /// The pid on the first line of a PostgreSQL lock file.
    private static func pid(inLockFile path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let first = text.split(separator: "\n").first,
              let pid = pid_t(first.trimmingCharacters(in: .whitespaces)), pid != 0 else { return nil }
        return abs(pid)  // negative in lock files written by a standalone backend
    }

    // MARK: - Process and port helpers

    /// True when `pid` exists and is not a zombie (orphans may never be reaped in containers).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Whether `pid` is a server on `dataDirectory`: a postmaster's working directory is its data
    /// directory (its command line names it too, as `pg_ctl` passes `-D`).
    static func isServer(_ pid: pid_t, of dataDirectory: String) -> Bool {
        let dir = URL(fileURLWithPath: dataDirectory).resolvingSymlinksInPath().path
        if let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") {
            return URL(fileURLWithPath: cwd).standardized.path == dir
        }
        return commandLine(of: pid).contains(dataDirectory)
    }

    static func commandLine(of pid: pid_t) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    /// The processes whose parent is `pid` (from /proc).
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let child = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
        }
    }

    /// A port the kernel considers free on 127.0.0.1 right now.
    static func freePort() throws(PostgresError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresError(.embeddedServer, "socket failed: \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, len) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        guard ok else { throw PostgresError(.embeddedServer, "could not find a free port: \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func findBinDirectory() -> String? {
        let fm = FileManager.default
        if let out = try? runCapturing(["pg_config", "--bindir"]), fm.isExecutableFile(atPath: out + "/pg_ctl") {
            return out
        }
        let base = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(base)/\($0)/bin" }.first { fm.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }

    /// Runs a command found on PATH and returns its trimmed stdout (small outputs only).
    private static func runCapturing(_ argv: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PostgresError(.embeddedServer, "pg_config failed") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func tail(of path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data.suffix(2048), as: UTF8.self)
    }
}
