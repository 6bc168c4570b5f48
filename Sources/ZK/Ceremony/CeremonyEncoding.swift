/// The pieces of the ceremony files' binary layout (documented in docs/zk.md, "Ceremony"):
/// integers little-endian (u8, u32), points in the EIP-196/197 encodings (G1 64 bytes, G2 128
/// bytes, big-endian coordinates, G2 imaginary part first, infinity all zeros), names as a u32
/// length and UTF-8 bytes, digests as 32 raw bytes. Every point read goes through the checked
/// decoders (coordinates below p, on the curve, G2 in the order-r subgroup); every count is checked
/// against the bytes that remain before anything is allocated.
enum CeremonyEncoding {
    /// A name cut to at most `Phase1Contribution.maxNameBytes` UTF-8 bytes (whole characters).
    static func boundedName(_ name: String) -> String {
        var n = name
        while n.utf8.count > Phase1Contribution.maxNameBytes { n.removeLast() }
        return n
    }

    static func appendName(_ name: String, to out: inout [UInt8]) {
        let bytes = Array(name.utf8)
        out.appendU32(UInt32(bytes.count))
        out += bytes
    }

    static func bytes(of points: Phase1Points) -> [UInt8] {
        points.tauG1.eip196Bytes + points.tauG2.eip197Bytes + points.alphaG1.eip196Bytes
            + points.betaG1.eip196Bytes + points.betaG2.eip197Bytes
    }

    /// A phase-1 record: name, beacon, key points, the three proofs, the parameters' digest.
    static func bytes(of c: Phase1Contribution) -> [UInt8] {
        var out: [UInt8] = []
        appendName(c.name, to: &out)
        CeremonyBeacon.append(c.beacon, to: &out)
        out += bytes(of: c.points)
        out += c.tauProof.bytes + c.alphaProof.bytes + c.betaProof.bytes
        out += c.parametersHash
        return out
    }

    /// A phase-2 record: name, beacon, δ·G1, δ·G2, the proof, the key's digest.
    static func bytes(of c: Phase2Contribution) -> [UInt8] {
        var out: [UInt8] = []
        appendName(c.name, to: &out)
        CeremonyBeacon.append(c.beacon, to: &out)
        out += c.deltaG1.eip196Bytes + c.deltaG2.eip197Bytes + c.proof.bytes + c.keyHash
        return out
    }

    /// A transcript's running digests, both phases: d₀ = `initial`, dᵢ = SHA-256(dᵢ₋₁ ‖ record i).
    static func digestChain(from initial: [UInt8], records: [[UInt8]]) -> [[UInt8]] {
        var d = initial
        var out = [d]
        for record in records {
            d = SHA256.hash(d + record)
            out.append(d)
        }
        return out
    }
}

extension PowersOfTau {
    /// power u32, then τⁱ·G1 (2N), τⁱ·G2 (N), α·τⁱ·G1 (N), β·τⁱ·G1 (N), β·G2: 384·N + 132 bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(384 * size + 132)
        out.appendU32(UInt32(power))
        for p in tauG1 { out += p.eip196Bytes }
        for p in tauG2 { out += p.eip197Bytes }
        for p in alphaTauG1 { out += p.eip196Bytes }
        for p in betaTauG1 { out += p.eip196Bytes }
        out += betaG2.eip197Bytes
        return out
    }
}

extension BinaryReader {
    mutating func digest(_ what: String) throws(BinaryFileError) -> [UInt8] { Array(try take(32, what)) }

    mutating func name(_ what: String) throws(BinaryFileError) -> String {
        let length = try u32("\(what) length")
        guard length <= Phase1Contribution.maxNameBytes else { throw .invalidCount("\(what) of \(length) bytes") }
        let bytes = try take(Int(length), what)
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .invalidValue("\(what) is not UTF-8") }
        return s
    }

    mutating func g1(_ what: String) throws(BinaryFileError) -> G1Affine {
        let b = try take(64, what)
        do { return try G1Affine(eip196: b) } catch { throw .invalidValue("\(what): \(error)") }
    }

    mutating func g2(_ what: String) throws(BinaryFileError) -> G2Affine {
        let b = try take(128, what)
        do { return try G2Affine(eip197: b) } catch { throw .invalidValue("\(what): \(error)") }
    }

    /// `count` G1 points, decoded on `threads` threads (the count must be checked by the caller).
    mutating func g1Vector(_ count: Int, _ what: String, threads: Int) throws(BinaryFileError) -> [G1Affine] {
        let bytes = Array(try take(64 * count, what))
        let points = ParallelFor.flatMapChunks(count: count, threads: threads, minimumChunk: 64) { range in
            range.map { i in try? G1Affine(eip196: bytes[(64 * i)..<(64 * i + 64)]) }
        }
        if let bad = points.firstIndex(where: { $0 == nil }) {
            var r = BinaryReader(Array(bytes[(64 * bad)..<(64 * bad + 64)]))
            _ = try r.g1("\(what)[\(bad)]")
        }
        return points.map { $0! }
    }

    /// `count` G2 points (each subgroup-checked), decoded on `threads` threads.
    mutating func g2Vector(_ count: Int, _ what: String, threads: Int) throws(BinaryFileError) -> [G2Affine] {
        let bytes = Array(try take(128 * count, what))
        let points = ParallelFor.flatMapChunks(count: count, threads: threads, minimumChunk: 64) { range in
            range.map { i in try? G2Affine(eip197: bytes[(128 * i)..<(128 * i + 128)]) }
        }
        if let bad = points.firstIndex(where: { $0 == nil }) {
            var r = BinaryReader(Array(bytes[(128 * bad)..<(128 * bad + 128)]))
            _ = try r.g2("\(what)[\(bad)]")
        }
        return points.map { $0! }
    }

    mutating func proof(_ what: String) throws(BinaryFileError) -> KnowledgeProof {
        KnowledgeProof(g1S: try g1("\(what).g1S"), g1SX: try g1("\(what).g1SX"), g2SX: try g2("\(what).g2SX"))
    }

    mutating func phase1Points(_ what: String) throws(BinaryFileError) -> Phase1Points {
        Phase1Points(tauG1: try g1("\(what).tauG1"), tauG2: try g2("\(what).tauG2"),
                     alphaG1: try g1("\(what).alphaG1"), betaG1: try g1("\(what).betaG1"),
                     betaG2: try g2("\(what).betaG2"))
    }

    /// A u32 count of items of at least `minimumBytes` each, refused when the rest cannot hold it.
    mutating func count(_ what: String, minimumBytes: Int, limit: Int = .max) throws(BinaryFileError) -> Int {
        let n = Int(try u32(what))
        guard n <= limit, n <= remaining / max(1, minimumBytes) else { throw .invalidCount("\(n) \(what)") }
        return n
    }
}
