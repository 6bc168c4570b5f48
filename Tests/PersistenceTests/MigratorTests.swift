import Foundation
import Persistence
import PostgresDriver
import XCTest

final class MigratorTests: PostgresTestCase {
    /// Only the bootstrap migration (the product's later migrations are not part of these tests).
    private var bootstrapOnly: [Migration] { [Migrations.all[0]] }

    private var sample: [Migration] {
        bootstrapOnly + [
            Migration(version: 2, name: "0002_items", sql: "CREATE TABLE items (id int8 PRIMARY KEY, v text);"),
            Migration(version: 3, name: "0003_items_index", sql: "CREATE INDEX items_v ON items (v);"),
        ]
    }

    func testBootstrapOnlyCreatesSchemaMigrations() async throws {
        let conn = try await connect()
        let report = try await Migrator(migrations: bootstrapOnly).migrate(on: conn)
        XCTAssertEqual(report.applied, [1])
        XCTAssertEqual(report.version, 1)
        let tables = try await conn.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        XCTAssertEqual(try tables.map { try $0.string(0) }, ["schema_migrations"])
    }

    func testProductMigrationsApplyInOrder() async throws {
        let conn = try await connect()
        let report = try await Migrator().migrate(on: conn)
        XCTAssertEqual(report.applied, Migrations.all.map(\.version))
        let again = try await Migrator().migrate(on: conn)
        XCTAssertEqual(again.applied, [])
    }

    func testMigrationsApplyOnceAndAreIdempotent() async throws {
        let conn = try await connect()
        let first = try await Migrator(migrations: sample).migrate(on: conn)
        XCTAssertEqual(first.applied, [1, 2, 3])
        let second = try await Migrator(migrations: sample).migrate(on: conn)
        XCTAssertEqual(second.applied, [])
        let rows = try await conn.query("SELECT version, name FROM schema_migrations ORDER BY version")
        XCTAssertEqual(try rows.map { try $0.string(1) }, ["0001_bootstrap", "0002_items", "0003_items_index"])
        // An older binary (knowing 1 and 2) still adds later migrations incrementally: here the
        // reverse, a binary knowing only 1 first, then all.
        let other = try await PostgresTestServer.shared.makeDatabase()
        let c2 = try await PostgresConnection.connect(other.url)
        let older = try await Migrator(migrations: bootstrapOnly).migrate(on: c2)
        XCTAssertEqual(older.applied, [1])
        let newer = try await Migrator(migrations: sample).migrate(on: c2)
        XCTAssertEqual(newer.applied, [2, 3])
        await c2.close()
        try await PostgresTestServer.shared.dropDatabase(other.name)
    }

    func testConcurrentMigratorsDoNotConflict() async throws {
        let a = try await connect(), b = try await connect()
        let migrations = sample + [
            // Slow enough that both migrators overlap.
            Migration(version: 4, name: "0004_slow", sql: "SELECT pg_sleep(0.5);"),
        ]
        let migrator = try Migrator(migrations: migrations)
        async let ra = migrator.migrate(on: a)
        async let rb = migrator.migrate(on: b)
        let (x, y) = try await (ra, rb)
        XCTAssertEqual((x.applied + y.applied).sorted(), [1, 2, 3, 4])
        XCTAssertTrue(x.applied.isEmpty || y.applied.isEmpty)
        let count = try await a.query("SELECT count(*) FROM schema_migrations")
        XCTAssertEqual(try count[0].int64(0), 4)
    }

    func testRefusesNewerSchemaAndEditedMigrations() async throws {
        let conn = try await connect()
        try await Migrator(migrations: sample).migrate(on: conn)
        do {
            try await Migrator(migrations: bootstrapOnly).migrate(on: conn)  // knows only version 1
            XCTFail("expected refusal")
        } catch let error as PostgresError {
            XCTAssertEqual(error.kind, .migration)
            XCTAssertTrue(error.message.contains("version 3"), error.message)
        }
        var edited = sample
        edited[1] = Migration(version: 2, name: "0002_items", sql: "CREATE TABLE items (id int4);")
        do {
            try await Migrator(migrations: edited).migrate(on: conn)
            XCTFail("expected refusal")
        } catch let error as PostgresError {
            XCTAssertEqual(error.kind, .migration)
        }
        XCTAssertThrowsError(try Migrator(migrations: [sample[1], sample[0]]))
    }

    func testFailedMigrationLeavesNothingBehind() async throws {
        let conn = try await connect()
        let bad = bootstrapOnly + [Migration(version: 2, name: "0002_bad", sql: "CREATE TABLE ok (x int); SELECT 1/0;")]
        do {
            try await Migrator(migrations: bad).migrate(on: conn)
            XCTFail("expected failure")
        } catch let error as PostgresError {
            XCTAssertEqual(error.kind, .migration)
            XCTAssertEqual(error.sqlState, "22012")
        }
        let exists = try await conn.query("SELECT to_regclass('schema_migrations') IS NULL AND to_regclass('ok') IS NULL")
        XCTAssertTrue(try exists[0].bool(0))
    }
}
