import Logging

/// A `PostgresConnection` that comes back after the server goes away.
///
/// Before each operation it checks the connection (without a round trip) and, when it is gone,
/// reconnects with exponential backoff and jitter (`Backoff`, 50 ms → 5 s) until
/// `reconnectTimeout` has passed; then the operation fails with `.connection`.
///
/// Whether a failed operation is repeated depends on what it is:
/// - `idempotent { }`: work that may safely run twice (reads, upserts): repeated after a
///   reconnect when the connection is lost, up to `maxAttempts` times.
/// - `transaction { }`: BEGIN/body/COMMIT. Losing the connection before COMMIT rolls the
///   transaction back on the server, so it is repeated from the start; losing it during COMMIT
///   throws `.commitOutcomeUnknown`, never retried: the caller must check in the database whether
///   its transaction landed. The body must not have side effects outside the database.
/// - `withConnection { }`: never repeated; a `.connection` error means that statements sent
///   outside a transaction may or may not have executed. The next operation reconnects.
///
/// LISTEN channels are re-established after a reconnect; `events` reports `.reconnected` because
/// notifications sent meanwhile are lost (re-read the state they announce).
public actor ReconnectingConnection {
    public enum Event: Sendable, Equatable {
        case notification(PostgresNotification)
        /// The connection was re-established: notifications may have been missed.
        case reconnected
    }

    public let conninfo: String
    public var reconnectTimeout: Duration
    public var maxAttempts: Int
    /// Notifications of the LISTENed channels, and reconnect markers.
    public nonisolated let events: AsyncStream<Event>
    private let eventSink: AsyncStream<Event>.Continuation
    private var connection: PostgresConnection?
    private var channels: [String] = []
    private var forwarder: Task<Void, Never>?
    private let logger: Logger
    /// Number of successful connects, the first included.
    public private(set) var connectCount = 0

    public init(conninfo: String, reconnectTimeout: Duration = .seconds(30), maxAttempts: Int = 5,
                logger: Logger = Logger(label: "persistence.reconnecting")) {
        self.conninfo = conninfo
        self.reconnectTimeout = reconnectTimeout
        self.maxAttempts = maxAttempts
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(of: Event.self)
    }

    deinit {
        forwarder?.cancel()
        eventSink.finish()
    }

    public func setReconnectTimeout(_ timeout: Duration) { reconnectTimeout = timeout }

    /// Runs `body` once on a live connection; never repeats it (see the type's documentation).
    public func withConnection<T: Sendable>(
        _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let conn = try await live()
        do {
            return try await body(conn)
        } catch let error as PostgresError where error.kind == .connection {
            await drop(conn)
            throw error
        }
    }

    /// Runs `body`, repeating it after a reconnect when the connection is lost.
    public func idempotent<T: Sendable>(
        _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await retrying(retryUnknownCommit: true) { conn in try await body(conn) }
    }

    /// Runs `body` in a transaction, repeated from the start when the connection is lost before
    /// COMMIT; `.commitOutcomeUnknown` when it is lost during COMMIT.
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await retrying(retryUnknownCommit: false) { conn in try await Self.runTransaction(conn, body) }
    }

    private nonisolated static func runTransaction<T: Sendable>(
        _ conn: PostgresConnection, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await conn.transaction { isolated in try await body(isolated) }
    }

    /// LISTENs to `channel` now and after every reconnect.
    public func listen(_ channel: String) async throws {
        if !channels.contains(channel) { channels.append(channel) }
        try await idempotent { conn in try await conn.listen(channel) }
    }

    /// Closes the connection; a later operation opens a new one.
    public func close() async {
        if let connection { await drop(connection) }
    }

    // MARK: - Internals

    private func retrying<T: Sendable>(
        retryUnknownCommit: Bool, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let conn = try await live()
            do {
                return try await body(conn)
            } catch let error as PostgresError
                where error.kind == .connection || (retryUnknownCommit && error.kind == .commitOutcomeUnknown) {
                await drop(conn)
                guard attempt < maxAttempts else { throw error }
                logger.warning("connection lost, retrying", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
            }
        }
    }

    /// The current connection if it is usable, else a new one (with backoff).
    private func live() async throws(PostgresError) -> PostgresConnection {
        if let connection {
            if await connection.isUsable() { return connection }
            await drop(connection)
        }
        var backoff = Backoff()
        let deadline = ContinuousClock.now + reconnectTimeout
        var lastError: PostgresError
        repeat {
            do {
                let conn = try await PostgresConnection.connect(conninfo)
                for channel in channels { try await conn.listen(channel) }
                adopt(conn)
                return conn
            } catch {
                lastError = error
                logger.debug("connect failed", metadata: ["error": "\(error)"])
            }
            let delay = backoff.next()
            guard ContinuousClock.now + delay < deadline else { break }
            do { try await Task.sleep(for: delay) } catch {
                throw PostgresError(.connection, "reconnect cancelled: \(lastError.message)")
            }
        } while true
        throw PostgresError(.connection, "could not reconnect within \(reconnectTimeout): \(lastError.message)",
                            sqlState: lastError.sqlState)
    }

    private func adopt(_ conn: PostgresConnection) {
        connectCount += 1
        if connectCount > 1 { eventSink.yield(.reconnected) }
        connection = conn
        forwarder?.cancel()
        let sink = eventSink
        forwarder = Task {
            for await n in conn.notifications { sink.yield(.notification(n)) }
        }
    }

    private func drop(_ conn: PostgresConnection) async {
        guard connection === conn else { return }
        connection = nil
        forwarder?.cancel()
        forwarder = nil
        await conn.close()
    }
}
