import Foundation
import Persistence
import PostgresDriver
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// One `EmbeddedPostgres` per test process (test mode: fsync off) in a temporary directory on a
/// free port, started on first use and stopped when the process exits. Each test gets a fresh
/// database (`test_<pid>_<n>`) that is dropped afterwards.
actor PostgresTestServer {
    static let shared = PostgresTestServer()

    private var server: EmbeddedPostgres?
    private var counter = 0

    /// The running shared server.
    func running() async throws -> EmbeddedPostgres {
        if let server { return server }
        let server = try await Self.startServer(name: "shared")
        self.server = server
        TestServers.register(server)
        return server
    }

    /// Creates a fresh database and returns its URL.
    func makeDatabase() async throws -> (name: String, url: String) {
        let server = try await running()
        counter += 1
        let name = "test_\(getpid())_\(counter)"
        let admin = try await PostgresConnection.connect(await server.url())
        try await admin.execute("CREATE DATABASE \(name)")
        await admin.close()
        return (name, await server.url(database: name))
    }

    func dropDatabase(_ name: String) async throws {
        guard let server else { return }
        let admin = try await PostgresConnection.connect(await server.url())
        try await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        await admin.close()
    }

    /// A new, started server of its own (for tests that restart or kill it); stopped at exit.
    static func startServer(name: String) async throws -> EmbeddedPostgres {
        let root = try TestServers.temporaryRoot()
        let server = EmbeddedPostgres(.init(dataDirectory: root + "/" + name, testMode: true))
        try await server.start()
        return server
    }
}

/// Stops every server this process started when it exits, and removes their directories.
enum TestServers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var servers: [EmbeddedPostgres] = []
    nonisolated(unsafe) private static var root: String?

    static func register(_ server: EmbeddedPostgres) {
        lock.lock()
        defer { lock.unlock() }
        if servers.isEmpty {
            atexit { TestServers.stopAll() }
        }
        servers.append(server)
    }

    /// A temporary directory traversable by the server's account (it may run as another user).
    static func temporaryRoot() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let root { return root }
        var template = Array((NSTemporaryDirectory() + "persistence-tests-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw PostgresError(.embeddedServer, "mkdtemp failed") }
        let path = String(cString: made)
        chmod(path, 0o755)
        root = path
        return path
    }

    static func stopAll() {
        lock.lock()
        let all = servers
        let dir = root
        servers = []
        lock.unlock()
        for server in all { server.stopImmediately() }
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }
}

/// Base class: a fresh database per test, dropped in tearDown.
class PostgresTestCase: XCTestCase {
    private(set) var databaseName = ""
    private(set) var url = ""

    override func setUp() async throws {
        try await super.setUp()
        (databaseName, url) = try await PostgresTestServer.shared.makeDatabase()
    }

    override func tearDown() async throws {
        try await PostgresTestServer.shared.dropDatabase(databaseName)
        try await super.tearDown()
    }

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(url)
    }
}

/// Fails (instead of hanging) when `body` takes longer than `seconds`. Generous on purpose: the
/// machines are shared and slow; this only catches hangs.
func withTimeout<T: Sendable>(
    _ seconds: Double = 120, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            group.cancelAll()
            throw PostgresError(.protocolMismatch, "timed out after \(seconds) s")
        }
        group.cancelAll()
        return value
    }
}
