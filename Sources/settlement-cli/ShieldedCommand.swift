import ArgumentParser

/// `settlement shielded ...`: the shielded pool's wallet tools: offline, spending keys and
/// addresses, incoming viewing keys for auditors, single notes sealed and opened; online, a
/// wallet that scans the engine's notes and shields, sends, unshields and submits
/// (docs/shielded.md, "Client and API"). Each subcommand lives in its own file; a new one is added to the list
/// below.
struct ShieldedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shielded",
        abstract: "Shielded pool wallet: keys, addresses, viewing keys, note encryption; scan, balance, shield, send, unshield.",
        discussion: "Key files hold secrets: they are created with mode 0600 and never overwritten. "
            + "Exit codes: 0 success; 1 a note is not for the key; 4 a file could not be read, written or "
            + "parsed; 64 bad usage.",
        subcommands: [ShieldedKeygen.self, ShieldedAddressCommand.self, ShieldedViewingKeyCommand.self,
                      ShieldedSealNote.self, ShieldedOpenNote.self, ShieldedShieldCommand.self, ShieldedInspectCommand.self,
                      ShieldedScanCommand.self, ShieldedBalanceCommand.self, ShieldedSendCommand.self,
                      ShieldedUnshieldCommand.self, ShieldedSubmitCommand.self])
}
