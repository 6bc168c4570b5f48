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

    /// `settlement zk prove --pk K (--wtns W | --circuit NAME (--example | --input FILE)) (--out DIR | --proof P --public Q)`.
    struct Prove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prove",
            abstract: "Make a Groth16 (BN254) proof from a snarkjs .zkey and a witness, as snarkjs JSON.",
            discussion: "The witness is an iden3 .wtns (--wtns), or a built-in circuit's (--circuit NAME) witness "
                + "from its example (--example) or from a circom-style input.json (--input FILE: signal name -> "
                + "decimal or 0x-hex string, an array for an array signal; `zk circuits --describe` lists the "
                + "names). The outputs are --out DIR (DIR/proof.json and DIR/public.json) or --proof and "
                + "--public. The blinding values come from the system's cryptographic generator. With --r1cs (or "
                + "--circuit) the witness is checked against the constraint system first (the .zkey alone cannot "
                + "tell a satisfying witness from another: without it an unsatisfying witness gives a proof that "
                + "does not verify). Exit codes: 0 proof written; 1 the witness is refused (length, wire 0, an "
                + "unsatisfied constraint); 2 the input file is refused (unknown or missing signal, a value not "
                + "below r, wrong array length, malformed JSON; the message names the signal); 4 a file is unreadable, malformed or cannot be written; 64 bad usage.")

        @Option(name: [.customLong("pk"), .customLong("zkey")], help: ArgumentHelp("Proving key (snarkjs .zkey).", valueName: "file"))
        var zkey: String
        @Option(help: ArgumentHelp("Witness (.wtns, all wires, wire 0 = 1).", valueName: "file")) var wtns: String?
        @Option(help: ArgumentHelp("Built-in circuit to prove (with --example or --input).", valueName: "name"))
        var circuit: String?
        @Option(help: ArgumentHelp("Tree depth of merkle-membership (default 20).", valueName: "n")) var depth: Int?
        @Flag(help: "Prove the built-in circuit's example input.") var example = false
        @Option(help: ArgumentHelp("The built-in circuit's input signals as JSON (name -> decimal or 0x-hex string, "
                                   + "arrays for array signals).", valueName: "file"))
        var input: String?
        @Option(help: ArgumentHelp("Optional constraint system to check the witness against.", valueName: "file"))
        var r1cs: String?
        @Option(help: ArgumentHelp("Output directory for proof.json and public.json.", valueName: "dir")) var out: String?
        @Option(help: ArgumentHelp("Output proof.json.", valueName: "file")) var proof: String?
        @Option(name: .customLong("public"), help: ArgumentHelp("Output public.json.", valueName: "file"))
        var publicFile: String?

        func validate() throws {
            guard (wtns != nil) != (circuit != nil) else {
                throw ValidationError("give --wtns FILE, or --circuit NAME with --example or --input FILE")
            }
            if circuit != nil {
                guard example != (input != nil) else { throw ValidationError("--circuit needs --example or --input FILE") }
                _ = try circuitOptions()
            } else if example || input != nil {
                throw ValidationError("--example and --input go with --circuit")
            }
            guard (out != nil) != (proof != nil || publicFile != nil), out != nil || (proof != nil && publicFile != nil) else {
                throw ValidationError("give --out DIR, or both --proof and --public")
            }
        }

        func run() throws {
            let start = ContinuousClock.now
            let key = try ZKCommand.readZKey(zkey).key
            printNote("zkey: \(key.wireCount) wires, \(key.publicCount) public, domain \(key.domainSize) "
                       + "(\(ZKCommand.elapsed(since: start)))")
            let witness: Witness
            var system: R1CS?
            if let wtns {
                witness = try ZKCommand.read(wtns) { bytes throws(BinaryFileError) in try WitnessFile.read(bytes) }
            } else {
                let cs = try circuitOptions().build(input: input)
                witness = cs.witness
                system = cs.r1cs
            }
            if let r1cs {
                system = try ZKCommand.read(r1cs) { bytes throws(BinaryFileError) in try R1CSFile.read(bytes) }
            }
            let proved = ContinuousClock.now
            let result: Groth16.Proof
            do throws(Groth16.ProverError) {
                result = try Groth16.prove(key: key, witness: witness, checking: system)
            } catch {
                printError("refused: \(error.description)")
                throw ExitCode(1)
            }
            printNote("proved in \(ZKCommand.elapsed(since: proved))")
            let inputs = Array(witness.values[1..<(1 + key.publicCount)])
            let (proofPath, publicPath) = try outputs()
            try ZKCommand.write(Groth16JSON.encode(result), to: proofPath)
            try ZKCommand.write(Groth16JSON.encode(publicInputs: inputs), to: publicPath)
            print("proof -> \(proofPath), \(inputs.count) public inputs -> \(publicPath)")
        }

        private func circuitOptions() throws -> CircuitOptions {
            try CircuitOptions.parse(["--circuit", circuit!] + (depth.map { ["--depth", "\($0)"] } ?? []))
        }

        private func outputs() throws -> (String, String) {
            guard let out else { return (proof!, publicFile!) }
            try ZKCommand.makeDirectory(out)
            return ("\(out)/proof.json", "\(out)/public.json")
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
            printNote("WARNING: single-party setup for DEVELOPMENT ONLY: whoever runs it could forge proofs.")
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
            printNote("setup: \(system.constraints.count) constraints, domain \(key.domainSize) "
                       + "(\(ZKCommand.elapsed(since: start)))")
            try ZKCommand.write(ZKeyFile.write(key), to: zkey)
            try ZKCommand.write(Groth16JSON.encode(key.verifyingKey), to: vkey)
            print("development key (single-party, not for production) -> \(zkey), \(vkey)")
        }
    }
}
