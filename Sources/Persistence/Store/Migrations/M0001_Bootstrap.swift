extension Migrations {
    /// The table that records applied migrations. Nothing else.
    static let m0001Bootstrap = Migration(version: 1, name: "0001_bootstrap", sql: """
        CREATE TABLE schema_migrations (
            version     integer     PRIMARY KEY,
            name        text        NOT NULL,
            checksum    text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        """)
}
