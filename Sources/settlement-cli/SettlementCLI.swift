import ArgumentParser
import BuildInfo

/// `settlement`: the command-line client of the settlement engine's gRPC API
/// (`settlement.v1.Settlement`): make keys, sign and submit transfers, follow them, read accounts
/// with a locally verified Merkle proof, batches and metrics; L1 commitments, challenge games,
/// validator stakes, withdrawals and deposits (`settlement.v1.Validator`); and `report`, which reads the
/// reporting views straight from PostgreSQL.
@main
struct SettlementCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlement",
        abstract: "Client of the L2 settlement engine (gRPC over HTTP/2, h2c or TLS).",
        discussion: """
            The engine's address comes from --server HOST:PORT or SETTLEMENT_SERVER (default 127.0.0.1:50051); \
            --tls-ca FILE (or SETTLEMENT_TLS_CA) connects with TLS.

            Exit codes: 0 success; 1 the transfer was rejected or a proof did not verify; 2 the server answered \
            with a gRPC error; 3 the server could not be reached or was unavailable; 4 bad local input \
            (key, file); 64 bad usage; 130 interrupted.
            """,
        version: BuildInfo.versionLine,
        subcommands: [Keygen.self, Submit.self, Status.self, Watch.self, AccountCommand.self, Metrics.self,
                      BatchCommand.self, ReportCommand.self, FinalityCommand.self, ChallengesCommand.self,
                      ValidatorCommand.self, WithdrawCommand.self, DepositCommand.self, ForceCommand.self, L1Command.self, ZKCommand.self,
                      ShieldedCommand.self])
}
