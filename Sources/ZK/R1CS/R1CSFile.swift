/// The iden3 `.r1cs` binary format (what circom writes and snarkjs / arkworks read): magic "r1cs",
/// version 1, sections (type u32, size u64): 1 header (field size 32, prime r, nWires, nPubOut,
/// nPubIn, nPrvIn u32, nLabels u64, nConstraints u32), 2 constraints (A, B, C each as a u32 count of
/// (wire u32, coefficient) pairs, sorted by wire; coefficients canonical 32-byte little-endian),
/// 3 wire-to-label map (a u64 label per wire). Unknown sections are ignored, as the format says.
public enum R1CSFile {
    static let headerSection: UInt32 = 1
    static let constraintsSection: UInt32 = 2
    static let wireToLabelSection: UInt32 = 3

    /// The file's bytes.
    public static func write(_ r1cs: R1CS) -> [UInt8] {
        var header: [UInt8] = []
        header.appendU32(32)
        header += Fr.modulusLittleEndian
        header.appendU32(UInt32(r1cs.wireCount))
        header.appendU32(UInt32(r1cs.publicOutputs))
        header.appendU32(UInt32(r1cs.publicInputs))
        header.appendU32(UInt32(r1cs.privateInputs))
        header.appendU64(r1cs.labelCount)
        header.appendU32(UInt32(r1cs.constraints.count))

        var constraints: [UInt8] = []
        for constraint in r1cs.constraints {
            for lc in [constraint.a, constraint.b, constraint.c] {
                constraints.appendU32(UInt32(lc.terms.count))
                for term in lc.terms {
                    constraints.appendU32(UInt32(term.wire))
                    constraints.appendFr(term.coefficient)
                }
            }
        }

        var labels: [UInt8] = []
        labels.reserveCapacity(8 * r1cs.wireToLabel.count)
        for label in r1cs.wireToLabel { labels.appendU64(label) }

        var out = Array("r1cs".utf8)
        out.appendU32(1)
        out.appendU32(3)
        for (type, content) in [(headerSection, header), (constraintsSection, constraints), (wireToLabelSection, labels)] {
            out.appendU32(type)
            out.appendU64(UInt64(content.count))
            out += content
        }
        return out
    }

    /// Parses and validates a file: BN254's r only, every count bounded by the bytes present
    /// before anything is allocated, wire ids < nWires, coefficients < r, sections complete.
    public static func read(_ bytes: [UInt8]) throws(BinaryFileError) -> R1CS {
        let (version, sections) = try readSections(bytes, magic: "r1cs")
        guard version == 1 else { throw .unsupportedVersion(version) }
        guard let headerRange = sections[headerSection] else { throw .missingSection(headerSection) }
        guard let constraintsRange = sections[constraintsSection] else { throw .missingSection(constraintsSection) }

        var h = BinaryReader(bytes, offset: headerRange.lowerBound, end: headerRange.upperBound)
        let fieldSize = try h.u32("field size")
        guard fieldSize == 32 else { throw .wrongFieldSize(fieldSize) }
        guard Array(try h.take(32, "prime")) == Fr.modulusLittleEndian else { throw .wrongPrime }
        let nWires = Int(try h.u32("nWires"))
        let nPubOut = Int(try h.u32("nPubOut"))
        let nPubIn = Int(try h.u32("nPubIn"))
        let nPrvIn = Int(try h.u32("nPrvIn"))
        let nLabels = try h.u64("nLabels")
        let nConstraints = Int(try h.u32("nConstraints"))
        guard nWires >= 1, 1 + nPubOut + nPubIn + nPrvIn <= nWires else {
            throw .invalidCount("\(nWires) wires for \(nPubOut)+\(nPubIn)+\(nPrvIn) inputs")
        }

        var c = BinaryReader(bytes, offset: constraintsRange.lowerBound, end: constraintsRange.upperBound)
        // A constraint takes at least 12 bytes (three empty combinations).
        guard nConstraints <= c.remaining / 12 else { throw .invalidCount("\(nConstraints) constraints") }
        var constraints: [Constraint] = []
        constraints.reserveCapacity(nConstraints)
        for i in 0..<nConstraints {
            var lcs: [LinearCombination] = []
            for part in ["A", "B", "C"] {
                let what = "constraint \(i) \(part)"
                let n = Int(try c.u32(what))
                guard n <= c.remaining / 36 else { throw .truncated("\(what): \(n) terms") }
                var terms: [(wire: Int, coefficient: Fr)] = []
                terms.reserveCapacity(n)
                for _ in 0..<n {
                    let wire = Int(try c.u32(what))
                    guard wire < nWires else { throw .invalidValue("\(what): wire \(wire) ≥ \(nWires)") }
                    terms.append((wire, try c.fr(what)))
                }
                lcs.append(LinearCombination(terms: terms))
            }
            constraints.append(Constraint(a: lcs[0], b: lcs[1], c: lcs[2]))
        }

        var wireToLabel: [UInt64]? = nil
        if let labelRange = sections[wireToLabelSection] {
            guard labelRange.count == 8 * nWires else {
                throw .invalidCount("wire-to-label section of \(labelRange.count) bytes for \(nWires) wires")
            }
            var l = BinaryReader(bytes, offset: labelRange.lowerBound, end: labelRange.upperBound)
            var labels: [UInt64] = []
            labels.reserveCapacity(nWires)
            for _ in 0..<nWires { labels.append(try l.u64("label")) }
            wireToLabel = labels
        }
        return R1CS(wireCount: nWires, publicOutputs: nPubOut, publicInputs: nPubIn, privateInputs: nPrvIn,
                    constraints: constraints, wireToLabel: wireToLabel, labelCount: nLabels)
    }
}
