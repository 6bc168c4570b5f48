extension Migrations {
    /// Reverting the chain after a lost fraud-proof game (`PostgresSettlementStore+Revert`).
    ///
    /// Reverted batches and their transactions are moved out of `batches` / `transactions` into
    /// `reverted_batches` / `reverted_transactions` (same columns plus the revert's id), so the
    /// live tables always hold one unbroken chain, and batch numbers continue from the last valid
    /// batch: every rule that reads `batches` (chain links, replay, followers, commitments'
    /// contiguous ranges) stays as it is. `chain_reverts` records each revert.
    static let m0007ChainReverts = Migration(version: 7, name: "0007_chain_reverts", sql: """
        CREATE TABLE chain_reverts (
            id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            from_batch        bigint      NOT NULL,
            to_batch          bigint      NOT NULL,
            valid_root        bytea       NOT NULL,
            term              bigint      NOT NULL,
            commitment_index  bigint,
            reverted_at       timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE reverted_batches (LIKE batches INCLUDING DEFAULTS);
        ALTER TABLE reverted_batches ADD COLUMN revert_id bigint NOT NULL REFERENCES chain_reverts (id);
        CREATE INDEX reverted_batches_number ON reverted_batches (number);

        CREATE TABLE reverted_transactions (LIKE transactions INCLUDING DEFAULTS);
        ALTER TABLE reverted_transactions ADD COLUMN revert_id bigint NOT NULL REFERENCES chain_reverts (id);
        CREATE INDEX reverted_transactions_id ON reverted_transactions (id);
        """)
}
