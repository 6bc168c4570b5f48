import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server run from the system's binaries on a data directory of ours.
///
/// `start()` initialises the directory when it is empty (`initdb`, trust authentication, user
/// `superuser`, UTF-8), or reuses it; removes a stale `postmaster.pid`; writes our settings to
/// `embedded.conf` (included from `postgresql.conf`): listen on 127.0.0.1 only plus a Unix socket
/// in the data directory (mode 0700), on a free port unless one is given. Trust authentication
/// means any local process that reaches the port is a superuser: fine for one-machine deployments
/// and tests, not for shared hosts.
///
/// PostgreSQL refuses to run as root; as root the tools run as `runAsUser` through `runuser`
/// (default `postgres` if that user exists, else `nobody`) and the data directory is given to that
/// user, whose path to it must be traversable. All process work runs on dedicated threads.
public actor EmbeddedPostgres {
    public struct Configuration: Sendable {
        public var dataDirectory: String
        /// nil: pick a free port at each start (kept across `restart()`).
        public var port: Int?
        /// The directory of `initdb`, `pg_ctl`, `postgres`; nil: `findBinDirectory()`.
        public var binDirectory: String?
        /// Tests only: `fsync`, `synchronous_commit` and `full_page_writes` off. A server in this
        /// mode loses committed data on an OS crash.
        public var testMode: Bool
        public var superuser: String
        /// The account to run the server as when this process is root.
        public var runAsUser: String?
        /// Extra `postgresql.conf` settings (name → value, written verbatim).
        public var settings: [String: String]
        /// Seconds to wait for start and stop.
        public var timeoutSeconds: Int

        public init(dataDirectory: String, port: Int? = nil, testMode: Bool = false,
                    superuser: String = "settlement", settings: [String: String] = [:]) {
            self.dataDirectory = dataDirectory
            self.port = port
            self.binDirectory = nil
            self.testMode = testMode
            self.superuser = superuser
            self.runAsUser = nil
            self.settings = settings
            self.timeoutSeconds = 120
        }
    }

    public nonisolated let configuration: Configuration
    /// The port of the running (or last started) server; 0 before the first start.
    public private(set) var port: Int
    public private(set) var isRunning = false
    /// The data directory's lock (`ServerControl.lockDirectory`), held from `start` to `stop`/`kill`.
    private var directoryLock: Int32?

    /// The directory of the server's Unix socket (the data directory).
    public nonisolated var socketDirectory: String { configuration.dataDirectory }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.port = configuration.port ?? 0
    }

    deinit {
        if let directoryLock { ServerControl.unlock(directoryLock) }
    }

    /// `postgresql://superuser@127.0.0.1:port/database`.
    public func url(database: String = "postgres") -> String {
        "postgresql://\(configuration.superuser)@127.0.0.1:\(port)/\(database)"
    }

    /// A conninfo string for the Unix socket.
    public func socketConnectionString(database: String = "postgres") -> String {
        "host='\(socketDirectory)' port=\(port) user='\(configuration.superuser)' dbname='\(database)'"
    }

    /// Initialises (when needed) and starts the server; returns once it accepts connections.
    ///
    /// While it runs, this object holds a lock on the data directory (released by `stop`, `kill`,
    /// or the death of this process): a second owner is refused, and a server left running by an
    /// owner that died without stopping it (SIGKILL) is stopped and started again.
    public func start() async throws(PostgresError) {
        guard !isRunning else { return }
        let configuration = self.configuration
        let wanted = port == 0 ? nil : port
        let held = directoryLock
        let (port, lock) = try await BlockingThread.run(name: "embedded-postgres") { () throws(PostgresError) -> (Int, Int32) in
            let control = try ServerControl(configuration)
            let lock = try control.prepare(heldLock: held)
            var started = false
            defer { if !started && held == nil { ServerControl.unlock(lock) } }
            let port = try control.start(port: wanted)
            started = true
            return (port, lock)
        }
        self.port = port
        directoryLock = lock
        isRunning = true
    }

    /// Stops the server (`pg_ctl stop -m fast`: sessions are terminated, work is checkpointed).
    public func stop() async throws(PostgresError) {
        let configuration = self.configuration
        try await BlockingThread.run(name: "embedded-postgres") { () throws(PostgresError) in
            try ServerControl(configuration).stop(mode: "fast")
        }
        isRunning = false
        releaseLock()
    }

    private func releaseLock() {
        if let directoryLock { ServerControl.unlock(directoryLock) }
        directoryLock = nil
    }

    /// Stops and starts again on the same port and data directory (every session is lost).
    public func restart() async throws(PostgresError) {
        try await stop()
        try await start()
    }

    /// Kills the postmaster and its children with SIGKILL, like a crash; `start()` recovers.
    public func kill() async throws(PostgresError) {
        let configuration = self.configuration
        try await BlockingThread.run(name: "embedded-postgres") { () throws(PostgresError) in
            try ServerControl(configuration).killAll()
        }
        isRunning = false
        releaseLock()
    }

    /// Synchronous immediate stop for process exit handlers (no checkpoint; crash recovery on
    /// the next start). Errors are ignored.
    public nonisolated func stopImmediately() {
        try? ServerControl(configuration).stop(mode: "immediate")
    }

    /// `pg_config --bindir` when it has `pg_ctl`, else the highest `/usr/lib/postgresql/*/bin`.
    public static func findBinDirectory() -> String? {
        ServerControl.findBinDirectory()
    }
}
