import ArgumentParser
import Foundation
import ZK

/// `settlement zk ...`: local tools of the proof system (no server): the Poseidon hash, the
/// built-in circuits, and their constraint systems and example witnesses as iden3 `.r1cs` /
/// `.wtns` files for other provers.
struct ZKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zk",
        abstract: "Zero-knowledge tools: Poseidon, built-in circuits, .r1cs/.wtns export and checks, Groth16 setup (development), prove, verify.",
        discussion: "Exit codes: 0 success; 1 a witness does not satisfy its constraint system; "
            + "2 an input file (--input) is refused; 4 a file could not be read, written or parsed; 64 bad usage.",
        subcommands: [Hash.self, Circuits.self, ExportR1CS.self, WitnessCommand.self, Check.self, Verify.self,
                      Prove.self, SetupDev.self, VerifyBatch.self, AggregationSRSCommand.self, Aggregate.self,
                      VerifyAggregate.self, Ceremony.self, Setup.self, Contribute.self,
                      VerifyTranscript.self])

    /// `settlement zk poseidon X [Y ...]`.
    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "poseidon", abstract: "Poseidon (circomlib) of 1 to 16 field elements, printed as 0x-hex.")

        @Argument(help: ArgumentHelp("Inputs: decimal or 0x-hex, each below the BN254 scalar field r.",
                                     valueName: "x"))
        var inputs: [String]

        func validate() throws {
            guard (1...16).contains(inputs.count) else { throw ValidationError("poseidon takes 1 to 16 inputs") }
            for input in inputs where ZKCommand.parseField(input) == nil {
                throw ValidationError("'\(input)' is not a field element (decimal or 0x-hex below r)")
            }
        }

        func run() throws {
            let hash = Poseidon.hash(inputs.compactMap(ZKCommand.parseField))
            print(Format.hex(hash.bigEndianBytes))
        }
    }

    /// `settlement zk circuits`.
    struct Circuits: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "circuits", abstract: "List the built-in circuits with their sizes (--describe: their input signals).")

        @Flag(help: "Also list each circuit's input signals (the names of an --input file) and its example input.")
        var describe = false

        func run() throws {
            print("name\tconstraints\tpublic\twires\tsummary")
            for circuit in BuiltinCircuit.all {
                let r1cs = circuit.buildExample().r1cs
                print("\(circuit.name)\t\(r1cs.constraints.count)\t\(r1cs.publicCount)\t\(r1cs.wireCount)\t\(circuit.summary)")
            }
            guard describe else { return }
            for circuit in BuiltinCircuit.all {
                print("\n\(circuit.name) inputs:")
                for signal in circuit.signals {
                    let shape = signal.length.map { "[\($0)]" } ?? ""
                    print("  \(signal.name)\(shape)\(signal.isBit ? " (bits)" : "")\t\(signal.summary)")
                }
                print("example input:\n" + circuit.exampleInputs.json(signals: circuit.signals), terminator: "")
            }
        }
    }

    /// The circuit options shared by export and witness.
    struct CircuitOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Built-in circuit name (see `settlement zk circuits`).", valueName: "name"))
        var circuit: String

        @Option(help: ArgumentHelp("Tree depth of merkle-membership (1 to 64, default 20).", valueName: "n"))
        var depth: Int?

        func validate() throws {
            guard BuiltinCircuit.named(circuit) != nil else {
                throw ValidationError("unknown circuit '\(circuit)'; known: "
                                      + BuiltinCircuit.all.map(\.name).joined(separator: ", "))
            }
            if let depth {
                guard circuit == "merkle-membership" else { throw ValidationError("--depth is for merkle-membership") }
                guard (1...64).contains(depth) else { throw ValidationError("--depth must be 1 to 64") }
            }
        }

        /// The named circuit (at --depth).
        var builtin: BuiltinCircuit {
            if let depth { return BuiltinCircuit.merkleMembership(depth: depth) }
            return BuiltinCircuit.named(circuit)!
        }

        func build() -> ConstraintSystem { builtin.buildExample() }

        /// The system and witness from an --input file, or from the example when nil. A refused
        /// input exits 2 with the reason (naming the signal); an unreadable file exits 4.
        func build(input: String?) throws -> ConstraintSystem {
            guard let input else { return build() }
            let bytes = try ZKCommand.readBounded(input, limit: CircuitInputs.maxJSONBytes)
            do throws(CircuitInputError) {
                return try builtin.build(inputJSON: bytes)
            } catch {
                printError("\(input): \(error.description)")
                throw ExitCode(2)
            }
        }
    }

    /// `settlement zk export-r1cs --circuit NAME --out FILE`.
    struct ExportR1CS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-r1cs", abstract: "Write a built-in circuit's constraint system as an iden3 .r1cs file.")

        @OptionGroup var options: CircuitOptions
        @Option(help: ArgumentHelp("Output file.", valueName: "file")) var out: String

        func run() throws {
            let r1cs = options.build().r1cs
            try ZKCommand.write(R1CSFile.write(r1cs), to: out)
            print("\(options.circuit): \(r1cs.constraints.count) constraints, \(r1cs.wireCount) wires, "
                  + "\(r1cs.publicCount) public -> \(out)")
        }
    }

    /// `settlement zk witness --circuit NAME (--example | --input FILE) --out FILE.wtns`.
    struct WitnessCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "witness", abstract: "Write a built-in circuit's witness as an iden3 .wtns file.",
            discussion: "The input is the circuit's example (--example) or a circom-style input.json (--input; "
                + "`zk circuits --describe` lists the signal names). Exit codes: 0 written; 2 the input file is "
                + "refused (the message names the signal); 4 a file is unreadable or cannot be written; 64 bad usage.")

        @OptionGroup var options: CircuitOptions
        @Flag(help: "Use the circuit's built-in example input.") var example = false
        @Option(help: ArgumentHelp("Input signals as JSON (name -> decimal or 0x-hex string, arrays for array signals).",
                                   valueName: "file"))
        var input: String?
        @Option(help: ArgumentHelp("Output file.", valueName: "file")) var out: String

        func validate() throws {
            guard example != (input != nil) else { throw ValidationError("give --example or --input FILE") }
        }

        func run() throws {
            let cs = try options.build(input: input)
            try ZKCommand.write(WitnessFile.write(cs.witness), to: out)
            let publics = cs.witness.values[1...cs.r1cs.publicCount].map(\.decimalString)
            print("\(options.circuit): \(cs.wireCount) values, public [\(publics.joined(separator: ", "))] -> \(out)")
        }
    }

    /// `settlement zk check --r1cs FILE --wtns FILE`: any tool's files, through our readers.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Read an .r1cs and a .wtns file and check the witness satisfies the system.")

        @Option(help: ArgumentHelp("Constraint system file.", valueName: "file")) var r1cs: String
        @Option(help: ArgumentHelp("Witness file.", valueName: "file")) var wtns: String

        func run() throws {
            let system = try ZKCommand.read(r1cs) { bytes throws(BinaryFileError) in try R1CSFile.read(bytes) }
            let witness = try ZKCommand.read(wtns) { bytes throws(BinaryFileError) in try WitnessFile.read(bytes) }
            print("r1cs: \(system.constraints.count) constraints, \(system.wireCount) wires, "
                  + "\(system.publicOutputs) public outputs, \(system.publicInputs) public inputs, "
                  + "\(system.privateInputs) private inputs; wtns: \(witness.values.count) values")
            switch system.isSatisfied(witness) {
            case .satisfied:
                print("satisfied")
            case .unsatisfied(let index):
                printError("constraint \(index) is not satisfied")
                throw ExitCode(1)
            case .wrongWitnessLength(let expected, let got):
                printError("the witness has \(got) values, the system \(expected) wires")
                throw ExitCode(1)
            case .wireZeroNotOne:
                printError("witness value 0 is not 1")
                throw ExitCode(1)
            }
        }
    }

    /// A field element from decimal or 0x-hex; nil unless below r.
    static func parseField(_ text: String) -> Fr? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") {
            let digits = String(lower.dropFirst(2))
            guard !digits.isEmpty, digits.count <= 64, let v = UInt256(hex: digits) else { return nil }
            return Fr(canonical: v)
        }
        return Fr(decimal: text)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            printError("cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(4)
        }
    }

    /// Creates `path` (and its parents) unless it exists.
    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            printError("cannot create \(path): \(error.localizedDescription)")
            throw ExitCode(4)
        }
    }

    /// The largest `.r1cs` or `.wtns` file read (a circuit of a few million constraints).
    static let maxBinaryFileBytes = 1 << 30

    /// Reads a binary file (at most `limit` bytes) and parses it.
    static func read<T>(_ path: String, limit: Int = maxBinaryFileBytes,
                        _ parse: ([UInt8]) throws(BinaryFileError) -> T) throws -> T {
        let bytes = try readBounded(path, limit: limit)
        do throws(BinaryFileError) {
            return try parse(bytes)
        } catch {
            printError("\(path): \(error.description)")
            throw ExitCode(4)
        }
    }

    /// The bytes of `path`, refusing (exit 4) a file larger than `limit` before holding more than
    /// `limit + 1` bytes of it.
    static func readBounded(_ path: String, limit: Int) throws -> [UInt8] {
        let bytes: [UInt8]
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            bytes = [UInt8](try handle.read(upToCount: limit + 1) ?? Data())
        } catch {
            printError("cannot read \(path): \(error.localizedDescription)")
            throw ExitCode(4)
        }
        guard bytes.count <= limit else {
            printError("\(path): larger than \(limit) bytes")
            throw ExitCode(4)
        }
        return bytes
    }
}
