import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a running PostgreSQL server wrote to `postmaster.pid` in its data directory: how other
/// processes (the `settlement report` command) reach an `EmbeddedPostgres` started by someone
/// else, whatever port it picked.
///
/// The file's lines (PostgreSQL's `pidfile.h`): 1 the postmaster's pid, 2 the data directory,
/// 3 the start time, 4 the port, 5 the first Unix socket directory (empty when none), 6 the first
/// listen address (empty when TCP is off), 7 the shared memory key, 8 the status.
public struct PostmasterPID: Sendable, Equatable {
    public let pid: Int32
    public let port: Int
    /// Where the Unix socket is; nil when the server has none.
    public let socketDirectory: String?
    /// The first TCP listen address; nil when the server does not listen on TCP.
    public let listenAddress: String?

    /// Parses the file's text. nil when it lacks a pid or a port.
    public init?(text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 4, let pid = Int32(lines[0]), pid > 0,
              let port = Int(lines[3]), (1...65535).contains(port) else { return nil }
        self.pid = pid
        self.port = port
        socketDirectory = lines.count > 4 && !lines[4].isEmpty ? lines[4] : nil
        let address = lines.count > 5 ? lines[5].split(separator: ",").first.map(String.init) ?? "" : ""
        listenAddress = address.trimmingCharacters(in: .whitespaces).isEmpty ? nil : address.trimmingCharacters(in: .whitespaces)
    }

    /// Reads `dataDirectory/postmaster.pid` and checks that its process is alive.
    ///
    /// Throws `.embeddedServer` with a message naming the directory when there is no server
    /// (no file, an unreadable or malformed one, or a pid that no longer runs).
    public static func read(dataDirectory: String) throws(PostgresError) -> PostmasterPID {
        let path = dataDirectory + "/postmaster.pid"
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: dataDirectory)
            throw PostgresError(.embeddedServer, exists
                ? "no PostgreSQL server is running on \(dataDirectory) (no readable postmaster.pid)"
                : "\(dataDirectory) does not exist: no embedded PostgreSQL was ever started there")
        }
        guard let parsed = PostmasterPID(text: String(decoding: data, as: UTF8.self)) else {
            throw PostgresError(.embeddedServer, "\(path) is not a postmaster.pid file PostgreSQL wrote (no pid or port)")
        }
        // EPERM: alive but another user's (the server runs as `postgres` when started by root).
        guard kill(parsed.pid, 0) == 0 || errno == EPERM else {
            throw PostgresError(.embeddedServer,
                                "the PostgreSQL server of \(dataDirectory) is not running (stale postmaster.pid, pid \(parsed.pid))")
        }
        return parsed
    }

    /// A libpq conninfo for this server: TCP to its listen address (a wildcard becomes loopback),
    /// else its Unix socket.
    public func connectionString(user: String, database: String) -> String {
        let host: String
        switch listenAddress {
        case nil: host = socketDirectory ?? "127.0.0.1"
        case "*", "0.0.0.0": host = "127.0.0.1"
        case "::": host = "::1"
        case let address?: host = address
        }
        return "host='\(Self.quoted(host))' port=\(port) user='\(Self.quoted(user))' dbname='\(Self.quoted(database))'"
    }

    /// A conninfo value between single quotes: backslashes and quotes escaped.
    static func quoted(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }
}
