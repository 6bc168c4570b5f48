/// The iden3 `.wtns` binary format (what circom's witness calculators write and snarkjs reads):
/// magic "wtns", version 2, section 1 (field size 32, prime r, witness count u32), section 2 (the
/// values, canonical 32-byte little-endian, wire 0 first).
public enum WitnessFile {
    /// The file's bytes.
    public static func write(_ witness: Witness) -> [UInt8] {
        var header: [UInt8] = []
        header.appendU32(32)
        header += Fr.modulusLittleEndian
        header.appendU32(UInt32(witness.values.count))
        var values: [UInt8] = []
        values.reserveCapacity(32 * witness.values.count)
        for v in witness.values { values.appendFr(v) }
        var out = Array("wtns".utf8)
        out.appendU32(2)
        out.appendU32(2)
        for (type, content) in [(UInt32(1), header), (UInt32(2), values)] {
            out.appendU32(type)
            out.appendU64(UInt64(content.count))
            out += content
        }
        return out
    }

    /// Parses and validates a file: BN254's r only; the value section must hold exactly the
    /// announced count of values, each < r.
    public static func read(_ bytes: [UInt8]) throws(BinaryFileError) -> Witness {
        let (version, sections) = try readSections(bytes, magic: "wtns")
        guard version == 2 else { throw .unsupportedVersion(version) }
        guard let headerRange = sections[1] else { throw .missingSection(1) }
        guard let valuesRange = sections[2] else { throw .missingSection(2) }
        var h = BinaryReader(bytes, offset: headerRange.lowerBound, end: headerRange.upperBound)
        let fieldSize = try h.u32("field size")
        guard fieldSize == 32 else { throw .wrongFieldSize(fieldSize) }
        guard Array(try h.take(32, "prime")) == Fr.modulusLittleEndian else { throw .wrongPrime }
        let count = Int(try h.u32("witness count"))
        guard valuesRange.count == 32 * count else {
            throw .invalidCount("\(count) values announced, \(valuesRange.count) bytes present")
        }
        var r = BinaryReader(bytes, offset: valuesRange.lowerBound, end: valuesRange.upperBound)
        var values: [Fr] = []
        values.reserveCapacity(count)
        for i in 0..<count { values.append(try r.fr("witness value \(i)")) }
        return Witness(values: values)
    }
}
