/// How this engine takes part in a replica set on one database.
public struct ReplicationSettings: Sendable {
    /// This replica's id (unique in the set; a restart with the same id may take its own lease back at once).
    public var replicaId: String
    /// Where this replica takes forwarded transactions when it leads (`host:port`).
    public var endpoint: String
    /// Lease lifetime; a leader that has not renewed for this long can be replaced.
    public var leaseTtlMs = 3_000
    /// How often the lease is renewed (leader) or checked (followers).
    public var leaseCheckIntervalMs = 500
    /// The leader writes a state snapshot every this many batches (0: never).
    public var snapshotIntervalBatches = 500

    public init(replicaId: String, endpoint: String) {
        self.replicaId = replicaId
        self.endpoint = endpoint
    }

    public func problems() -> [String] {
        var p: [String] = []
        if replicaId.isEmpty || replicaId.utf8.count > 200 { p.append("replica_id must be 1 to 200 bytes") }
        if leaseTtlMs < 200 { p.append("lease_ttl_ms must be at least 200, got \(leaseTtlMs)") }
        if leaseCheckIntervalMs <= 0 || leaseCheckIntervalMs * 2 > leaseTtlMs {
            p.append("lease_check_interval_ms must be positive and at most half of lease_ttl_ms (\(leaseTtlMs)), got \(leaseCheckIntervalMs)")
        }
        if snapshotIntervalBatches < 0 { p.append("snapshot_interval_batches must not be negative") }
        return p
    }
}
