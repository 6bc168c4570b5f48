import ZK

/// snarkjs `.zkey` files through `ZKeyFile.read` (a proving key comes from a ceremony or another
/// machine: outside bytes).
enum ZKeyTarget {
    /// Never a crash or an unbounded allocation; what reads writes back to a file that reads to
    /// the same key and section 10.
    static let target = FuzzTarget(name: "zkey", summary: "the snarkjs .zkey reader (Groth16 proving keys)") { bytes in
        guard let contents = try? ZKeyFile.read(bytes, threads: 1) else { return }
        let again = try? ZKeyFile.read(ZKeyFile.write(contents.key, contributions: contents.contributions), threads: 1)
        precondition(again == contents, "a .zkey that reads does not survive write and read")
    }

    /// The key of a one-constraint circuit (y·y = x, x public) from fixed toxic waste, with and
    /// without contributions.
    static var seeds: [[UInt8]] {
        var cs = ConstraintSystem()
        let x = cs.allocatePublicInput(Fr(9))
        let y = cs.allocatePrivateInput(Fr(3))
        cs.enforce(y.lc, y.lc, x.lc)
        let waste = Groth16.ToxicWaste(tau: Fr(11), alpha: Fr(2), beta: Fr(3), gamma: Fr(5), delta: Fr(7))
        guard let key = try? Groth16.developmentSetup(r1cs: cs.r1cs, toxicWaste: waste, threads: 1) else { return [] }
        return [ZKeyFile.write(key), ZKeyFile.write(key, contributions: [UInt8](repeating: 1, count: 100))]
    }
}
