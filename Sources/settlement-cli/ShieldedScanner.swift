import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI
import ZK

/// The wallet options of the online shielded commands: the spending key and its state file.
struct ShieldedWalletOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The wallet's spending-key file (settlement shielded keygen).", valueName: "file"))
    var spendingKeyFile: String

    @Option(help: ArgumentHelp("The wallet state file (scanned position, commitments, own notes); default "
                                   + "<spending-key-file>.wallet, created with mode 0600.", valueName: "file"))
    var wallet: String?

    var walletPath: String { wallet ?? ShieldedWallet.defaultPath(keyFile: spendingKeyFile) }

    /// Loads the wallet, scans it against the engine, saves it.
    func scanAndSave(_ connection: ServerOptions, timeout: Int) async throws -> (ShieldedWallet, ShieldedScanner.Report) {
        let key = try ShieldedKeyFiles.readSpendingKey(spendingKeyFile)
        var wallet = try ShieldedWallet.load(walletPath, key: key)
        let (report, _) = try await connection.withClient { client in
            try await ShieldedScanner(client: client, key: key, timeout: .seconds(timeout)).scan(&wallet)
        }
        try wallet.save(walletPath, key: key)
        return (wallet, report)
    }
}

/// Brings a wallet up to date with the engine: downloads the notes after its position
/// (`ScanShieldedNotes`), keeps every commitment and the notes its key opens, marks its spent
/// notes (`GetNullifierStatus`), and starts again from position 0 when the engine's pool is no
/// longer the one it scanned (fewer notes than it has seen, or another commitment at a position
/// it knows: a reverted batch).
struct ShieldedScanner {
    let client: SettlementClient
    let key: SpendingKey
    let timeout: Duration

    /// What one scan found.
    struct Report {
        var rescanned = false
        var scanned: UInt64 = 0
        var received: [ShieldedWallet.OwnNote] = []
        var newlySpent: [ShieldedWallet.OwnNote] = []
    }

    func scan(_ wallet: inout ShieldedWallet) async throws -> (Report, SettlementV1.ShieldedState) {
        var report = Report()
        let state: SettlementV1.ShieldedState = try await client.unary(
            SettlementMethods.getShieldedState, SettlementV1.GetShieldedStateRequest(), timeout: timeout)
        if state.noteCount < wallet.position {
            printNote("the engine holds \(state.noteCount) notes, the wallet has seen \(wallet.position): rescanning from 0")
            wallet.reset()
            report.rescanned = true
        } else if wallet.position > 0 {
            // The last commitment the wallet knows must still be there (a revert replaces it).
            let last = wallet.position - 1
            let page = try await notes(from: last, max: 1)
            if page.first.map({ $0.position != last || $0.commitment != wallet.commitments[Int(last)].bigEndianBytes }) ?? true {
                printNote("the engine's note \(last) differs from the wallet's: rescanning from 0")
                wallet.reset()
                report.rescanned = true
            }
        }
        try await download(into: &wallet, report: &report)
        try await markSpent(&wallet, report: &report)
        return (report, state)
    }

    /// Every durable note after the wallet's position, call after call until one reaches the end.
    private func download(into wallet: inout ShieldedWallet, report: inout Report) async throws {
        while true {
            var reachedEnd = false
            let start = wallet.position
            let stream: ResponseStream<SettlementV1.ShieldedNotes>
            do {
                stream = try SettlementV1.SettlementClient(client.rpc).scanShieldedNotes(
                    SettlementV1.ScanShieldedNotesRequest(fromPosition: wallet.position), timeout: timeout)
            } catch let e as RPCError {
                throw CLIError.rpc(method: "ScanShieldedNotes", server: client.display, error: e)
            }
            do {
                for try await page in stream {
                    for wire in page.notes { try take(wire, into: &wallet, report: &report) }
                    if page.end { reachedEnd = true }
                }
            } catch let e as RPCError {
                throw CLIError.rpc(method: "ScanShieldedNotes", server: client.display, error: e)
            }
            if reachedEnd { return }
            guard wallet.position > start else {
                throw CLIError.input("ScanShieldedNotes ended without notes and without reaching the end")
            }
        }
    }

    /// One downloaded note: checked (its position is the next, its fields well formed), its
    /// commitment kept, opened with the key when it is the wallet's.
    private func take(_ wire: SettlementV1.ShieldedNote, into wallet: inout ShieldedWallet, report: inout Report) throws {
        guard wire.position == wallet.position else {
            throw CLIError.input("the engine sent note \(wire.position) where \(wallet.position) was due")
        }
        guard wire.commitment.count == 32, let commitment = Fr(bigEndian: wire.commitment) else {
            throw CLIError.input("the engine sent note \(wire.position) with a malformed commitment")
        }
        guard wire.position < UInt64(UInt32.max) else { throw CLIError.input("the note tree is full") }
        wallet.commitments.append(commitment)
        report.scanned += 1
        // A ciphertext of another length, or sealed to another key, is simply not the wallet's.
        guard let ciphertext = try? NoteCiphertext(bytes: wire.ciphertext) else { return }
        let opened: Note?
        do { opened = try NoteEncryption.open(ciphertext, commitment: commitment, with: key.incomingViewingKey, owner: key.ownerKey) } catch {
            throw CLIError.input("note decryption failed: \(error)")
        }
        // `open` returns nil for a plaintext that does not open the commitment (a sender's lie).
        // A zero-value note (a builder's padding output) is worth nothing to spend: not kept.
        guard let note = opened, note.value > 0,
              let nullifier = note.nullifier(spendingKey: key, position: UInt32(wire.position)) else { return }
        let own = ShieldedWallet.OwnNote(position: wire.position, note: note, nullifier: nullifier, spentBatch: 0)
        wallet.notes.append(own)
        report.received.append(own)
    }

    /// Asks which unspent notes' nullifiers are spent now (in requests of at most 1,024).
    private func markSpent(_ wallet: inout ShieldedWallet, report: inout Report) async throws {
        let open = wallet.notes.indices.filter { wallet.notes[$0].spentBatch == 0 }
        var start = 0
        while start < open.count {
            let chunk = Array(open[start..<min(start + 1_024, open.count)])
            start += chunk.count
            let answer: SettlementV1.NullifierStatus = try await client.unary(
                SettlementMethods.getNullifierStatus,
                SettlementV1.GetNullifierStatusRequest(nullifiers: chunk.map { wallet.notes[$0].nullifier.bigEndianBytes }),
                timeout: timeout)
            guard answer.spentBatch.count == chunk.count else {
                throw CLIError.input("GetNullifierStatus answered \(answer.spentBatch.count) entries for \(chunk.count) nullifiers")
            }
            for (i, batch) in zip(chunk, answer.spentBatch) where batch != 0 {
                wallet.notes[i].spentBatch = batch
                report.newlySpent.append(wallet.notes[i])
            }
        }
    }

    private func notes(from position: UInt64, max: UInt64) async throws -> [SettlementV1.ShieldedNote] {
        var out: [SettlementV1.ShieldedNote] = []
        do {
            let stream = try SettlementV1.SettlementClient(client.rpc).scanShieldedNotes(
                SettlementV1.ScanShieldedNotesRequest(fromPosition: position, maxNotes: max), timeout: timeout)
            for try await page in stream { out += page.notes }
        } catch let e as RPCError {
            throw CLIError.rpc(method: "ScanShieldedNotes", server: client.display, error: e)
        }
        return out
    }
}
