import ArgumentParser
import Foundation

/// `--admin-server`: the engine's admin listener, which alone serves the L1 simulator's demo
/// calls that act on the L1 as any address (`deposit`, `validator register|stake|unstake|withdraw`,
/// `l1 reorg`). The engine refuses them on its public listener (PERMISSION_DENIED) and everywhere
/// under `--production`; it prints its admin address at start-up
/// (`settlement-engine admin listening on HOST:PORT`). TLS settings are those of `--server`'s
/// options: the admin listener serves the same transport as the public one.
struct AdminServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The engine's admin listener HOST:PORT (it prints \"settlement-engine admin listening on …\" at start-up). "
            + "Env: SETTLEMENT_ADMIN_SERVER.", valueName: "host:port"))
    var adminServer: String?

    /// `--admin-server`, else `SETTLEMENT_ADMIN_SERVER`.
    var address: String? {
        adminServer ?? ProcessInfo.processInfo.environment["SETTLEMENT_ADMIN_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        if let a = address, ServerAddress(a) == nil {
            throw ValidationError("--admin-server must be HOST:PORT with a port in 1...65535, got \"\(a)\"")
        }
    }

    /// `connection` pointed at the admin listener (same TLS settings).
    func connection(_ connection: ServerOptions) throws -> ServerOptions {
        guard let address else {
            throw CLIError.input("this command acts on the L1 as any address and is served only on the engine's admin "
                                     + "listener: pass --admin-server HOST:PORT (or SETTLEMENT_ADMIN_SERVER); the engine "
                                     + "prints \"settlement-engine admin listening on HOST:PORT\" at start-up")
        }
        var c = connection
        c.server = address
        return c
    }
}
