#if canImport(Glibc)
import Glibc
#endif
import CProtobufC

/// A protobuf message that travels in a gRPC call. The wire codec is protobuf-c (generated into the
/// CProtos target from Protos/); Swift types wrap the generated C structs so no C pointer escapes.
public protocol ProtoMessage: Sendable {
    /// Decodes protobuf wire bytes. The RPC layer has already bounded their size.
    init(protobufBytes bytes: [UInt8]) throws(ProtoDecodingError)
    /// Encodes to protobuf wire bytes.
    func protobufBytes() -> [UInt8]
}

/// Bytes that are not a valid encoding of the expected message.
public struct ProtoDecodingError: Error, Sendable, CustomStringConvertible {
    public let messageName: String
    public let reason: String
    public init(messageName: String, reason: String = "invalid protobuf encoding") {
        self.messageName = messageName
        self.reason = reason
    }
    public var description: String { "not a valid \(messageName): \(reason)" }
}

/// A message whose bytes are passed through untouched (for generic tests and proxies).
public struct RawMessage: ProtoMessage, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(protobufBytes bytes: [UInt8]) { self.bytes = bytes }
    public func protobufBytes() -> [UInt8] { bytes }
}

/// Thin, safe helpers over protobuf-c's C API.
public enum ProtobufC {
    /// Unpacks `bytes` as the message described by `descriptor`, calls `body` with the typed C
    /// struct, and frees it. The struct (and every pointer in it) is valid only inside `body`.
    public static func unpack<T, R>(
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, _ bytes: [UInt8], as: T.Type,
        _ body: (UnsafePointer<T>) throws(ProtoDecodingError) -> R
    ) throws(ProtoDecodingError) -> R {
        let name = String(cString: descriptor.pointee.name)
        let msg: UnsafeMutablePointer<ProtobufCMessage>? = bytes.withUnsafeBufferPointer { buf in
            protobuf_c_message_unpack(descriptor, nil, buf.count, buf.baseAddress)
        }
        guard let msg else { throw ProtoDecodingError(messageName: name) }
        defer { protobuf_c_message_free_unpacked(msg, nil) }
        return try msg.withMemoryRebound(to: T.self, capacity: 1) { p throws(ProtoDecodingError) in try body(p) }
    }

    /// Packs a filled-in C message struct.
    public static func pack<T>(_ message: inout T) -> [UInt8] {
        withUnsafeMutablePointer(to: &message) { p in
            p.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { m in
                let size = protobuf_c_message_get_packed_size(m)
                if size == 0 { return [] }
                return [UInt8](unsafeUninitializedCapacity: size) { buf, n in
                    n = protobuf_c_message_pack(m, buf.baseAddress)
                }
            }
        }
    }

    /// A C string field as a Swift string (NULL is the empty string).
    public static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    /// A bytes field as a Swift array.
    public static func bytes(_ b: ProtobufCBinaryData) -> [UInt8] {
        guard b.len > 0, let d = b.data else { return [] }
        return Array(UnsafeBufferPointer(start: d, count: b.len))
    }

    /// A repeated field as a Swift array.
    public static func array<E, R>(_ p: UnsafeMutablePointer<E>?, _ n: Int, _ transform: (E) -> R) -> [R] {
        guard let p, n > 0 else { return [] }
        return UnsafeBufferPointer(start: p, count: n).map(transform)
    }
}

/// Owns the C memory a message struct points into while it is packed: strings, byte buffers,
/// arrays and nested messages. Everything is freed when the arena goes away.
public final class ProtobufCArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    public init() {}

    deinit { for p in allocations { free(p) } }

    /// A NUL-terminated copy of `s`.
    public func string(_ s: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(s.utf8)
        let p = allocate(CChar.self, count: utf8.count + 1)
        utf8.withUnsafeBufferPointer { src in
            if let base = src.baseAddress, !src.isEmpty {
                UnsafeMutableRawPointer(p).copyMemory(from: UnsafeRawPointer(base), byteCount: src.count)
            }
        }
        p[utf8.count] = 0
        return p
    }

    /// A copy of `bytes` as protobuf-c binary data.
    public func bytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        if bytes.isEmpty { return ProtobufCBinaryData(len: 0, data: nil) }
        let p = allocate(UInt8.self, count: bytes.count)
        p.update(from: bytes, count: bytes.count)
        return ProtobufCBinaryData(len: bytes.count, data: p)
    }

    /// An array of C values (for repeated fields).
    public func array<E>(_ values: [E]) -> UnsafeMutablePointer<E>? {
        if values.isEmpty { return nil }
        let p = allocate(E.self, count: values.count)
        p.initialize(from: values, count: values.count)
        return p
    }

    /// A heap copy of a nested message struct.
    public func message<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let p = allocate(T.self, count: 1)
        p.initialize(to: value)
        return p
    }

    /// Uninitialized memory for `count` values of `T`, zero-filled.
    public func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(1, MemoryLayout<T>.stride * count)
        let raw = calloc(1, bytes)!
        allocations.append(raw)
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
