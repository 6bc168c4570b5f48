extension Migrations {
    /// Replicas on one database: the sequencer lease (one row), the history of leadership terms,
    /// and the replicas' heartbeats (used by `SequencerLease` and the reporting views).
    ///
    /// - `sequencer_lease.term` grows by one with every change of holder; each batch records the
    ///   term of the leader that wrote it, and `PostgresSettlementStore.commit` checks inside its
    ///   transaction (holding the lease row `FOR SHARE`) that the term is still current, so a
    ///   deposed or paused leader can never commit (fencing).
    /// - `batches.account_count` is the number of accounts after the batch (state size, for
    ///   reporting); 0 in rows written before this migration.
    /// - `endpoint` is where the holder takes forwarded transactions (host:port of its RPC server).
    static let m0003Replicas = Migration(version: 3, name: "0003_replicas", sql: """
        CREATE TABLE sequencer_lease (
            singleton    boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
            holder       text        NOT NULL,
            endpoint     text        NOT NULL,
            term         bigint      NOT NULL,
            acquired_at  timestamptz NOT NULL DEFAULT now(),
            expires_at   timestamptz NOT NULL
        );

        CREATE TABLE leader_terms (
            term         bigint      PRIMARY KEY,
            holder       text        NOT NULL,
            endpoint     text        NOT NULL,
            acquired_at  timestamptz NOT NULL DEFAULT now(),
            previous     text
        );

        CREATE TABLE replicas (
            id           text        PRIMARY KEY,
            endpoint     text        NOT NULL,
            started_at   timestamptz NOT NULL DEFAULT now(),
            last_seen    timestamptz NOT NULL DEFAULT now(),
            role         text        NOT NULL,
            applied_batch bigint     NOT NULL DEFAULT 0
        );

        ALTER TABLE batches ADD COLUMN account_count bigint NOT NULL DEFAULT 0;
        """)
}
