import ArgumentParser
import Foundation
import Settlement

/// How this process takes part in a replica set on one database (every replica runs the same
/// binary; the lease in the database decides which one sequences).
struct ReplicaOptions: ParsableArguments {
    @Option(help: "This replica's id, unique among the replicas of one database. Env: SETTLEMENT_REPLICA_ID. Default: HOSTNAME:PORT (with the embedded database: HOSTNAME-embedded; with port 0: HOSTNAME-<random>). A restarted replica with the same id takes its lease back at once.")
    var replicaId: String?

    @Option(help: "HOST:PORT where the other replicas reach this one to forward transactions when it leads. Env: SETTLEMENT_ADVERTISE. Default: the listen address (0.0.0.0 and :: become 127.0.0.1).")
    var advertise: String?

    @Option(help: "Secret shared by the replicas: the internal Forward call then requires it, and forwarded transfers carrying it skip signature recovery on the leader. Env: SETTLEMENT_CLUSTER_SECRET. Without it the leader re-verifies every forwarded signature and applies full admission. Prefer --cluster-secret-file: the command line shows in ps (refused with --production).")
    var clusterSecret: String?

    @Option(help: "File holding the cluster secret (one line). Env: SETTLEMENT_CLUSTER_SECRET_FILE.")
    var clusterSecretFile: String?

    @Option(help: "Sequencer lease lifetime, ms (default 3000): how long a dead leader holds up sequencing. Env: SETTLEMENT_LEASE_TTL_MS.")
    var leaseTtlMs: Int?

    @Option(help: "Write a state snapshot every N batches (default 500, 0 = never). Env: SETTLEMENT_SNAPSHOT_INTERVAL_BATCHES.")
    var snapshotIntervalBatches: Int?

    /// The settings, with defaults derived from where the engine listens.
    func resolve(source: SettingSource, production: Bool, listenHost: String, listenPort: Int,
                 embeddedDatabase: Bool) throws -> (ReplicationSettings, secret: String?) {
        let host = ProcessInfo.processInfo.hostName
        let id = try source.value(.replicaId, flag: replicaId) ?? {
            if embeddedDatabase { return "\(host)-embedded" }
            if listenPort != 0 { return "\(host):\(listenPort)" }
            return "\(host)-\(UInt32.random(in: .min ... .max))"
        }()
        let advertiseHost = ["0.0.0.0", "::", ""].contains(listenHost) ? "127.0.0.1" : listenHost
        let endpoint = try source.value(.advertise, flag: advertise)
            ?? (advertiseHost.contains(":") ? "[\(advertiseHost)]:\(listenPort)" : "\(advertiseHost):\(listenPort)")
        var s = ReplicationSettings(replicaId: id, endpoint: endpoint)
        if let v = try source.value(.leaseTtlMs, flag: leaseTtlMs) {
            guard v > 0 else { throw SettingProblem(description: "lease_ttl_ms must be positive, got \(v)") }
            s.leaseTtlMs = v
            s.leaseCheckIntervalMs = max(50, min(500, v / 4))
        }
        if let v = try source.value(.snapshotIntervalBatches, flag: snapshotIntervalBatches) { s.snapshotIntervalBatches = v }
        let secret = try source.secret(.clusterSecret, flag: clusterSecret, fileKey: .clusterSecretFile,
                                       fileFlag: clusterSecretFile, production: production)
        return (s, secret)
    }
}
