/// The phase-2 transcript file: magic `zkp2`, version u32 = 1, the circuit digest and the phase-1
/// digest (32 bytes each), the proving key (`keyBytes`), a u32 count of contributions and each
/// record, nothing after.
///
/// The key: domainSize, wireCount, nPublic (u32 each); α·G1, β·G1, β·G2, δ·G1, δ·G2; the
/// verifying key's α·G1, β·G2, γ·G2, δ·G2 and its nPublic + 1 IC points; a, b1 (G1, one per wire),
/// b2 (G2, one per wire), c (G1, one per private wire), h (G1, domainSize); then matrices A and B,
/// each a u32 count of (row u32, wire u32, coefficient 32 bytes little-endian, below r).
public enum Phase2File {
    public static let magic = Array("zkp2".utf8)
    public static let version: UInt32 = 1
    static let recordFixedBytes = 4 + 4 + 64 + 128 + KnowledgeProof.byteCount + 32

    public static func write(_ t: Phase2Transcript) -> [UInt8] {
        var out = magic
        out.appendU32(version)
        out += t.circuitHash + t.phase1Hash
        out += keyBytes(t.key)
        out.appendU32(UInt32(t.contributions.count))
        for c in t.contributions { out += CeremonyEncoding.bytes(of: c) }
        return out
    }

    /// The key's encoding (the part of the file a contribution's key digest covers).
    public static func keyBytes(_ k: Groth16.ProvingKey) -> [UInt8] {
        var out: [UInt8] = []
        let vk = k.verifyingKey
        out.appendU32(UInt32(k.domainSize)); out.appendU32(UInt32(k.wireCount)); out.appendU32(UInt32(k.publicCount))
        out += k.alpha1.eip196Bytes + k.beta1.eip196Bytes + k.beta2.eip197Bytes + k.delta1.eip196Bytes + k.delta2.eip197Bytes
        out += vk.alpha.eip196Bytes + vk.beta.eip197Bytes + vk.gamma.eip197Bytes + vk.delta.eip197Bytes
        for p in vk.ic { out += p.eip196Bytes }
        for p in k.a { out += p.eip196Bytes }
        for p in k.b1 { out += p.eip196Bytes }
        for p in k.b2 { out += p.eip197Bytes }
        for p in k.c { out += p.eip196Bytes }
        for p in k.h { out += p.eip196Bytes }
        for matrix in [k.matricesA, k.matricesB] {
            out.appendU32(UInt32(matrix.count))
            for e in matrix {
                out.appendU32(UInt32(e.row)); out.appendU32(UInt32(e.wire)); out.appendFr(e.coefficient)
            }
        }
        return out
    }

    /// SHA-256 of `keyBytes`.
    public static func keyHash(_ k: Groth16.ProvingKey) -> [UInt8] { SHA256.hash(keyBytes(k)) }

    public static func read(_ bytes: [UInt8], threads: Int? = nil) throws(BinaryFileError) -> Phase2Transcript {
        let threads = threads ?? MultiScalarMultiplication.defaultThreadCount
        var r = BinaryReader(bytes)
        guard Array(try r.take(4, "magic")) == magic else { throw .wrongMagic(expected: "zkp2") }
        let v = try r.u32("version")
        guard v == version else { throw .unsupportedVersion(v) }
        let circuitHash = try r.digest("circuit digest"), phase1Hash = try r.digest("phase-1 digest")
        let key = try readKey(&r, threads: threads)
        let count = try r.count("contributions", minimumBytes: recordFixedBytes)
        var contributions: [Phase2Contribution] = []
        for i in 0..<count {
            let what = "contribution \(i)"
            let name = try r.name("\(what) name"), beacon = try r.beacon(what)
            contributions.append(Phase2Contribution(
                name: name, deltaG1: try r.g1("\(what) deltaG1"), deltaG2: try r.g2("\(what) deltaG2"),
                proof: try r.proof("\(what) proof"), keyHash: try r.digest("\(what) key digest"), beacon: beacon))
        }
        guard r.remaining == 0 else { throw .invalidCount("\(r.remaining) bytes after the last contribution") }
        return Phase2Transcript(circuitHash: circuitHash, phase1Hash: phase1Hash, key: key, contributions: contributions)
    }

    static func readKey(_ r: inout BinaryReader, threads: Int) throws(BinaryFileError) -> Groth16.ProvingKey {
        let domainSize = Int(try r.u32("domainSize")), wires = Int(try r.u32("wireCount"))
        let nPublic = Int(try r.u32("nPublic"))
        guard domainSize >= 2, domainSize.nonzeroBitCount == 1, domainSize <= 1 << PowersOfTau.maxPower else {
            throw .invalidValue("domain size \(domainSize)")
        }
        guard nPublic < wires else { throw .invalidValue("\(nPublic) public wires of \(wires)") }
        // Points of fixed size: 5 + 4 + (nPublic + 1) + a, b1, b2, c, h. Checked before any vector is read.
        let needed = 64 * 3 + 128 * 2 + 64 + 128 * 3 + 64 * (nPublic + 1) + wires * (64 + 64 + 128)
            + 64 * (wires - nPublic - 1) + 64 * domainSize
        guard r.remaining >= needed else { throw .truncated("a key of \(wires) wires and domain \(domainSize)") }
        let alpha1 = try r.g1("alpha1"), beta1 = try r.g1("beta1"), beta2 = try r.g2("beta2")
        let delta1 = try r.g1("delta1"), delta2 = try r.g2("delta2")
        let vkAlpha = try r.g1("vk.alpha"), vkBeta = try r.g2("vk.beta"), vkGamma = try r.g2("vk.gamma")
        let vkDelta = try r.g2("vk.delta")
        let ic = try r.g1Vector(nPublic + 1, "ic", threads: threads)
        let a = try r.g1Vector(wires, "a", threads: threads)
        let b1 = try r.g1Vector(wires, "b1", threads: threads)
        let b2 = try r.g2Vector(wires, "b2", threads: threads)
        let c = try r.g1Vector(wires - nPublic - 1, "c", threads: threads)
        let h = try r.g1Vector(domainSize, "h", threads: threads)
        var matrices: [[Groth16.MatrixEntry]] = []
        for name in ["matricesA", "matricesB"] {
            let n = try r.count(name, minimumBytes: 40)
            var entries: [Groth16.MatrixEntry] = []
            entries.reserveCapacity(n)
            for _ in 0..<n {
                let row = Int(try r.u32("\(name) row")), wire = Int(try r.u32("\(name) wire"))
                let coefficient = try r.fr("\(name) coefficient")
                guard row < domainSize, wire < wires else { throw .invalidValue("\(name) entry (\(row), \(wire)) out of range") }
                entries.append(.init(row: row, wire: wire, coefficient: coefficient))
            }
            matrices.append(entries)
        }
        guard let vk = Groth16.VerifyingKey(alpha: vkAlpha, beta: vkBeta, gamma: vkGamma, delta: vkDelta, ic: ic),
              let key = Groth16.ProvingKey(
                verifyingKey: vk, alpha1: alpha1, beta1: beta1, beta2: beta2, delta1: delta1, delta2: delta2,
                domainSize: domainSize, wireCount: wires, a: a, b1: b1, b2: b2, c: c, h: h,
                matricesA: matrices[0], matricesB: matrices[1])
        else { throw .invalidValue("inconsistent key sizes") }
        return key
    }
}
