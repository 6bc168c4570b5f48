import ArgumentParser
import Foundation
import ZK

extension ZKCommand {
    /// Reads `PROOF.json:PUBLIC.json` pairs (snarkjs) for the batch and aggregation commands.
    static func loadProofPairs(_ pairs: [String]) throws -> [Groth16.BatchVerifier.Item] {
        try pairs.map { pair in
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                printError("'\(pair)' is not PROOF.json:PUBLIC.json")
                throw ExitCode(64)
            }
            let proof = try Verify.load(String(parts[0]), limit: Groth16JSON.maxProofBytes) { b throws(Groth16FormatError) in
                try Groth16JSON.proof(from: b)
            }
            let inputs = try loadPublicInputs(String(parts[1]))
            return Groth16.BatchVerifier.Item(proof: proof, publicInputs: inputs)
        }
    }

    /// A snarkjs public.json.
    static func loadPublicInputs(_ path: String) throws -> [Fr] {
        try Verify.load(path, limit: Groth16JSON.maxPublicBytes) { b throws(Groth16FormatError) in
            try Groth16JSON.publicInputs(from: b)
        }
    }

    static func loadVerifyingKey(_ path: String) throws -> Groth16.VerifyingKey {
        try Verify.load(path, limit: Groth16JSON.maxVerifyingKeyBytes) { b throws(Groth16FormatError) in
            try Groth16JSON.verifyingKey(from: b)
        }
    }

    static func loadSRS(_ path: String) throws -> AggregationSRS {
        let limit = AggregationSRS.byteCount(g1Count: 2 * AggregationSRS.maxG2Count, g2Count: AggregationSRS.maxG2Count)
        let bytes = try readBounded(path, limit: limit)
        do { return try AggregationSRS(bytes: bytes) } catch {
            printError("\(path): not an aggregation SRS (\(error))")
            throw ExitCode(4)
        }
    }

    /// `settlement zk verify-batch --vkey vk.json PROOF.json:PUBLIC.json ...`.
    struct VerifyBatch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-batch",
            abstract: "Verify many Groth16 proofs under one key at once (random linear combination); name the invalid ones.",
            discussion: "Exit codes: 0 every proof is valid; 1 some are not (each is printed with its position "
                + "and files); 4 a file is unreadable or malformed; 64 bad usage.")

        @Option(help: ArgumentHelp("snarkjs verification_key.json.", valueName: "file")) var vkey: String
        @Argument(help: ArgumentHelp("Proofs with their public inputs.", valueName: "proof.json:public.json"))
        var pairs: [String]

        func run() throws {
            let key = try ZKCommand.loadVerifyingKey(vkey)
            let items = try ZKCommand.loadProofPairs(pairs)
            let pvk = Groth16.PreparedVerifyingKey(key)
            if Groth16.BatchVerifier.verify(pvk, items) {
                print("valid: \(items.count) proofs")
                return
            }
            let bad = Groth16.BatchVerifier.findInvalid(pvk, items)
            for index in bad { printError("invalid: #\(index + 1) \(pairs[index])") }
            print("invalid: \(bad.count) of \(items.count) proofs")
            throw ExitCode(1)
        }
    }

    /// `settlement zk aggregation-srs --ptau A --ptau-b B --out FILE`, or `--insecure-dev --size N`.
    struct AggregationSRSCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "aggregation-srs",
            abstract: "Write an aggregation SRS from two powers-of-tau transcripts (or, for development, from fresh secrets).",
            discussion: "From two phase-1 transcripts of independent ceremonies (--ptau, --ptau-b; both are verified "
                + "first, and refused if either fails, has no contribution, or both have the same tau): the SRS "
                + "serves as many proofs as the transcripts' domain size. With --insecure-dev --size N instead, the "
                + "secrets a and b are drawn, used and dropped by this process, which therefore could have kept "
                + "them: anyone holding them can forge aggregates. File layout: see docs/zk.md (\"SRS1\", counts, "
                + "then gAlpha, gBeta, hAlpha, hBeta). Exit codes: 0 written; 1 a transcript does not verify; "
                + "4 a file is unreadable; 64 bad usage.")

        @Option(help: ArgumentHelp("The first phase-1 transcript (secret a).", valueName: "file")) var ptau: String?
        @Option(help: ArgumentHelp("The second phase-1 transcript, of an independent ceremony (secret b).", valueName: "file"))
        var ptauB: String?
        @Flag(help: "Make the SRS from fresh known secrets instead (development only).") var insecureDev = false
        @Option(help: ArgumentHelp("With --insecure-dev: the largest number of proofs (a power of two, 2 to 65536).",
                                   valueName: "n"))
        var size: Int?
        @Option(help: ArgumentHelp("Output file.", valueName: "file")) var out: String

        func validate() throws {
            if insecureDev {
                guard ptau == nil, ptauB == nil else { throw ValidationError("--insecure-dev takes no transcripts") }
                guard let size, size >= 2, size <= 65536, size & (size - 1) == 0 else {
                    throw ValidationError("--size must be a power of two from 2 to 65536")
                }
            } else {
                guard ptau != nil, ptauB != nil else {
                    throw ValidationError("give two phase-1 transcripts (--ptau and --ptau-b), or --insecure-dev --size N")
                }
                guard size == nil else { throw ValidationError("--size goes with --insecure-dev") }
            }
        }

        func run() throws {
            guard let ptau, let ptauB else {
                let n = size ?? 2
                let srs = AggregationSRS.insecureFromSecrets(a: Fr.random(), b: Fr.random(), proofCount: n)
                try ZKCommand.write(srs.bytes, to: out)
                print("wrote \(out): development SRS for up to \(n) proofs (INSECURE: known secrets)")
                return
            }
            var check = SystemRandomNumberGenerator()
            var sides: [Phase1Transcript] = []
            for path in [ptau, ptauB] {
                let t = try Ceremony.readPhase1(path)
                print("phase 1 (\(path)): \(t.contributions.count) contributions")
                guard Ceremony.printReport(t.verify(using: &check)) else { throw ExitCode(1) }
                sides.append(t)
            }
            let srs: AggregationSRS
            do {
                srs = try AggregationSRS(ceremonyA: sides[0], ceremonyB: sides[1])
            } catch {
                printError("cannot make an SRS from these transcripts: \(error)")
                throw ExitCode(1)
            }
            try ZKCommand.write(srs.bytes, to: out)
            print("wrote \(out): SRS for up to \(srs.maxProofCount) proofs from two ceremonies")
        }
    }

    /// `settlement zk aggregate --srs FILE --vkey vk.json --out FILE PROOF.json:PUBLIC.json ...`.
    struct Aggregate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "aggregate",
            abstract: "Aggregate N Groth16 proofs (N a power of two) under one key into one SnarkPack proof.",
            discussion: "The aggregate verifies only if every proof does; the public inputs are not in the "
                + "file (the verifier supplies them, in the same order). Exit codes: 0 written; 4 a file is "
                + "unreadable or malformed; 64 bad usage (count not a power of two, larger than the SRS, "
                + "input counts not matching the key).")

        @OptionGroup var keys: AggregationKeyOptions
        @Option(help: ArgumentHelp("Output file (binary aggregate).", valueName: "file")) var out: String
        @Argument(help: ArgumentHelp("Proofs with their public inputs.", valueName: "proof.json:public.json"))
        var pairs: [String]

        func run() throws {
            let key = try keys.loadVerifyingKey()
            let items = try ZKCommand.loadProofPairs(pairs)
            let reference = try keys.loadSRS()
            guard let (prover, _) = reference.specialize(proofCount: items.count) else {
                printError("\(items.count) proofs: need a power of two from 2 to \(reference.maxProofCount)")
                throw ExitCode(64)
            }
            guard let aggregate = SnarkPack.aggregate(prover, key, proofs: items.map(\.proof),
                                                      publicInputs: items.map(\.publicInputs)) else {
                printError("the public input counts do not match the key (\(key.publicInputCount))")
                throw ExitCode(64)
            }
            try ZKCommand.write(aggregate.bytes, to: out)
            print("wrote \(out): \(items.count) proofs, \(aggregate.bytes.count) bytes")
        }
    }

    /// `settlement zk verify-aggregate --srs FILE --vkey vk.json --aggregate FILE PUBLIC.json ...`.
    struct VerifyAggregate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-aggregate",
            abstract: "Verify a SnarkPack aggregate against the public inputs of its proofs, in order.",
            discussion: "Exit codes: 0 valid; 1 invalid (including a wrong number of public inputs); 4 a file "
                + "is unreadable or malformed.")

        @OptionGroup var keys: AggregationKeyOptions
        @Option(help: ArgumentHelp("The aggregate file.", valueName: "file")) var aggregate: String
        @Argument(help: ArgumentHelp("public.json of each aggregated proof, in order.", valueName: "public.json"))
        var publics: [String]

        func run() throws {
            let key = try keys.loadVerifyingKey()
            let bytes = try ZKCommand.readBounded(aggregate, limit: AggregateProof.byteCount(
                logProofCount: AggregateProof.maxLogProofCount))
            let proof: AggregateProof
            do { proof = try AggregateProof(bytes: bytes) } catch {
                printError("\(aggregate): not an aggregate proof (\(error))")
                throw ExitCode(4)
            }
            let inputs = try publics.map(ZKCommand.loadPublicInputs)
            let reference = try keys.loadSRS()
            guard let (_, verifierKey) = reference.specialize(proofCount: proof.proofCount) else {
                printError("invalid: the SRS does not serve \(proof.proofCount) proofs")
                throw ExitCode(1)
            }
            guard verifierKey.isConsistent else {
                printError("\(keys.srs): not a consistent SRS (its generators or its G1 and G2 secrets disagree)")
                throw ExitCode(4)
            }
            guard inputs.count == proof.proofCount else {
                printError("invalid: \(inputs.count) public input files for \(proof.proofCount) proofs")
                throw ExitCode(1)
            }
            guard SnarkPack.verify(verifierKey, Groth16.PreparedVerifyingKey(key, fixedBaseTables: false), proof, publicInputs: inputs) else {
                printError("invalid: the aggregate does not verify")
                throw ExitCode(1)
            }
            print("valid: \(proof.proofCount) proofs")
        }
    }

    /// The options `aggregate` and `verify-aggregate` share: the aggregation SRS and the Groth16
    /// verifying key of the aggregated proofs.
    struct AggregationKeyOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Aggregation SRS file.", valueName: "file")) var srs: String
        @Option(help: ArgumentHelp("snarkjs verification_key.json.", valueName: "file")) var vkey: String

        func loadVerifyingKey() throws -> Groth16.VerifyingKey { try ZKCommand.loadVerifyingKey(vkey) }
        func loadSRS() throws -> AggregationSRS { try ZKCommand.loadSRS(srs) }
    }
}
