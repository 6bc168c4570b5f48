import Logging
import PostgresDriver

/// Applies `Migrations.all` (or a given list) at start-up.
///
/// Everything happens in one transaction holding `pg_advisory_xact_lock(lockKey)`, so replicas
/// starting together apply each migration exactly once: the second waits for the first, then sees
/// its work. The migrator refuses to run (`.migration`) when the database has a version this
/// binary does not know (a newer binary migrated it), or when an applied migration's SQL changed.
public struct Migrator: Sendable {
    /// The advisory lock key ("settlement-engine migrations"): the same in every replica.
    public static let lockKey: Int64 = 0x5345_544C_4D49_4752  // "SETLMIGR"

    public let migrations: [Migration]
    private let logger: Logger

    /// Checks that versions are positive and strictly increasing.
    public init(migrations: [Migration] = Migrations.all,
                logger: Logger = Logger(label: "persistence.migrator")) throws(PostgresError) {
        var previous = 0
        for m in migrations {
            guard m.version > previous else {
                throw PostgresError(.migration, "migration versions must increase: \(m.version) (\(m.name)) after \(previous)")
            }
            previous = m.version
        }
        self.migrations = migrations
        self.logger = logger
    }

    /// What `migrate` did.
    public struct Report: Sendable, Equatable {
        /// Versions applied by this call, in order.
        public let applied: [Int]
        /// The schema version afterwards.
        public let version: Int
    }

    /// Brings the database up to the newest known version. Safe to call from many replicas at
    /// once and on every start.
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> Report {
        let migrations = self.migrations
        let report = try await connection.transaction { conn in
            try conn.query("SELECT pg_advisory_xact_lock($1)", [.int64(Self.lockKey)])
            let exists = try conn.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
            var applied: [Int: String] = [:]
            if try exists.first?.bool(0) == true {
                for row in try conn.query("SELECT version, checksum FROM schema_migrations") {
                    applied[try row.int(0)] = try row.string(1)
                }
            }
            try Self.check(applied: applied, known: migrations)
            var done: [Int] = []
            for m in migrations where applied[m.version] == nil {
                do {
                    try conn.execute(m.sql)
                    try conn.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                                   [.int32(Int32(m.version)), .text(m.name), .text(m.checksum)])
                } catch {
                    throw PostgresError(.migration, "migration \(m.name) failed: \(error)",
                                        sqlState: (error as? PostgresError)?.sqlState)
                }
                done.append(m.version)
            }
            return Report(applied: done, version: migrations.last?.version ?? 0)
        }
        if !report.applied.isEmpty {
            logger.info("applied migrations", metadata: ["versions": "\(report.applied)", "version": "\(report.version)"])
        }
        return report
    }

    /// Refuses unknown (newer) versions and edited migrations.
    static func check(applied: [Int: String], known: [Migration]) throws(PostgresError) {
        let byVersion = Dictionary(uniqueKeysWithValues: known.map { ($0.version, $0) })
        let newest = known.last?.version ?? 0
        if let unknown = applied.keys.filter({ byVersion[$0] == nil }).max() {
            throw PostgresError(.migration, """
                the database schema is at version \(applied.keys.max() ?? unknown), which this binary does not \
                know (it knows up to \(newest)); a newer release migrated it. Refusing to start: run that \
                release or newer.
                """)
        }
        for (version, checksum) in applied {
            if let m = byVersion[version], m.checksum != checksum {
                throw PostgresError(.migration, "applied migration \(m.name) differs from this binary's (checksum \(checksum) ≠ \(m.checksum)); migrations must never be edited")
            }
        }
    }
}
