/// The 32-byte memo a sender attaches to a note (free-form; zero when unused).
public struct NoteMemo: Hashable, Sendable {
    public static let length = 32
    /// The all-zero memo.
    public static let empty = try! NoteMemo(bytes: [UInt8](repeating: 0, count: length))

    /// The 32 bytes.
    public let bytes: [UInt8]

    /// Takes exactly 32 bytes.
    public init(bytes: [UInt8]) throws(NoteEncryptionError) {
        guard bytes.count == Self.length else { throw .memoLength(bytes.count) }
        self.bytes = bytes
    }
}
