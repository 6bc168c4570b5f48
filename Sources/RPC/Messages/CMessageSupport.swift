import CProtobufC

/// Helpers for the protobuf-c structs generated into CProtos.
///
/// Swift cannot use the generated `*__INIT` macros, but protobuf-c also generates a `*__init`
/// function per message which sets `base.descriptor` and every field default; the wrappers start
/// from a zeroed struct and call it. The descriptor for unpacking is then read back from
/// `base.descriptor`, so no pointer to a C global has to be formed in Swift.
enum CMessage {
    /// A zeroed C message struct initialised by its generated `*__init` function.
    @inline(__always)
    static func make<T>(_ zero: T, _ initialize: (UnsafeMutablePointer<T>?) -> Void) -> T {
        var value = zero
        initialize(&value)
        return value
    }

    /// The descriptor of an initialised C message struct.
    static func descriptor<T>(of value: T) -> UnsafePointer<ProtobufCMessageDescriptor> {
        withUnsafePointer(to: value) { p in
            p.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { $0.pointee.descriptor }
        }
    }

    /// Packs `message`, keeping `arena` (which owns its strings, bytes and nested messages) alive.
    static func pack<T>(_ message: inout T, keeping arena: ProtobufCArena) -> [UInt8] {
        withExtendedLifetime(arena) { ProtobufC.pack(&message) }
    }

    /// A C enum value from a wire integer (proto3 enums are open, any int32 is valid).
    static func enumValue<E: RawRepresentable>(_ n: Int32, as _: E.Type) -> E where E.RawValue: BinaryInteger {
        E(rawValue: E.RawValue(truncatingIfNeeded: n))!
    }

    /// A wire integer from a C enum value.
    static func wireValue<E: RawRepresentable>(_ e: E) -> Int32 where E.RawValue: BinaryInteger {
        Int32(truncatingIfNeeded: e.rawValue)
    }
}
