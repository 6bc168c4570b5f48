extension Migrations {
    /// The shielded pool (docs/shielded.md, "Persistence"), written with each batch in its commit
    /// transaction (`PostgresSettlementStore+ShieldedWrite`):
    /// - `shielded_transactions`: the batch's shielded lane, executed after its transfers (`idx`
    ///   continues their numbering), with the canonical encoding so it can be served again;
    /// - `shielded_notes`: every appended note by its leaf position (what wallets scan);
    /// - `shielded_nullifiers`: every spent nullifier, unique (a second spend of one cannot be
    ///   made durable), with its order in the batch;
    /// - `shielded_roots`: the pool's roots after each batch that changed it.
    ///
    /// Like `transactions`, nothing references `batches` by foreign key (the rows are written after
    /// the batch row in one transaction), and every table is indexed by batch for a chain revert,
    /// which moves the lane to `reverted_shielded_transactions` and deletes the pool's rows.
    static let m0009Shielded = Migration(version: 9, name: "0009_shielded", sql: """
        CREATE TABLE shielded_transactions (
            batch_number  bigint      NOT NULL,
            idx           int         NOT NULL,
            id            bytea       NOT NULL,
            kind          smallint    NOT NULL,
            status        smallint    NOT NULL,
            reason        text        NOT NULL,
            received_at   timestamptz,
            encoded       bytea       NOT NULL,
            PRIMARY KEY (batch_number, idx)
        );
        CREATE INDEX shielded_transactions_id ON shielded_transactions (id);

        CREATE TABLE shielded_notes (
            position      bigint  PRIMARY KEY,
            batch_number  bigint  NOT NULL,
            commitment    bytea   NOT NULL CHECK (length(commitment) = 32),
            ciphertext    bytea   NOT NULL CHECK (length(ciphertext) = 121)
        );
        CREATE INDEX shielded_notes_batch ON shielded_notes (batch_number);

        CREATE TABLE shielded_nullifiers (
            nullifier     bytea   PRIMARY KEY CHECK (length(nullifier) = 32),
            batch_number  bigint  NOT NULL,
            idx           int     NOT NULL
        );
        CREATE INDEX shielded_nullifiers_batch ON shielded_nullifiers (batch_number, idx);

        CREATE TABLE shielded_roots (
            batch_number    bigint  PRIMARY KEY,
            note_count      bigint  NOT NULL,
            note_root       bytea   NOT NULL,
            nullifier_root  bytea   NOT NULL
        );

        CREATE TABLE reverted_shielded_transactions (LIKE shielded_transactions INCLUDING DEFAULTS);
        ALTER TABLE reverted_shielded_transactions ADD COLUMN revert_id bigint NOT NULL REFERENCES chain_reverts (id);
        CREATE INDEX reverted_shielded_transactions_id ON reverted_shielded_transactions (id);
        """)
}
