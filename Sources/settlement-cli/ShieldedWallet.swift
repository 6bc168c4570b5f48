import Foundation
import Settlement
import ZK

/// A wallet's local state beside its spending-key file (default `<keyfile>.wallet`, mode 0600):
/// how far it has scanned the pool, every commitment seen (to rebuild the note tree and the
/// paths its spends need), and its own notes with their nullifiers and the batch that spent
/// them. A JSON object:
///
///     {"version": 1, "address": "zs…", "position": N, "commitments": ["0x…", …],
///      "notes": [{"position": P, "value": V, "rho": "0x…", "commitment": "0x…",
///                 "nullifier": "0x…", "spentBatch": 0}, …]}
///
/// Everything in it can be rebuilt by scanning from position 0; it holds no key.
struct ShieldedWallet {
    /// One of the wallet's own notes.
    struct OwnNote {
        var position: UInt64
        var note: Note
        var nullifier: Fr
        /// The durable batch that spent it; 0 while unspent.
        var spentBatch: UInt64
    }

    /// The next position to scan (= commitments seen).
    var position: UInt64 { UInt64(commitments.count) }
    var commitments: [Fr] = []
    var notes: [OwnNote] = []

    var unspent: [OwnNote] { notes.filter { $0.spentBatch == 0 } }
    var balance: UInt64 { unspent.reduce(0) { $0 &+ $1.note.value } }

    /// Forgets everything (a rescan from position 0 follows).
    mutating func reset() {
        commitments = []
        notes = []
    }

    /// Most bytes a wallet file may have (32 million commitments would be ~2.2 GB: far past it).
    static let maxFileBytes = 512 << 20

    /// The default path beside the key file.
    static func defaultPath(keyFile: String) -> String { keyFile + ".wallet" }

    /// Reads the wallet at `path` for `key`; an absent file is an empty wallet.
    static func load(_ path: String, key: SpendingKey) throws -> ShieldedWallet {
        guard FileManager.default.fileExists(atPath: path) else { return ShieldedWallet() }
        let bytes = try ZKCommand.readBounded(path, limit: maxFileBytes)
        func bad(_ why: String) -> CLIError { .input("\(path): not a wallet file (\(why))") }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else { throw bad("not JSON") }
        guard object["version"] as? Int == 1 else { throw bad("version is not 1") }
        guard object["address"] as? String == key.address.text else {
            throw CLIError.input("\(path) is the wallet of another spending key")
        }
        guard let cms = object["commitments"] as? [String], let owned = object["notes"] as? [[String: Any]] else {
            throw bad("commitments or notes missing")
        }
        var w = ShieldedWallet()
        w.commitments.reserveCapacity(cms.count)
        for text in cms {
            guard let f = field(text) else { throw bad("a commitment is not a field element") }
            w.commitments.append(f)
        }
        for o in owned {
            guard let p = (o["position"] as? NSNumber)?.uint64Value, let v = (o["value"] as? NSNumber)?.uint64Value,
                  let rho = (o["rho"] as? String).flatMap(field), let nf = (o["nullifier"] as? String).flatMap(field),
                  let spent = (o["spentBatch"] as? NSNumber)?.uint64Value, p < w.position else {
                throw bad("a note is incomplete")
            }
            let note = Note(value: v, owner: key.ownerKey, randomness: rho)
            guard note.commitment == w.commitments[Int(p)] else { throw bad("note \(p) does not open its commitment") }
            w.notes.append(OwnNote(position: p, note: note, nullifier: nf, spentBatch: spent))
        }
        return w
    }

    /// Writes the wallet atomically (a temporary file renamed over it), mode 0600.
    func save(_ path: String, key: SpendingKey) throws {
        let object: [String: Any] = [
            "version": 1, "address": key.address.text, "position": position,
            "commitments": commitments.map { Self.hex($0) },
            "notes": notes.map { n -> [String: Any] in
                ["position": n.position, "value": n.note.value, "rho": Self.hex(n.note.randomness),
                 "commitment": Self.hex(n.note.commitment), "nullifier": Self.hex(n.nullifier), "spentBatch": n.spentBatch]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError.input("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += n
            }
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw CLIError.input("cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }

    static func hex(_ f: Fr) -> String { "0x" + Hex.encode(f.bigEndianBytes) }

    static func field(_ text: String) -> Fr? {
        guard let b = Hex.decodePrefixed(text), b.count == 32 else { return nil }
        return Fr(bigEndian: b)
    }
}
