import CLibPQ
import Foundation

extension PostgresConnection {
    /// LISTENs to `channel`; its notifications arrive on `notifications`.
    ///
    /// While idle, the connection's thread polls the libpq socket and reads notifications as they
    /// come (no query needed to pick them up). If the connection is lost the stream finishes.
    public func listen(_ channel: String) throws(PostgresError) {
        try execute("LISTEN \(quoteIdentifier(channel))")
        let raw = try connection()
        let handle = self.handle, sink = notificationSink, thread = self.thread
        thread.setWatch(fd: PQsocket(raw)) {
            guard let raw = handle.raw else {
                thread.setWatch(fd: nil, handler: nil)
                return
            }
            if PQconsumeInput(raw) == 0 || PQstatus(raw) != CONNECTION_OK {
                // Lost: stop watching a dead socket (it would stay readable) and end the stream.
                PostgresConnection.drainNotifications(raw, into: sink)
                thread.setWatch(fd: nil, handler: nil)
                sink.finish()
                return
            }
            PostgresConnection.drainNotifications(raw, into: sink)
        }
    }

    /// Stops listening to `channel`.
    public func unlisten(_ channel: String) throws(PostgresError) {
        try execute("UNLISTEN \(quoteIdentifier(channel))")
    }

    /// Sends a notification (`pg_notify`, so any channel name and payload work).
    public func notify(_ channel: String, payload: String = "") throws(PostgresError) {
        try query("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }
}
