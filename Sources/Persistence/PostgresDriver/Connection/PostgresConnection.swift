import CLibPQ
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A notification received through LISTEN.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The server process id of the session that sent it.
    public let processID: Int32
}

/// One libpq connection.
///
/// The actor runs on its own `ConnectionThread` (a custom serial executor): every libpq call,
/// blocking or not, happens on that thread, never on Swift's cooperative pool. Methods are
/// synchronous inside the actor and `async` from outside.
///
/// A connection is a single session: one logical user at a time. Work that spans several calls
/// (`transaction`) should not share the connection with other tasks meanwhile; use one connection
/// per concurrent worker. Sessions run with `TimeZone=UTC`, ISO dates and hex `bytea` output.
public actor PostgresConnection {
    nonisolated let thread: ConnectionThread
    let handle: PGConnHandle
    let errors: LibPQErrors
    /// Notifications for the channels this connection LISTENs to. Finishes when the connection
    /// closes or is lost. Unbounded: LISTEN only when something consumes this stream.
    public nonisolated let notifications: AsyncStream<PostgresNotification>
    nonisolated let notificationSink: AsyncStream<PostgresNotification>.Continuation
    var inTransaction = false

    public nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    private init(thread: ConnectionThread, handle: PGConnHandle, errors: LibPQErrors) {
        self.thread = thread
        self.handle = handle
        self.errors = errors
        (notifications, notificationSink) = AsyncStream.makeStream(of: PostgresNotification.self)
    }

    deinit {
        let handle = self.handle, sink = notificationSink, thread = self.thread
        thread.execute {
            thread.setWatch(fd: nil, handler: nil)
            thread.setAfterJobs(nil)
            handle.finish()
            sink.finish()
        }
        thread.shutdown()
    }

    /// Opens a connection. `conninfo` is a `postgresql://` URL or `key=value` string; unless it
    /// says otherwise, connecting times out after 10 s and TCP keepalives detect dead peers.
    public static func connect(_ conninfo: String) async throws(PostgresError) -> PostgresConnection {
        let errors = LibPQErrors(secrets: LibPQErrors.secrets(of: conninfo))
        let thread = ConnectionThread(name: "postgres-connection")
        let opened: Result<PGConnHandle, PostgresError> = await thread.run {
            // Defaults first: the expanded `dbname` (the caller's string) overrides them.
            let options: [(String, String)] = [
                ("connect_timeout", "10"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
                ("keepalives_count", "3"), ("fallback_application_name", "settlement-engine"),
                ("dbname", conninfo),
            ]
            let raw = withCStrings(options.map(\.0)) { keys in
                withCStrings(options.map(\.1)) { values in PQconnectdbParams(keys, values, 1) }
            }
            guard let raw else { return .failure(PostgresError(.connection, "connect: out of memory")) }
            guard PQstatus(raw) == CONNECTION_OK else {
                let error = errors.connectionError(raw, what: "connect")
                PQfinish(raw)
                return .failure(error)
            }
            // Server notices and libpq's own complaints go to the log, not to stderr.
            PQsetNoticeProcessor(raw, { _, message in
                guard let message else { return }
                let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
                noticeLogger.debug("\(text)")
            }, nil)
            return .success(PGConnHandle(raw))
        }
        let handle: PGConnHandle
        switch opened {
        case .success(let h): handle = h
        case .failure(let e):
            thread.shutdown()
            throw e
        }
        let connection = PostgresConnection(thread: thread, handle: handle, errors: errors)
        try await connection.setUpSession()
        return connection
    }

    private func setUpSession() throws(PostgresError) {
        let sink = notificationSink, handle = self.handle
        thread.setAfterJobs { if let raw = handle.raw { Self.drainNotifications(raw, into: sink) } }
        try execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET bytea_output = 'hex'")
    }

    /// Closes the connection; later calls fail with `.connection`.
    public func close() {
        thread.setWatch(fd: nil, handler: nil)
        handle.finish()
        notificationSink.finish()
    }

    /// True while libpq considers the connection healthy. Cheap: looks for (and reads) pending
    /// input without a round trip, so a server that closed the session is noticed here.
    public func isUsable() -> Bool {
        guard let raw = handle.raw, PQstatus(raw) == CONNECTION_OK else { return false }
        // A server that ended the session first sends an error, then closes: read until quiet.
        for _ in 0..<8 {
            var fds = pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 0) > 0 else { break }
            if PQconsumeInput(raw) == 0 { return false }
            Self.drainNotifications(raw, into: notificationSink)
            if PQstatus(raw) != CONNECTION_OK { return false }
        }
        return PQstatus(raw) == CONNECTION_OK
    }

    /// The server's process id for this session (for `pg_terminate_backend` in tests).
    public func backendPID() throws(PostgresError) -> Int32 {
        PQbackendPID(try connection())
    }

    // MARK: - Statements

    /// Runs one or more `;`-separated statements without parameters (simple query protocol).
    public func execute(_ sql: String) throws(PostgresError) {
        let raw = try connection()
        let result = PQexec(raw, sql)
        _ = try check(result, raw, what: "execute")
    }

    /// Runs one statement with parameters ($1, $2, ...) and returns its rows (none for commands).
    @discardableResult
    public func query(_ sql: String, _ params: [PostgresValue?] = []) throws(PostgresError) -> [PostgresRow] {
        let raw = try connection()
        let result = try withParameters(params) { n, types, values, lengths, formats in
            PQexecParams(raw, sql, n, types, values, lengths, formats, 0)
        }
        return try check(result, raw, what: "query").rows
    }

    /// Runs `body` inside BEGIN/COMMIT; any error thrown by `body` rolls back and is rethrown.
    ///
    /// A COMMIT that fails because the connection was lost throws `.commitOutcomeUnknown`: the
    /// transaction may have committed. A COMMIT the server refuses (constraint, serialization
    /// failure) throws `.statement` and nothing was committed. Transactions do not nest.
    public func transaction<T: Sendable>(
        _ body: @Sendable (isolated PostgresConnection) async throws -> T
    ) async throws -> T {
        guard !inTransaction else {
            throw PostgresError(.invalidArgument, "transaction already open on this connection")
        }
        try execute("BEGIN")
        inTransaction = true
        defer { inTransaction = false }
        let value: T
        do {
            value = try await body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        try commit()
        return value
    }

    /// COMMITs the open transaction, telling a refused commit from one whose outcome is unknown.
    private func commit() throws(PostgresError) {
        let raw = try connection()
        if PQtransactionStatus(raw) == PQTRANS_INERROR {
            rollbackQuietly()
            throw PostgresError(.statement, "transaction aborted by an earlier error; rolled back")
        }
        guard let result = PQexec(raw, "COMMIT") else { throw commitOutcomeUnknown(raw, sqlState: nil) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            let error = errors.error(result: result, connection: raw, what: "commit")
            if error.kind == .connection { throw commitOutcomeUnknown(raw, sqlState: error.sqlState) }
            throw error
        }
        if let tag = PQcmdStatus(result), String(cString: tag) == "ROLLBACK" {
            throw PostgresError(.statement, "COMMIT rolled back the transaction")
        }
    }

    private func commitOutcomeUnknown(_ raw: OpaquePointer, sqlState: String?) -> PostgresError {
        let cause = errors.connectionError(raw, what: "commit").message
        return PostgresError(.commitOutcomeUnknown,
                             "connection lost during COMMIT; the transaction may or may not have committed (\(cause))",
                             sqlState: sqlState)
    }

    private func rollbackQuietly() {
        guard let raw = handle.raw, PQstatus(raw) == CONNECTION_OK else { return }
        if let r = PQexec(raw, "ROLLBACK") { PQclear(r) }
    }

    // MARK: - Shared internals

    /// The live `PGconn`, or `.connection` when closed or lost.
    func connection() throws(PostgresError) -> OpaquePointer {
        guard let raw = handle.raw else { throw PostgresError(.connection, "connection is closed") }
        guard PQstatus(raw) == CONNECTION_OK else {
            throw errors.connectionError(raw, what: "connection lost")
        }
        return raw
    }

    /// Wraps a finished result, or throws its error (clearing it). Results that leave the
    /// connection in COPY state are ended and reported as unsupported.
    func check(_ result: OpaquePointer?, _ raw: OpaquePointer, what: String) throws(PostgresError) -> PostgresResult {
        guard let result else { throw errors.error(result: nil, connection: raw, what: what) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            PQclear(result)
            abandonCopy(raw)
            throw PostgresError(.invalidArgument, "\(what): COPY through query/execute is not supported; use copyIn")
        default:
            let error = errors.error(result: result, connection: raw, what: what)
            PQclear(result)
            throw error
        }
    }

    /// Leaves COPY state after an unexpected COPY and discards the results.
    func abandonCopy(_ raw: OpaquePointer) {
        _ = PQputCopyEnd(raw, "COPY not supported here")
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(raw, &buffer, 0) > 0 { PQfreemem(buffer) }
        while let r = PQgetResult(raw) { PQclear(r) }
    }

    /// Hands every notification libpq has buffered to `sink`.
    static func drainNotifications(
        _ raw: OpaquePointer, into sink: AsyncStream<PostgresNotification>.Continuation
    ) {
        while let n = PQnotifies(raw) {
            let channel = String(cString: n.pointee.relname)
            let payload = n.pointee.extra.map { String(cString: $0) } ?? ""
            sink.yield(PostgresNotification(channel: channel, payload: payload, processID: n.pointee.be_pid))
            PQfreemem(n)
        }
    }
}

/// Where server notices (and libpq messages such as "terminating connection") are logged.
let noticeLogger = Logger(label: "persistence.notice")

/// Calls `body` with a NULL-terminated array of C strings (valid only during the call).
func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
