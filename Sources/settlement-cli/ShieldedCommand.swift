import ArgumentParser

/// `settlement shielded ...`: the shielded pool's local wallet tools (no server): spending keys
/// and addresses, incoming viewing keys for auditors, and single notes sealed and opened
/// (docs/shielded.md). Each subcommand lives in its own file; a new one is added to the list
/// below.
struct ShieldedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shielded",
        abstract: "Shielded pool wallet tools: spending keys, addresses, viewing keys, note encryption.",
        discussion: "Key files hold secrets: they are created with mode 0600 and never overwritten. "
            + "Exit codes: 0 success; 1 a note is not for the key; 4 a file could not be read, written or "
            + "parsed; 64 bad usage.",
        subcommands: [ShieldedKeygen.self, ShieldedAddressCommand.self, ShieldedViewingKeyCommand.self,
                      ShieldedSealNote.self, ShieldedOpenNote.self, ShieldedShieldCommand.self, ShieldedInspectCommand.self])
}
