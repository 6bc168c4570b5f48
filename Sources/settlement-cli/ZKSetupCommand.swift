import ArgumentParser
import Foundation
import ZK

extension ZKCommand {
    /// `settlement zk setup (--circuit NAME | --r1cs FILE) --out DIR [--ptau FILE]`: a ceremony's first
    /// round for one circuit, in one command.
    struct Setup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "setup",
            abstract: "Start a Groth16 setup ceremony for a circuit: transcripts, proving key and verification_key.json.",
            discussion: "Writes DIR/circuit.r1cs, DIR/phase1.ptau (a new powers-of-tau transcript with this machine's "
                + "contribution, unless --ptau names an existing one, which is verified), DIR/circuit.phase2 (the "
                + "circuit's phase-2 transcript with this machine's contribution), DIR/circuit.zkey and "
                + "DIR/verification_key.json. With only this machine's contributions the key is as trustworthy "
                + "as this machine: others add theirs with `settlement zk contribute --in DIR/circuit.phase2 --out "
                + "NEXT --ptau DIR/phase1.ptau --r1cs DIR/circuit.r1cs`, and `settlement zk ceremony export-zkey` "
                + "writes the final key after verifying the transcripts. Exit codes: 0 written; 1 a transcript "
                + "does not verify or the circuit does not fit it; 4 a file is unreadable; 64 bad usage.")

        @Option(help: ArgumentHelp("Built-in circuit name (see `settlement zk circuits`).", valueName: "name"))
        var circuit: String?
        @Option(help: ArgumentHelp("Tree depth of merkle-membership (default 20).", valueName: "n")) var depth: Int?
        @Option(help: ArgumentHelp("The circuit as an iden3 .r1cs file.", valueName: "file")) var r1cs: String?
        @Option(help: ArgumentHelp("An existing phase-1 transcript to build on (verified first).", valueName: "file"))
        var ptau: String?
        @Option(help: ArgumentHelp("A name recorded with this machine's contributions (public).", valueName: "text"))
        var name: String = "setup"
        @Option(help: ArgumentHelp("Output directory.", valueName: "dir")) var out: String

        func validate() throws {
            guard (circuit != nil) != (r1cs != nil) else { throw ValidationError("give --circuit NAME or --r1cs FILE") }
            if let circuit { _ = try CircuitOptions.parse(["--circuit", circuit] + (depth.map { ["--depth", "\($0)"] } ?? [])) }
            guard name.utf8.count <= Phase1Contribution.maxNameBytes else {
                throw ValidationError("--name is at most \(Phase1Contribution.maxNameBytes) bytes")
            }
        }

        func run() throws {
            let system: R1CS
            if let circuit {
                system = try CircuitOptions.parse(["--circuit", circuit] + (depth.map { ["--depth", "\($0)"] } ?? [])).build().r1cs
            } else {
                system = try ZKCommand.read(r1cs!) { b throws(BinaryFileError) in try R1CSFile.read(b) }
            }
            try ZKCommand.makeDirectory(out)
            try ZKCommand.write(R1CSFile.write(system), to: "\(out)/circuit.r1cs")
            var rng = HashRandomGenerator.system(mixing: [])
            var check = SystemRandomNumberGenerator()
            let phase1: Phase1Transcript
            if let ptau {
                phase1 = try Ceremony.readPhase1(ptau)
                let report = phase1.verify(using: &check)
                guard report.isValid else {
                    printError("\(ptau): the phase-1 transcript does not verify: " + report.failures.map(\.description).joined(separator: "; "))
                    throw ExitCode(1)
                }
            } else {
                var t = Phase1Transcript(power: try Self.power(for: system))
                let start = ContinuousClock.now
                t.contribute(name: name, using: &rng)
                printNote("phase 1: domains up to 2^\(t.parameters.power), contribution in \(ZKCommand.elapsed(since: start))")
                phase1 = t
            }
            try ZKCommand.write(Phase1File.write(phase1), to: "\(out)/phase1.ptau")
            var phase2: Phase2Transcript
            do throws(CeremonyFailure) {
                phase2 = try Phase2Transcript(phase1: phase1.parameters, r1cs: system)
            } catch {
                printError("the circuit does not fit the phase-1 transcript: \(error)")
                throw ExitCode(1)
            }
            phase2.contribute(name: name, using: &rng)
            try ZKCommand.write(Phase2File.write(phase2), to: "\(out)/circuit.phase2")
            try ZKCommand.write(ZKeyFile.write(phase2.key), to: "\(out)/circuit.zkey")
            try ZKCommand.write(Groth16JSON.encode(phase2.key.verifyingKey), to: "\(out)/verification_key.json")
            print("setup: \(system.constraints.count) constraints, domain \(phase2.key.domainSize), "
                  + "\(phase2.key.publicCount) public -> \(out)/{circuit.r1cs, phase1.ptau, circuit.phase2, circuit.zkey, verification_key.json}")
            printNote("note: this machine made every contribution so far; before the key guards anything, "
                       + "others contribute (settlement zk contribute) and export-zkey re-verifies")
        }

        /// The smallest phase-1 power whose domain holds the constraints plus one row per public wire.
        static func power(for system: R1CS) throws -> Int {
            let rows = system.constraints.count + system.publicCount + 1
            var power = 1
            while (1 << power) < rows { power += 1 }
            guard power <= PowersOfTau.maxPower else {
                printError("the circuit needs a domain of 2^\(power) > 2^\(PowersOfTau.maxPower)")
                throw ExitCode(1)
            }
            return power
        }
    }
}
