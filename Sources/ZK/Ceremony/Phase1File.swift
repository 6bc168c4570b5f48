/// The phase-1 transcript file: magic `zkp1`, version u32 = 1, the parameters
/// (`PowersOfTau.bytes`), then a u32 count of contributions and each record
/// (`CeremonyEncoding.bytes(of:)`), and nothing after. Reading checks every point and refuses
/// counts the file cannot hold before allocating.
public enum Phase1File {
    public static let magic = Array("zkp1".utf8)
    public static let version: UInt32 = 1
    /// The size of a record without its name.
    static let recordFixedBytes = 4 + 4 + Phase1Points.byteCount + 3 * KnowledgeProof.byteCount + 32

    public static func write(_ transcript: Phase1Transcript) -> [UInt8] {
        var out = magic
        out.appendU32(version)
        out += transcript.parameters.bytes
        out.appendU32(UInt32(transcript.contributions.count))
        for c in transcript.contributions { out += CeremonyEncoding.bytes(of: c) }
        return out
    }

    public static func read(_ bytes: [UInt8], threads: Int? = nil) throws(BinaryFileError) -> Phase1Transcript {
        let threads = threads ?? MultiScalarMultiplication.defaultThreadCount
        var r = BinaryReader(bytes)
        guard Array(try r.take(4, "magic")) == magic else { throw .wrongMagic(expected: "zkp1") }
        let v = try r.u32("version")
        guard v == version else { throw .unsupportedVersion(v) }
        let parameters = try readParameters(&r, threads: threads)
        let count = try r.count("contributions", minimumBytes: recordFixedBytes)
        var contributions: [Phase1Contribution] = []
        for i in 0..<count {
            let what = "contribution \(i)"
            let name = try r.name("\(what) name"), beacon = try r.beacon(what)
            contributions.append(Phase1Contribution(
                name: name, points: try r.phase1Points(what),
                tauProof: try r.proof("\(what) tau proof"), alphaProof: try r.proof("\(what) alpha proof"),
                betaProof: try r.proof("\(what) beta proof"), parametersHash: try r.digest("\(what) digest"),
                beacon: beacon))
        }
        guard r.remaining == 0 else { throw .invalidCount("\(r.remaining) bytes after the last contribution") }
        return Phase1Transcript(parameters: parameters, contributions: contributions)
    }

    static func readParameters(_ r: inout BinaryReader, threads: Int) throws(BinaryFileError) -> PowersOfTau {
        let power = Int(try r.u32("power"))
        guard (1...PowersOfTau.maxPower).contains(power) else {
            throw .invalidValue("power \(power) is not within 1…\(PowersOfTau.maxPower)")
        }
        let n = 1 << power
        guard r.remaining >= 384 * n + 128 else { throw .truncated("parameters of power \(power)") }
        let tauG1 = try r.g1Vector(2 * n, "tauG1", threads: threads)
        let tauG2 = try r.g2Vector(n, "tauG2", threads: threads)
        let alpha = try r.g1Vector(n, "alphaTauG1", threads: threads)
        let beta = try r.g1Vector(n, "betaTauG1", threads: threads)
        let betaG2 = try r.g2("betaG2")
        return PowersOfTau(power: power, tauG1: tauG1, tauG2: tauG2, alphaTauG1: alpha, betaTauG1: beta, betaG2: betaG2)!
    }
}
