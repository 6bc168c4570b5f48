import ArgumentParser
import Foundation
import ZK

extension ZKCommand {
    /// `settlement zk ceremony ...`: a Groth16 setup by a multi-party ceremony whose every
    /// contribution anyone can check from the transcript (docs/zk.md, "Ceremony").
    struct Ceremony: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ceremony",
            abstract: "Multi-party Groth16 setup: powers of tau (phase 1), per-circuit phase 2, verification.",
            discussion: "Exit codes: 0 success or a valid transcript; 1 a transcript that fails verification; "
                + "4 a file could not be read, written or parsed; 64 bad usage.",
            subcommands: [New.self, Contribute.self, Beacon.self, Phase2.self, VerifyTranscript.self,
                          ExportVerifyingKey.self, ExportZKey.self])

        /// The largest transcript file read (phase 1 of power 22 is about 1.6 GB).
        static let maxFileBytes = 1 << 31

        static func readPhase1(_ path: String) throws -> Phase1Transcript {
            guard case .phase1(let t) = try readTranscript(path) else {
                printError("\(path): not a phase-1 transcript")
                throw ExitCode(4)
            }
            return t
        }

        static func readPhase2(_ path: String) throws -> Phase2Transcript {
            guard case .phase2(let t) = try readTranscript(path) else {
                printError("\(path): not a phase-2 transcript")
                throw ExitCode(4)
            }
            return t
        }

        enum Transcript {
            case phase1(Phase1Transcript)
            case phase2(Phase2Transcript)
        }

        /// A transcript of either phase, told apart by its magic.
        static func readTranscript(_ path: String) throws -> Transcript {
            try ZKCommand.read(path, limit: maxFileBytes) { b throws(BinaryFileError) in
                if b.starts(with: Phase2File.magic) { return .phase2(try Phase2File.read(b)) }
                if b.starts(with: Phase1File.magic) { return .phase1(try Phase1File.read(b)) }
                throw .wrongMagic(expected: "zkp1 or zkp2")
            }
        }

        /// Refuses to add a contribution after a beacon: the beacon must stay the last one.
        static func refuseAfterBeacon(_ lastBeacon: CeremonyBeacon?, _ input: String) throws {
            guard lastBeacon == nil else {
                printError("\(input): the transcript ends with a beacon contribution, which must stay the last; not contributing")
                throw ExitCode(1)
            }
        }

        /// Checks a phase-2 input before contributing to it: the whole transcript against phase 1
        /// and the circuit when both are given, otherwise each contribution against its predecessor
        /// (and a note that the key itself was not checked). Exit 1 when a check fails.
        static func checkPhase2Input(_ t: Phase2Transcript, input: String, ptau: String?, r1cs: String?) throws {
            let failures: [CeremonyFailure]
            if let ptau, let r1cs {
                let p1 = try readPhase1(ptau)
                let system = try ZKCommand.read(r1cs) { b throws(BinaryFileError) in try R1CSFile.read(b) }
                var check = SystemRandomNumberGenerator()
                failures = t.verify(phase1: p1.parameters, r1cs: system, using: &check).failures
                    .filter { $0 != .noContributions && $0 != .onlyBeaconContributions }
            } else {
                failures = t.contributionEntries().compactMap(\.failure)
                printNote("\(input): contributions checked one by one; the key was not checked against phase 1 "
                          + "and the circuit (give --ptau and --r1cs for that)")
            }
            guard failures.isEmpty else {
                printError("\(input): the transcript does not verify (\(failures[0])); not contributing")
                throw ExitCode(1)
            }
        }

        /// Prints one line per contribution and each final failure; true when the report is valid.
        /// Reads and verifies a phase-1 and a phase-2 transcript (printing both reports); exit 1
        /// unless both verify. What the export commands write comes only from here.
        static func verifiedPhase2(_ input: String, ptau: String, r1cs: String) throws -> Phase2Transcript {
            var check = SystemRandomNumberGenerator()
            let t = try readPhase2(input)
            let p1 = try readPhase1(ptau)
            print("phase 1 (\(ptau)): \(p1.contributions.count) contributions")
            guard printReport(p1.verify(using: &check)) else { throw ExitCode(1) }
            let system = try ZKCommand.read(r1cs) { b throws(BinaryFileError) in try R1CSFile.read(b) }
            print("phase 2 (\(input)): domain \(t.key.domainSize), \(t.contributions.count) contributions")
            guard printReport(t.verify(phase1: p1.parameters, r1cs: system, using: &check)) else { throw ExitCode(1) }
            return t
        }

        static func printReport(_ report: CeremonyReport) -> Bool {
            for c in report.contributions {
                let verdict = c.failure.map { "FAILED: \($0)" } ?? "OK"
                let kind = c.isBeacon ? " (beacon: public secrets)" : ""
                print("#\(c.index) \(Format.hex(c.hash)) \(c.name.debugDescription)\(kind) \(verdict)")
            }
            for f in report.finalFailures { print("FAILED: \(f)") }
            print(report.isValid ? "transcript OK" : "transcript FAILED")
            return report.isValid
        }
    }

    /// `settlement zk ceremony new --power K --out FILE`.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new", abstract: "Start a phase-1 (powers of tau) transcript for domains up to 2^K, at the generators.")

        @Option(help: ArgumentHelp("log2 of the largest domain (1 to \(PowersOfTau.maxPower)).", valueName: "K"))
        var power: Int
        @Option(help: ArgumentHelp("Output transcript.", valueName: "file")) var out: String

        func validate() throws {
            guard (1...PowersOfTau.maxPower).contains(power) else {
                throw ValidationError("--power must be 1 to \(PowersOfTau.maxPower)")
            }
        }

        func run() throws {
            try ZKCommand.write(Phase1File.write(Phase1Transcript(power: power)), to: out)
            print("phase 1 for domains up to 2^\(power), no contributions -> \(out)")
        }
    }

    /// `settlement zk ceremony contribute --in X --out Y [--name N] [--entropy-file F]`.
    struct Contribute: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "contribute",
            abstract: "Verify a phase-1 or phase-2 transcript and add a contribution with fresh secrets.",
            discussion: "The secrets come from the system's cryptographic generator, mixed with the bytes of "
                + "--entropy-file (use - for standard input) if given; they are never written anywhere. "
                + "For a phase-2 transcript, --ptau and --r1cs let the input be verified first.")

        @Option(name: .customLong("in"), help: ArgumentHelp("Input transcript.", valueName: "file")) var input: String
        @Option(help: ArgumentHelp("Output transcript.", valueName: "file")) var out: String
        @Option(help: ArgumentHelp("A name recorded with the contribution (public).", valueName: "text")) var name: String = ""
        @Option(help: ArgumentHelp("Extra entropy: a file, or - for standard input (at most 1 MiB).", valueName: "file"))
        var entropyFile: String?
        @Option(help: ArgumentHelp("Phase 2: the phase-1 transcript, to verify the input first.", valueName: "file"))
        var ptau: String?
        @Option(help: ArgumentHelp("Phase 2: the circuit, to verify the input first.", valueName: "file"))
        var r1cs: String?

        func validate() throws {
            guard name.utf8.count <= Phase1Contribution.maxNameBytes else {
                throw ValidationError("--name is at most \(Phase1Contribution.maxNameBytes) bytes")
            }
            guard (ptau == nil) == (r1cs == nil) else { throw ValidationError("--ptau and --r1cs go together") }
        }

        func run() throws {
            let transcript = try Ceremony.readTranscript(input)
            var extra: [UInt8] = []
            if let entropyFile {
                extra = entropyFile == "-"
                    ? [UInt8](FileHandle.standardInput.readData(ofLength: 1 << 20))
                    : try ZKCommand.readBounded(entropyFile, limit: 1 << 20)
            }
            var rng = HashRandomGenerator.system(mixing: extra)
            switch transcript {
            case .phase1(var t):
                try Ceremony.refuseAfterBeacon(t.contributions.last?.beacon, input)
                var check = SystemRandomNumberGenerator()
                guard t.verify(using: &check).failures.allSatisfy({ $0 == .noContributions || $0 == .onlyBeaconContributions }) else {
                    printError("\(input): the transcript does not verify (run verify-transcript); not contributing")
                    throw ExitCode(1)
                }
                let record = t.contribute(name: name, using: &rng)
                try ZKCommand.write(Phase1File.write(t), to: out)
                print("phase 1 contribution #\(t.contributions.count - 1) \(Format.hex(t.digests.last!)) -> \(out)")
                print("parameters digest \(Format.hex(record.parametersHash))")
            case .phase2(var t):
                try Ceremony.refuseAfterBeacon(t.contributions.last?.beacon, input)
                try Ceremony.checkPhase2Input(t, input: input, ptau: ptau, r1cs: r1cs)
                let record = t.contribute(name: name, using: &rng)
                try ZKCommand.write(Phase2File.write(t), to: out)
                print("phase 2 contribution #\(t.contributions.count - 1) \(Format.hex(t.digests.last!)) -> \(out)")
                print("key digest \(Format.hex(record.keyHash))")
            }
        }
    }

    /// `settlement zk ceremony beacon --in X --out Y --beacon HEX --iterations-exponent E`.
    struct Beacon: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "beacon",
            abstract: "Add a contribution derived from a public random beacon (normally the last one); anyone recomputes it.",
            discussion: "The beacon value is public (e.g. a block hash announced in advance to be used); it is "
                + "stretched by 2^E rounds of SHA-256. The input transcript is verified first (phase 2: with --ptau and --r1cs).")

        @Option(name: .customLong("in"), help: ArgumentHelp("Input transcript.", valueName: "file")) var input: String
        @Option(help: ArgumentHelp("Output transcript.", valueName: "file")) var out: String
        @Option(help: ArgumentHelp("The beacon value in hex (1 to 256 bytes).", valueName: "hex")) var beacon: String
        @Option(help: ArgumentHelp("log2 of the SHA-256 rounds (0 to \(CeremonyBeacon.maxIterationsExponent)).", valueName: "E"))
        var iterationsExponent: Int = 10
        @Option(help: ArgumentHelp("Name recorded with the contribution.", valueName: "text")) var name: String = "beacon"
        @Option(help: ArgumentHelp("Phase 2: the phase-1 transcript, to verify the input first.", valueName: "file"))
        var ptau: String?
        @Option(help: ArgumentHelp("Phase 2: the circuit, to verify the input first.", valueName: "file"))
        var r1cs: String?

        func parsedBeacon() -> CeremonyBeacon? {
            let hex = beacon.lowercased().hasPrefix("0x") ? String(beacon.dropFirst(2)) : beacon
            guard hex.count % 2 == 0, hex.allSatisfy(\.isHexDigit) else { return nil }
            var bytes: [UInt8] = []
            var i = hex.startIndex
            while i < hex.endIndex {
                let j = hex.index(i, offsetBy: 2)
                bytes.append(UInt8(hex[i..<j], radix: 16)!)
                i = j
            }
            return CeremonyBeacon(value: bytes, iterationsExponent: iterationsExponent)
        }

        func validate() throws {
            guard parsedBeacon() != nil else {
                throw ValidationError("--beacon must be 1 to \(CeremonyBeacon.maxValueBytes) bytes of hex and "
                                      + "--iterations-exponent 0 to \(CeremonyBeacon.maxIterationsExponent)")
            }
            guard name.utf8.count <= Phase1Contribution.maxNameBytes else { throw ValidationError("--name is too long") }
            guard (ptau == nil) == (r1cs == nil) else { throw ValidationError("--ptau and --r1cs go together") }
        }

        func run() throws {
            let value = parsedBeacon()!
            var check = SystemRandomNumberGenerator()
            switch try Ceremony.readTranscript(input) {
            case .phase1(var t):
                try Ceremony.refuseAfterBeacon(t.contributions.last?.beacon, input)
                guard t.verify(using: &check).failures.allSatisfy({ $0 == .noContributions || $0 == .onlyBeaconContributions }) else {
                    printError("\(input): the transcript does not verify (run verify-transcript); not contributing")
                    throw ExitCode(1)
                }
                t.contribute(name: name, beacon: value)
                try ZKCommand.write(Phase1File.write(t), to: out)
                print("phase 1 beacon contribution #\(t.contributions.count - 1) \(Format.hex(t.digests.last!)) -> \(out)")
            case .phase2(var t):
                try Ceremony.refuseAfterBeacon(t.contributions.last?.beacon, input)
                try Ceremony.checkPhase2Input(t, input: input, ptau: ptau, r1cs: r1cs)
                t.contribute(name: name, beacon: value)
                try ZKCommand.write(Phase2File.write(t), to: out)
                print("phase 2 beacon contribution #\(t.contributions.count - 1) \(Format.hex(t.digests.last!)) -> \(out)")
            }
        }
    }

    /// `settlement zk ceremony phase2 --ptau P1 --r1cs C --out FILE`.
    struct Phase2: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "phase2",
            abstract: "Verify a phase-1 transcript and start phase 2 for a circuit (the key with delta = 1).")

        @Option(help: ArgumentHelp("Phase-1 transcript (with at least one contribution).", valueName: "file"))
        var ptau: String
        @Option(help: ArgumentHelp("The circuit's .r1cs file.", valueName: "file")) var r1cs: String
        @Option(help: ArgumentHelp("Output phase-2 transcript.", valueName: "file")) var out: String

        func run() throws {
            let p1 = try Ceremony.readPhase1(ptau)
            var check = SystemRandomNumberGenerator()
            let report = p1.verify(using: &check)
            guard report.isValid else {
                printError("\(ptau): the phase-1 transcript does not verify: "
                           + report.failures.map(\.description).joined(separator: "; "))
                throw ExitCode(1)
            }
            let system = try ZKCommand.read(r1cs) { b throws(BinaryFileError) in try R1CSFile.read(b) }
            let t: Phase2Transcript
            do throws(CeremonyFailure) {
                t = try Phase2Transcript(phase1: p1.parameters, r1cs: system)
            } catch {
                printError("\(r1cs): \(error)")
                throw ExitCode(1)
            }
            try ZKCommand.write(Phase2File.write(t), to: out)
            print("phase 2: domain \(t.key.domainSize), \(t.key.wireCount) wires, \(t.key.publicCount) public -> \(out)")
        }
    }

    /// `settlement zk ceremony verify-transcript FILE [--ptau P1 --r1cs C]`.
    struct VerifyTranscript: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-transcript",
            abstract: "Check every contribution of a transcript; print each one's hash and OK or FAILED.",
            discussion: "A phase-2 transcript needs --ptau and --r1cs: the phase-1 transcript is verified too, "
                + "and the initial key is recomputed from it and the circuit. Exit 0 when everything verifies, 1 otherwise.")

        @Argument(help: ArgumentHelp("Phase-1 or phase-2 transcript.", valueName: "file")) var file: String
        @Option(help: ArgumentHelp("Phase 2: the phase-1 transcript.", valueName: "file")) var ptau: String?
        @Option(help: ArgumentHelp("Phase 2: the circuit's .r1cs file.", valueName: "file")) var r1cs: String?

        func run() throws {
            var check = SystemRandomNumberGenerator()
            switch try Ceremony.readTranscript(file) {
            case .phase1(let t):
                print("phase 1: domains up to 2^\(t.parameters.power), \(t.contributions.count) contributions")
                if !Ceremony.printReport(t.verify(using: &check)) { throw ExitCode(1) }
            case .phase2(let t):
                guard let ptau, let r1cs else {
                    printError("a phase-2 transcript is verified against --ptau and --r1cs")
                    throw ExitCode(64)
                }
                let p1 = try Ceremony.readPhase1(ptau)
                print("phase 1 (\(ptau)): \(p1.contributions.count) contributions")
                let p1Valid = Ceremony.printReport(p1.verify(using: &check))
                let system = try ZKCommand.read(r1cs) { b throws(BinaryFileError) in try R1CSFile.read(b) }
                print("phase 2 (\(file)): domain \(t.key.domainSize), \(t.contributions.count) contributions")
                let p2Valid = Ceremony.printReport(t.verify(phase1: p1.parameters, r1cs: system, using: &check))
                if !(p1Valid && p2Valid) { throw ExitCode(1) }
            }
        }
    }

    /// `settlement zk ceremony export-zkey --in C.phase2 --ptau P1 --r1cs C.r1cs --out C.zkey`.
    struct ExportZKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-zkey",
            abstract: "Verify a phase-2 transcript and write its proving key as a snarkjs .zkey.",
            discussion: "The phase-1 and phase-2 transcripts are verified first (the initial key recomputed from the "
                + "phase-1 transcript and the circuit); nothing is written unless both verify. Exit codes: 0 written; "
                + "1 a transcript does not verify; 4 a file is unreadable; 64 bad usage.")

        @OptionGroup var transcript: VerifiedPhase2Options
        @Option(help: ArgumentHelp("Output .zkey file.", valueName: "file")) var out: String
        @Option(help: ArgumentHelp("Also write the verifying key as snarkjs verification_key.json.", valueName: "file"))
        var vkey: String?

        func run() throws {
            let t = try transcript.load()
            try ZKCommand.write(ZKeyFile.write(t.key), to: out)
            if let vkey { try ZKCommand.write(Groth16JSON.encode(t.key.verifyingKey), to: vkey) }
            print("proving key (\(t.key.wireCount) wires, \(t.key.publicCount) public, domain \(t.key.domainSize)) -> \(out)")
        }
    }

    /// `settlement zk ceremony export-vkey --in C.phase2 --ptau P1 --r1cs C.r1cs --out verification_key.json`.
    struct ExportVerifyingKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-vkey",
            abstract: "Verify a phase-2 transcript and write its verifying key as snarkjs verification_key.json.",
            discussion: "The phase-1 and phase-2 transcripts are verified first; nothing is written unless both "
                + "verify (a verifier deploys this file: a key from an unchecked transcript could have a delta "
                + "somebody knows). Exit codes: 0 written; 1 a transcript does not verify; 4 a file is unreadable.")

        @OptionGroup var transcript: VerifiedPhase2Options
        @Option(help: ArgumentHelp("Output JSON file.", valueName: "file")) var out: String

        func run() throws {
            let t = try transcript.load()
            try ZKCommand.write(Groth16JSON.encode(t.key.verifyingKey), to: out)
            print("verifying key (\(t.key.publicCount) public inputs, \(t.contributions.count) contributions) -> \(out)")
        }
    }

    /// The options `export-zkey` and `export-vkey` share: a phase-2 transcript, the phase-1
    /// transcript and circuit it is verified against.
    struct VerifiedPhase2Options: ParsableArguments {
        @Option(name: .customLong("in"), help: ArgumentHelp("Phase-2 transcript.", valueName: "file")) var input: String
        @Option(help: ArgumentHelp("The phase-1 transcript it was built from.", valueName: "file")) var ptau: String
        @Option(help: ArgumentHelp("The circuit's .r1cs file.", valueName: "file")) var r1cs: String

        /// The phase-2 transcript, after both transcripts verified (exits otherwise).
        func load() throws -> Phase2Transcript {
            try Ceremony.verifiedPhase2(input, ptau: ptau, r1cs: r1cs)
        }
    }
}
