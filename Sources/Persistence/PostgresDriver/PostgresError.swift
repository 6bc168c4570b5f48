/// A failure talking to PostgreSQL. `message` never contains passwords or connection strings.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made or was lost (retry with backoff). Outside an explicit
        /// transaction, a statement that failed this way may or may not have executed.
        case connection
        /// The connection was lost while a COMMIT (or a pipeline's implicit commit) was in flight:
        /// the transaction may or may not have landed. Never retried blindly; the caller must look
        /// in the database for its effects.
        case commitOutcomeUnknown
        /// The server rejected a statement (SQLSTATE in `sqlState`).
        case statement
        /// The embedded server could not be set up or started.
        case embeddedServer
        /// A migration failed or the schema is newer than this binary.
        case migration
        /// A result did not have the expected shape, size or encoding.
        case protocolMismatch
        /// The caller passed something unusable (a NULL where a value was required, a wrong field
        /// count in COPY, a closed connection, ...).
        case invalidArgument
    }

    public let kind: Kind
    public let message: String
    public let sqlState: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String {
        sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
    }

    /// True when the same work may simply be tried again (after a reconnect when `kind` is
    /// `.connection`): connection loss, serialization failures (40001) and deadlocks (40P01).
    /// `commitOutcomeUnknown` is never retryable: the work may already be done.
    public var isRetryable: Bool {
        switch kind {
        case .connection: return true
        case .statement: return sqlState == "40001" || sqlState == "40P01"
        default: return false
        }
    }

    /// True when this SQLSTATE means the session is gone: class 08 (connection exception) and
    /// 57P01..57P03 (admin shutdown, crash shutdown, cannot connect now). 08P01 (protocol
    /// violation) is excluded: the server also uses it for malformed COPY data and keeps the
    /// session; a session that really ended is recognised by libpq's connection status.
    public static func isConnectionState(_ sqlState: String?) -> Bool {
        guard let s = sqlState, s != "08P01" else { return false }
        return s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03"
    }
}
