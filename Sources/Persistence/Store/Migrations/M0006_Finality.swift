extension Migrations {
    /// The engine's side of L1 settlement: what it posted and how far each commitment got.
    ///
    /// - `l1_commitments` (created for reporting by 0004) gets the posting details: `id` is the
    ///   commitment's index on L1, `l1_tx_hash` the posting transaction (re-posts after a reorg
    ///   replace it), `data` the compressed batch data (what the L1 holds as calldata) with its size
    ///   and calldata gas before and after compression. `status`: 'posted' (sent, maybe included),
    ///   'l1_confirmed' (included `l1_confirmation_depth` blocks deep), 'finalized' (challenge
    ///   period over, no challenge can succeed), 'reverted' (a lost challenge reverted it).
    /// - `batches.l1_status` is the furthest L1 status of the batch's commitment (0 none, else the
    ///   `TransactionStatus` raw value: 3 POSTED, 4 L1_CONFIRMED, 5 FINALIZED, 7 REVERTED); an
    ///   accepted transaction's status is its batch's L1 status once there is one.
    static let m0006Finality = Migration(version: 6, name: "0006_finality", sql: """
        ALTER TABLE l1_commitments
            ADD COLUMN l1_tx_hash       bytea,
            ADD COLUMN data             bytea,
            ADD COLUMN data_bytes       int     NOT NULL DEFAULT 0,
            ADD COLUMN tx_count         int     NOT NULL DEFAULT 0,
            ADD COLUMN calldata_gas     bigint  NOT NULL DEFAULT 0,
            ADD COLUMN uncompressed_gas bigint  NOT NULL DEFAULT 0;
        CREATE INDEX l1_commitments_status ON l1_commitments (status) WHERE status IN ('posted', 'l1_confirmed');

        ALTER TABLE batches ADD COLUMN l1_status smallint NOT NULL DEFAULT 0;
        """)
}
