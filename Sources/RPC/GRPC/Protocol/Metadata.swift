/// gRPC custom metadata: ordered, case-insensitive keys (stored lower case), repeatable.
///
/// Keys ending in `-bin` carry binary values, base64-encoded on the wire (grpc's PROTOCOL-HTTP2.md).
/// Reserved keys (`:`-pseudo-headers, `grpc-*`, `content-type`, `te`, `user-agent`) are managed by
/// the RPC layer and dropped when received as custom metadata.
public struct Metadata: Sendable, Hashable, Sequence {
    public enum Value: Sendable, Hashable {
        case text(String)
        case binary([UInt8])
    }

    public private(set) var entries: [(key: String, value: Value)] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        for (k, v) in pairs { add(k, v) }
    }

    public mutating func add(_ key: String, _ value: String) {
        entries.append((key.lowercased(), .text(value)))
    }

    public mutating func add(_ key: String, binary value: [UInt8]) {
        entries.append((key.lowercased(), .binary(value)))
    }

    /// The first text value for `key`.
    public subscript(_ key: String) -> String? {
        let k = key.lowercased()
        for e in entries where e.key == k { if case .text(let s) = e.value { return s } }
        return nil
    }

    /// The first binary value for a `-bin` key.
    public func binary(_ key: String) -> [UInt8]? {
        let k = key.lowercased()
        for e in entries where e.key == k { if case .binary(let b) = e.value { return b } }
        return nil
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public func makeIterator() -> IndexingIterator<[(key: String, value: Value)]> { entries.makeIterator() }

    public static func == (a: Metadata, b: Metadata) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into h: inout Hasher) {
        for e in entries { h.combine(e.key); h.combine(e.value) }
    }

    static func isReserved(_ key: String) -> Bool {
        key.hasPrefix(":") || key.hasPrefix("grpc-") || key == "content-type" || key == "te"
            || key == "user-agent" || key == "content-length" || key == "host"
    }
}
