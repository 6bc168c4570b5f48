import Foundation
import Settlement

/// The shielded key files. A spending-key file is the key as `0x` + 64 hex digits and a newline
/// (like a transparent key file); a viewing-key file is the JSON object
/// `{"incomingViewingKey": "0x…", "ownerKey": "0x…", "address": "zs…"}` that an auditor needs to
/// read the address's notes. Both are created with mode 0600 and never overwritten. Reading
/// errors name the file, never its content.
enum ShieldedKeyFiles {
    /// Reads a spending-key file (`-`: standard input).
    static func readSpendingKey(_ path: String) throws -> SpendingKey {
        let text = try readText(path, "key file")
        do { return try SpendingKey(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
            throw CLIError.input("\(origin(path)): not a spending key: \(error)")
        }
    }

    /// Creates a spending-key file.
    static func writeSpendingKey(_ key: SpendingKey, to path: String) throws {
        try writeSecret("0x" + Hex.encode(key.bytes) + "\n", to: path)
    }

    /// The viewing-key file's JSON object for `key`.
    static func viewingKeyObject(_ key: SpendingKey) -> [String: Any] {
        ["incomingViewingKey": "0x" + Hex.encode(key.incomingViewingKey.bytes),
         "ownerKey": "0x" + Hex.encode(key.ownerKey.bigEndianBytes),
         "address": key.address.text]
    }

    /// `object` as pretty JSON with sorted keys and a final newline (the file form).
    static func jsonText(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Reads a viewing-key file: the viewing key and the address it reads, checked to match
    /// (its transmission key is the viewing key's, its owner key the file's `ownerKey`).
    static func readViewingKey(_ path: String) throws -> (IncomingViewingKey, ShieldedAddress) {
        let text = try readText(path, "viewing-key file")
        let source = origin(path)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let ivkText = object["incomingViewingKey"] as? String, let ownerText = object["ownerKey"] as? String,
              let addressText = object["address"] as? String else {
            throw CLIError.input("\(source): a viewing-key file is a JSON object with the strings \"incomingViewingKey\", "
                                 + "\"ownerKey\" and \"address\" (as `settlement shielded viewing-key` writes it)")
        }
        let ivk: IncomingViewingKey, address: ShieldedAddress
        do { ivk = try IncomingViewingKey(hex: ivkText) } catch { throw CLIError.input("\(source): \(error)") }
        do { address = try ShieldedAddress(text: addressText) } catch { throw CLIError.input("\(source): address: \(error)") }
        guard Hex.decodePrefixed(ownerText) == address.ownerKey.bigEndianBytes else {
            throw CLIError.input("\(source): ownerKey is not the address's owner key")
        }
        guard ivk.transmissionKey == address.transmissionKey else {
            throw CLIError.input("\(source): the incoming viewing key is not the address's (its transmission key differs)")
        }
        return (ivk, address)
    }

    /// Creates `path` with mode 0600 and writes `text`, refusing an existing file (a key
    /// overwritten is funds lost). A partly written file is removed.
    static func writeSecret(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw CLIError.input("cannot create \(path): \(String(cString: strerror(code)))"
                                 + (code == EEXIST ? " (key files are never overwritten)" : ""))
        }
        var bytes = Array(text.utf8)
        defer { for i in bytes.indices { bytes[i] = 0 } }
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno
                break
            }
            written += n
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        if close(fd) != 0, failure == 0 { failure = errno }
        guard failure == 0 else {
            unlink(path)
            throw CLIError.input("cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }

    private static func readText(_ path: String, _ what: String) throws -> String {
        let data: Data?
        if path == "-" { data = FileHandle.standardInput.readDataToEndOfFile() }
        else { data = FileManager.default.contents(atPath: path) }
        guard let data else { throw CLIError.input("cannot read the \(what) \(path)") }
        return String(decoding: data, as: UTF8.self)
    }

    private static func origin(_ path: String) -> String { path == "-" ? "standard input" : path }
}
