import CLibPQ
import Foundation

extension PostgresConnection {
    /// Bulk-loads rows with `COPY table (columns) FROM STDIN (FORMAT binary)`.
    ///
    /// `encode` writes the rows through the `BinaryCopyWriter` (`beginRow()`, then one `write` per
    /// column, in column order, with the column's exact type: `int8` columns need `write(int64:)`,
    /// and so on; the server rejects mismatched field sizes). Data streams to the server in chunks
    /// while `encode` runs. If `encode` throws, the COPY is aborted and nothing is inserted.
    /// Returns the number of rows the server loaded.
    @discardableResult
    public func copyIn(
        table: String, columns: [String],
        _ encode: (inout BinaryCopyWriter) throws(PostgresError) -> Void
    ) throws(PostgresError) -> Int {
        guard !columns.isEmpty, columns.count <= Int(Int16.max) else {
            throw PostgresError(.invalidArgument, "COPY needs 1...32767 columns, got \(columns.count)")
        }
        let raw = try connection()
        let columnList = columns.map(quoteIdentifier).joined(separator: ", ")
        let sql = "COPY \(quoteIdentifier(table)) (\(columnList)) FROM STDIN (FORMAT binary)"
        guard let start = PQexec(raw, sql) else { throw errors.connectionError(raw, what: "COPY") }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            let error = PQresultStatus(start) == PGRES_FATAL_ERROR
                ? errors.error(result: start, connection: raw, what: "COPY")
                : PostgresError(.protocolMismatch, "COPY: server did not enter COPY IN")
            PQclear(start)
            throw error
        }
        PQclear(start)

        let errors = self.errors
        var writer = BinaryCopyWriter(fieldCount: columns.count) { (bytes) throws(PostgresError) in
            // Bounded pieces: PQputCopyData takes an int length.
            var offset = 0
            while offset < bytes.count {
                let n = min(bytes.count - offset, 1 << 20)
                let p = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
                guard PQputCopyData(raw, p, Int32(n)) == 1 else {
                    throw errors.connectionError(raw, what: "COPY data")
                }
                offset += n
            }
        }
        do {
            try encode(&writer)
            try writer.finish()
        } catch {
            // Abort: the server answers the COPY with an error we discard in favour of the cause.
            if PQstatus(raw) == CONNECTION_OK {
                _ = PQputCopyEnd(raw, "COPY aborted by the client: \(error.message)")
                while let r = PQgetResult(raw) { PQclear(r) }
            }
            throw error
        }
        guard PQputCopyEnd(raw, nil) == 1 else { throw errors.connectionError(raw, what: "COPY end") }
        return try finishCopy(raw)
    }

    /// Bulk-loads `rows` (each with one value per column, nil = NULL) by binary COPY.
    @discardableResult
    public func copyIn(table: String, columns: [String], rows: [[PostgresValue?]]) throws(PostgresError) -> Int {
        try copyIn(table: table, columns: columns) { (writer) throws(PostgresError) in
            for row in rows {
                try writer.beginRow()
                for value in row { try writer.write(value) }
            }
        }
    }

    /// Collects the COPY's final result: the row count, or the server's error.
    private func finishCopy(_ raw: OpaquePointer) throws(PostgresError) -> Int {
        var failure: PostgresError?
        var count = 0
        while let r = PQgetResult(raw) {
            if PQresultStatus(r) == PGRES_COMMAND_OK {
                count = Int(String(cString: PQcmdTuples(r))) ?? 0
            } else if failure == nil {
                failure = errors.error(result: r, connection: raw, what: "COPY")
            }
            PQclear(r)
        }
        if let failure { throw failure }
        return count
    }
}
