import ArgumentParser
import Foundation
import ZK

extension ZKCommand {
    /// `settlement zk verify --vk FILE --proof FILE --public FILE`: a Groth16 proof in snarkjs JSON
    /// checked by our verifier (exit 0 valid, 1 invalid, 4 unreadable or malformed input).
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify a Groth16 (BN254) proof given as snarkjs verification_key.json, proof.json and public.json.",
            discussion: "Exit codes: 0 the proof is valid; 1 it is not (including a wrong number of public "
                + "inputs); 4 a file is unreadable, too large, malformed, or holds a point off the curve or "
                + "outside G2.")

        @Option(help: ArgumentHelp("snarkjs verification_key.json.", valueName: "file")) var vk: String
        @Option(help: ArgumentHelp("snarkjs proof.json.", valueName: "file")) var proof: String
        @Option(name: .customLong("public"), help: ArgumentHelp("snarkjs public.json.", valueName: "file"))
        var publicFile: String

        func run() throws {
            let key = try Self.load(vk, limit: Groth16JSON.maxVerifyingKeyBytes) { b throws(Groth16FormatError) in
                try Groth16JSON.verifyingKey(from: b)
            }
            let prf = try Self.load(proof, limit: Groth16JSON.maxProofBytes) { b throws(Groth16FormatError) in
                try Groth16JSON.proof(from: b)
            }
            let inputs = try Self.load(publicFile, limit: Groth16JSON.maxPublicBytes) { b throws(Groth16FormatError) in
                try Groth16JSON.publicInputs(from: b)
            }
            guard inputs.count == key.publicInputCount else {
                printError("invalid: \(inputs.count) public inputs, the key expects \(key.publicInputCount)")
                throw ExitCode(1)
            }
            guard Groth16.verify(key, prf, publicInputs: inputs) else {
                printError("invalid: the pairing check fails")
                throw ExitCode(1)
            }
            print("valid")
        }

        /// Reads at most `limit` bytes (`ZKCommand.readBounded`) and parses them.
        static func load<T>(_ path: String, limit: Int,
                            _ parse: ([UInt8]) throws(Groth16FormatError) -> T) throws -> T {
            let bytes = try ZKCommand.readBounded(path, limit: limit)
            do throws(Groth16FormatError) {
                return try parse(bytes)
            } catch {
                printError("\(path): \(error.description)")
                throw ExitCode(4)
            }
        }
    }
}
