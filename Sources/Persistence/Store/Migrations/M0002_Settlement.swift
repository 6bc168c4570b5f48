extension Migrations {
    /// The settlement chain: chain identity, batches with their state diffs, executed
    /// transactions, state snapshots (used by `PostgresSettlementStore`).
    ///
    /// Deliberate departures from the first sketch, for bulk COPY of every batch's transactions
    /// (20k rows/s and more):
    /// - `transactions` is keyed by `(batch_number, idx)`, not by `id`. Batch numbers only grow,
    ///   so this primary key appends at the right edge of its B-tree (cheap) and serves "the ids of
    ///   batch N in order". It is also correct: the same signed transfer can be executed twice
    ///   (rejected for an insufficient balance, then resubmitted and accepted in a later batch), so
    ///   `id` is not unique and a primary key on it would fail that later batch's commit forever.
    /// - `id` has a plain (non-unique) B-tree index for status queries; the newest execution wins.
    /// - No foreign key from `transactions` to `batches`: it costs a per-row trigger and lookup
    ///   during COPY, and the store inserts a batch's row and its transactions in one database
    ///   transaction (the batch row first), so the reference holds by construction. Batches are
    ///   never deleted.
    /// - State diffs (~120 KB for a batch of 1,000 transfers) and snapshots are compressed with
    ///   lz4: the default pglz took ~15 ms per batch, 40% of a commit, for the same ratio (~0.6).
    ///   Servers built without lz4 store them uncompressed instead.
    static let m0002Settlement = Migration(version: 2, name: "0002_settlement", sql: """
        CREATE TABLE chain_meta (
            key    text  PRIMARY KEY,
            value  bytea NOT NULL
        );

        CREATE TABLE batches (
            number          bigint      PRIMARY KEY,
            prev_root       bytea       NOT NULL,
            new_root        bytea       NOT NULL,
            tx_count        int         NOT NULL,
            accepted_count  int         NOT NULL,
            created_at      timestamptz NOT NULL,
            committed_at    timestamptz NOT NULL DEFAULT now(),
            term            bigint      NOT NULL DEFAULT 0,
            state_diff      bytea       NOT NULL
        );

        CREATE TABLE transactions (
            batch_number  bigint   NOT NULL,
            idx           int      NOT NULL,
            id            bytea    NOT NULL,
            sender        bytea    NOT NULL,
            recipient     bytea    NOT NULL,
            value         bytea    NOT NULL,
            fee           bytea    NOT NULL,
            nonce         bigint   NOT NULL,
            chain_id      bigint   NOT NULL,
            signature     bytea    NOT NULL,
            status        smallint NOT NULL,
            reason        text     NOT NULL,
            received_at   timestamptz,
            PRIMARY KEY (batch_number, idx)
        );
        CREATE INDEX transactions_id ON transactions (id);

        CREATE TABLE snapshots (
            batch_number  bigint      PRIMARY KEY,
            root          bytea       NOT NULL,
            data          bytea       NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now()
        );

        DO $$
        BEGIN
            ALTER TABLE batches ALTER COLUMN state_diff SET COMPRESSION lz4;
            ALTER TABLE snapshots ALTER COLUMN data SET COMPRESSION lz4;
        EXCEPTION WHEN OTHERS THEN
            ALTER TABLE batches ALTER COLUMN state_diff SET STORAGE EXTERNAL;
            ALTER TABLE snapshots ALTER COLUMN data SET STORAGE EXTERNAL;
        END
        $$;
        """)
}
