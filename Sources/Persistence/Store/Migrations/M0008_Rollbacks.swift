extension Migrations {
    /// Whether the engine has rolled its chain back for a reverted commitment
    /// (`l1_commitments.rolled_back`, set in the same transaction as the chain revert). A
    /// commitment 'reverted' and not rolled back is a rollback still owed: the finality engine
    /// does it before posting anything, also after a crash between the two.
    static let m0008Rollbacks = Migration(version: 8, name: "0008_rollbacks", sql: """
        ALTER TABLE l1_commitments ADD COLUMN rolled_back boolean NOT NULL DEFAULT false;
        """)
}
