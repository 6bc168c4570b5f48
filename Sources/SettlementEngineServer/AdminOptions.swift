import ArgumentParser

/// The admin listener: a second gRPC listener that alone serves the L1 simulator's conveniences
/// that act on the L1 as any address (`Deposit`, `RegisterValidator`, `AddStake`,
/// `RequestUnstake`, `WithdrawStake`, `InjectL1Reorg`; see `ValidatorService.adminMethods`).
///
/// Anyone who reaches it can move anybody's L1 funds in the simulator, so it listens on loopback
/// by default and a non-loopback address is refused unless `--admin-allow-remote` says so
/// explicitly (for a container whose loopback is not reachable from the demo tooling). Under
/// `--production` it is not opened at all: those calls are refused on every listener.
struct AdminOptions: ParsableArguments {
    @Option(help: "Admin listener, HOST:PORT, serving the L1 simulator's demo calls (deposit, validator stakes, reorg injection) that the public listener refuses; \"off\" for none. Loopback only unless --admin-allow-remote. Not opened with --production. Env: SETTLEMENT_ADMIN_LISTEN. Default 127.0.0.1:0 (an ephemeral port, printed at start-up).")
    var adminListen: String?

    @Flag(inversion: .prefixedNo, help: "Allow a non-loopback --admin-listen address (anyone reaching it acts on the L1 as any address). Env: SETTLEMENT_ADMIN_ALLOW_REMOTE (true/false).")
    var adminAllowRemote: Bool?

    /// The admin address to open: nil for none ("off", or a production engine).
    func resolve(source: SettingSource, production: Bool) throws -> ListenAddress? {
        let text = try source.value(.adminListen, flag: adminListen, default: "127.0.0.1:0")
        let allowRemote = try source.value(.adminAllowRemote, flag: adminAllowRemote, default: false)
        if production || text == "off" { return nil }
        guard let address = ListenAddress(text) else {
            throw SettingProblem(description: "admin_listen must be HOST:PORT with a port in 0...65535 or \"off\", got \"\(text)\"")
        }
        guard allowRemote || Self.isLoopback(address.host) else {
            throw SettingProblem(description: "admin_listen \(text) is not a loopback address: the admin listener acts on the L1 as "
                                     + "any address; add --admin-allow-remote to open it anyway")
        }
        return address
    }

    /// 127.0.0.0/8, ::1 and localhost.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
