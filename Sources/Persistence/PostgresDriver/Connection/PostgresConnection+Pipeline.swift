import CLibPQ
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One statement of a pipeline.
public struct PipelineStatement: Sendable {
    public var sql: String
    public var params: [PostgresValue?]

    public init(_ sql: String, _ params: [PostgresValue?] = []) {
        self.sql = sql
        self.params = params
    }
}

extension PostgresConnection {
    /// Sends all `statements` at once in libpq pipeline mode, followed by one sync, and returns
    /// each statement's rows in order: one round trip instead of one per statement.
    ///
    /// Outside an explicit transaction the statements up to the sync form one implicit
    /// transaction: if one fails, the later ones are skipped, the earlier ones are rolled back and
    /// the first error is thrown (its message names the statement's index).
    public func pipeline(_ statements: [PipelineStatement]) throws(PostgresError) -> [[PostgresRow]] {
        let raw = try connection()
        guard !statements.isEmpty else { return [] }
        guard PQenterPipelineMode(raw) == 1 else {
            throw errors.connectionError(raw, what: "entering pipeline mode")
        }
        // Non-blocking so that sending never waits on a server that waits for us to read.
        PQsetnonblocking(raw, 1)
        defer {
            if PQstatus(raw) == CONNECTION_OK { _ = PQexitPipelineMode(raw) }
            PQsetnonblocking(raw, 0)
        }

        var sent = 0
        var sendFailure: PostgresError?
        for statement in statements {
            do throws(PostgresError) {
                let ok = try withParameters(statement.params) { n, types, values, lengths, formats in
                    PQsendQueryParams(raw, statement.sql, n, types, values, lengths, formats, 0)
                }
                guard ok == 1 else { throw errors.connectionError(raw, what: "pipeline statement \(sent)") }
                sent += 1
                try flushPipeline(raw)
            } catch {
                sendFailure = error
                break
            }
        }
        if PQstatus(raw) != CONNECTION_OK {
            throw sendFailure ?? errors.connectionError(raw, what: "pipeline")
        }
        guard PQpipelineSync(raw) == 1 else { throw errors.connectionError(raw, what: "pipeline sync") }
        try flushPipeline(raw)

        var rows: [[PostgresRow]] = []
        rows.reserveCapacity(sent)
        var firstError: PostgresError?
        for index in 0..<sent {
            var statementRows: [PostgresRow] = []
            while let r = try nextPipelineResult(raw) {
                switch PQresultStatus(r) {
                case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    statementRows = PostgresResult(r).rows
                    continue  // PostgresResult owns and clears r
                case PGRES_PIPELINE_ABORTED:
                    break
                default:
                    if firstError == nil {
                        firstError = errors.error(result: r, connection: raw, what: "pipeline statement \(index)")
                    }
                }
                PQclear(r)
            }
            rows.append(statementRows)
        }
        guard let sync = try nextPipelineResult(raw) else {
            throw PostgresError(.protocolMismatch, "pipeline: missing sync result")
        }
        let syncStatus = PQresultStatus(sync)
        PQclear(sync)
        guard syncStatus == PGRES_PIPELINE_SYNC else {
            throw PostgresError(.protocolMismatch, "pipeline: expected the sync result")
        }
        if let error = sendFailure ?? firstError { throw error }
        return rows
    }

    /// Convenience: `pipeline([("INSERT ...", [.int64(1)]), ...])`.
    public func pipeline(_ statements: [(sql: String, params: [PostgresValue?])]) throws(PostgresError) -> [[PostgresRow]] {
        try pipeline(statements.map { PipelineStatement($0.sql, $0.params) })
    }

    /// Writes all queued output, reading input meanwhile so the server never blocks on us.
    private func flushPipeline(_ raw: OpaquePointer) throws(PostgresError) {
        while true {
            switch PQflush(raw) {
            case 0: return
            case 1: try waitForSocket(raw, write: true)
            default: throw errors.connectionError(raw, what: "pipeline send")
            }
        }
    }

    /// The next result (nil marks the end of one statement's results), waiting as needed.
    private func nextPipelineResult(_ raw: OpaquePointer) throws(PostgresError) -> OpaquePointer? {
        while PQisBusy(raw) == 1 {
            let pending = PQflush(raw)
            guard pending >= 0 else { throw errors.connectionError(raw, what: "pipeline send") }
            try waitForSocket(raw, write: pending == 1)
        }
        return PQgetResult(raw)
    }

    /// Polls the socket for input (and output room when `write`), consuming any input.
    private func waitForSocket(_ raw: OpaquePointer, write: Bool) throws(PostgresError) {
        var fd = pollfd(fd: PQsocket(raw), events: Int16(POLLIN) | (write ? Int16(POLLOUT) : 0), revents: 0)
        let n = poll(&fd, 1, -1)
        if n < 0 && errno != EINTR { throw PostgresError(.connection, "pipeline: poll failed (errno \(errno))") }
        if n > 0, fd.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
            guard PQconsumeInput(raw) == 1 else { throw errors.connectionError(raw, what: "pipeline receive") }
        }
    }
}
