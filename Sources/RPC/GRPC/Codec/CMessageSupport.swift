import CProtobufC

// Helpers for the Swift code that Protos/generate.sh generates over the protobuf-c structs of
// CProtos (the `Generated/` directories).
//
// Swift cannot use the generated `*__INIT` macros, but protobuf-c also generates a `*__init`
// function per message which sets `base.descriptor` and every field default; the generated code
// starts from a zeroed struct and calls it. The descriptor for unpacking is then read back from
// `base.descriptor`, so no pointer to a C global has to be formed in Swift.
extension ProtobufC {
    /// A zeroed C message struct initialised by its generated `*__init` function.
    @inline(__always)
    public static func make<T>(_ zero: T, _ initialize: (UnsafeMutablePointer<T>?) -> Void) -> T {
        var value = zero
        initialize(&value)
        return value
    }

    /// The descriptor of an initialised C message struct.
    public static func descriptor<T>(of value: T) -> UnsafePointer<ProtobufCMessageDescriptor> {
        withUnsafePointer(to: value) { p in
            p.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { $0.pointee.descriptor }
        }
    }

    /// Decodes `bytes` as the C message `empty` is an initialised instance of, and converts the
    /// unpacked struct with `convert` (which must copy everything it keeps).
    public static func decode<T, M>(
        _ bytes: [UInt8], _ empty: T, _ convert: (T) throws(ProtoDecodingError) -> M
    ) throws(ProtoDecodingError) -> M {
        try unpack(descriptor(of: empty), bytes, as: T.self) { p throws(ProtoDecodingError) in try convert(p.pointee) }
    }

    /// Packs the C message `fill` builds; `fill`'s arena owns its memory until packing is done.
    public static func encode<T>(_ fill: (ProtobufCArena) -> T) -> [UInt8] {
        let arena = ProtobufCArena()
        var message = fill(arena)
        return withExtendedLifetime(arena) { pack(&message) }
    }

    /// A C enum value from a wire integer (proto3 enums are open, any int32 is valid).
    public static func enumValue<E: RawRepresentable>(_ n: Int32, as _: E.Type) -> E where E.RawValue: BinaryInteger {
        E(rawValue: E.RawValue(truncatingIfNeeded: n))!
    }

    /// A wire integer from a C enum value.
    public static func wireValue<E: RawRepresentable>(_ e: E) -> Int32 where E.RawValue: BinaryInteger {
        Int32(truncatingIfNeeded: e.rawValue)
    }
}
