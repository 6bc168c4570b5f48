import ArgumentParser
import Foundation
import ZK

extension ZKCommand {
    /// The largest `.zkey` read: the key of a circuit of about 2^21 constraints.
    static let maxZKeyBytes = 2 << 30

    /// Reads and checks a `.zkey` (exit 4 when unreadable or refused).
    static func readZKey(_ path: String) throws -> ZKeyFile.Contents {
        let bytes = try readBounded(path, limit: maxZKeyBytes)
        do throws(ZKeyFileError) {
            return try ZKeyFile.read(bytes)
        } catch {
            printError("\(path): \(error.description)")
            throw ExitCode(4)
        }
    }

    /// Seconds since `start`, for the progress lines.
    static func elapsed(since start: ContinuousClock.Instant) -> String {
        let d = ContinuousClock.now - start
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return String(format: "%.2f s", s)
    }

    /// `settlement zk prove --zkey K --wtns W --proof proof.json --public public.json`.
    struct Prove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prove",
            abstract: "Make a Groth16 (BN254) proof from a snarkjs .zkey and an iden3 .wtns, as snarkjs JSON.",
            discussion: "The blinding values come from the system's cryptographic generator. With --r1cs the "
                + "witness is checked against the constraint system first (the .zkey alone cannot tell a "
                + "satisfying witness from another: without it an unsatisfying witness gives a proof that does "
                + "not verify). Exit codes: 0 proof written; 1 the witness is refused (length, wire 0, an "
                + "unsatisfied constraint); 4 a file is unreadable, malformed or cannot be written.")

        @Option(help: ArgumentHelp("Proving key (snarkjs .zkey).", valueName: "file")) var zkey: String
        @Option(help: ArgumentHelp("Witness (.wtns, all wires, wire 0 = 1).", valueName: "file")) var wtns: String
        @Option(help: ArgumentHelp("Optional constraint system to check the witness against.", valueName: "file"))
        var r1cs: String?
        @Option(help: ArgumentHelp("Output proof.json.", valueName: "file")) var proof: String
        @Option(name: .customLong("public"), help: ArgumentHelp("Output public.json.", valueName: "file"))
        var publicFile: String

        func run() throws {
            let start = ContinuousClock.now
            let key = try ZKCommand.readZKey(zkey).key
            printError("zkey: \(key.wireCount) wires, \(key.publicCount) public, domain \(key.domainSize) "
                       + "(\(ZKCommand.elapsed(since: start)))")
            let witness = try ZKCommand.read(wtns) { bytes throws(BinaryFileError) in try WitnessFile.read(bytes) }
            let system = try r1cs.map { path in
                try ZKCommand.read(path) { bytes throws(BinaryFileError) in try R1CSFile.read(bytes) }
            }
            let proved = ContinuousClock.now
            let result: Groth16.Proof
            do throws(Groth16.ProverError) {
                result = try Groth16.prove(key: key, witness: witness, checking: system)
            } catch {
                printError("refused: \(error.description)")
                throw ExitCode(1)
            }
            printError("proved in \(ZKCommand.elapsed(since: proved))")
            let inputs = Array(witness.values[1..<(1 + key.publicCount)])
            try ZKCommand.write(Groth16JSON.encode(result), to: proof)
            try ZKCommand.write(Groth16JSON.encode(publicInputs: inputs), to: publicFile)
            print("proof -> \(proof), \(inputs.count) public inputs -> \(publicFile)")
        }
    }

    /// `settlement zk setup-dev --r1cs R --zkey out.zkey --vkey verification_key.json`.
    struct SetupDev: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "setup-dev",
            abstract: "SINGLE-PARTY Groth16 setup for development and tests: .r1cs -> .zkey + verification_key.json.",
            discussion: "This machine draws the toxic waste (tau, alpha, beta, gamma, delta) and forgets it, "
                + "but nothing proves it did: whoever runs this setup could forge proofs. Use a multi-party "
                + "ceremony for anything real. Exit codes: 0 written; 4 a file is unreadable or cannot be "
                + "written, or the circuit is too large.")

        @Option(help: ArgumentHelp("Constraint system (.r1cs).", valueName: "file")) var r1cs: String
        @Option(help: ArgumentHelp("Output proving key (.zkey).", valueName: "file")) var zkey: String
        @Option(help: ArgumentHelp("Output verification_key.json.", valueName: "file")) var vkey: String

        func run() throws {
            printError("WARNING: single-party setup for DEVELOPMENT ONLY: whoever runs it could forge proofs.")
            let start = ContinuousClock.now
            let system = try ZKCommand.read(r1cs) { bytes throws(BinaryFileError) in try R1CSFile.read(bytes) }
            var generator = SystemRandomNumberGenerator()
            let key: Groth16.ProvingKey
            do throws(Groth16.SetupError) {
                key = try Groth16.developmentSetup(r1cs: system, toxicWaste: .random(using: &generator))
            } catch {
                printError("\(r1cs): \(error.description)")
                throw ExitCode(4)
            }
            printError("setup: \(system.constraints.count) constraints, domain \(key.domainSize) "
                       + "(\(ZKCommand.elapsed(since: start)))")
            try ZKCommand.write(ZKeyFile.write(key), to: zkey)
            try ZKCommand.write(Groth16JSON.encode(key.verifyingKey), to: vkey)
            print("development key (single-party, not for production) -> \(zkey), \(vkey)")
        }
    }
}
