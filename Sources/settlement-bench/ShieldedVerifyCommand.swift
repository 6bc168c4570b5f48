import ArgumentParser
import Foundation
import Settlement
import ZK

/// `settlement-bench shielded-verify`: what the engine spends on a batch of shielded transactions,
/// beside what a client spends proving one. Measured, not asserted.
///
/// - the spend proof: `proofs` real shields built and proved by `SpendBuilder` (depth 32, a
///   development setup), wall and process CPU time each;
/// - stage 1 (`ShieldedVerifier.verifyProofs`: shape, binding hash, signature, the batch
///   verification) over `batch` transactions: the real proofs rerandomized into distinct valid
///   proofs (`Groth16.rerandomize`), so the batch verifier does all its work; beside it, the same
///   proofs verified one by one;
/// - stage 2 and the trees (`checkAgainstPool`, nullifier inserts, note appends) for `batch`
///   transactions with distinct random nullifiers and commitments (stage 2 does not look at proofs).
struct ShieldedVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shielded-verify",
        abstract: "Spend proof time, and a batch of shielded transactions through both verification stages and the trees.")

    @Option(help: "Real spend proofs made (and timed).")
    var proofs = 3

    @Option(help: "Shielded transactions per batch.")
    var batch = 1_000

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    func validate() throws {
        guard proofs >= 1, batch >= 1 else { throw ValidationError("counts must be positive") }
    }

    func run() async throws {
        let log: (String) -> Void = { [json] in json ? note($0) : print($0) }
        let domain = SigningDomain(chainId: 1, salt: Keccak256.hash(utf8: "settlement-bench shielded-verify"))
        var rng = SystemRandomNumberGenerator()
        let system = SpendCircuit.example().build()
        log("spend circuit: \(system.constraints.count) constraints, \(system.wireCount) wires; development setup ...")
        let provingKey = try Groth16.developmentSetup(r1cs: system.r1cs, toxicWaste: .random(using: &rng))
        let verifyingKey = Groth16.PreparedVerifyingKey(provingKey.verifyingKey)
        let owner = try SpendingKey.generate()
        let account = PrivateKey.generate()

        var made: [ShieldedTransaction] = []
        var proveTimes: [(wall: Double, cpu: Double)] = []
        for i in 0..<proofs {
            var built: SpendBuilder.Built?
            let t = ZKCommand.milliseconds {
                built = try? SpendBuilder.build(spendingKey: owner, inputs: [], payments: [.init(to: owner.address, value: 99)],
                                                publicIn: 100, fee: 1, party: .shieldFrom(key: account, nonce: UInt64(i)),
                                                root: NoteTree().root, domain: domain, provingKey: provingKey)
            }
            guard let tx = built?.transaction else { throw ValidationError("building a shield failed") }
            made.append(tx)
            proveTimes.append(t)
            log(String(format: "spend proof %d: %.0f ms wall, %.0f ms CPU (build, seal, prove, sign)", i + 1, t.wall, t.cpu))
        }
        let sortedWall = proveTimes.map(\.wall).sorted()

        // Stage 1 over `batch` distinct valid proofs.
        let txs = (0..<batch).map { i -> ShieldedTransaction in
            var tx = made[i % made.count]
            tx.proof = Groth16.rerandomize(tx.proof, key: provingKey.verifyingKey, using: &rng)
            return tx
        }
        var verdicts: [ShieldedRefusal?] = []
        let stage1 = ZKCommand.bestOfTwo { verdicts = ShieldedVerifier.verifyProofs(txs, domain: domain, key: verifyingKey) }
        guard verdicts.allSatisfy({ $0 == nil }) else { throw ValidationError("a benchmark proof was refused") }
        let sample = min(batch, 50)
        let single = ZKCommand.milliseconds {
            for tx in txs.prefix(sample) { _ = Groth16.verify(verifyingKey, tx.proof, publicInputs: tx.statement.publicInputs) }
        }
        let singleEach = single.wall / Double(sample)

        // Stage 2 and the trees, with distinct statements.
        var pool = ShieldedPool(windowCapacity: 64, undoLimit: 1)
        let synthetic = (0..<batch).map { _ -> ShieldedTransaction in
            var tx = made[0]
            tx.statement.nullifiers = [Fr.random(using: &rng), Fr.random(using: &rng)]
            tx.statement.commitments = [Fr.random(using: &rng), Fr.random(using: &rng)]
            return tx
        }
        let stage2 = ZKCommand.milliseconds {
            let v = ShieldedVerifier.checkAgainstPool(synthetic, pool: pool)
            precondition(v.allSatisfy { $0 == nil })
            try? pool.apply(synthetic)
            pool.endBatch()
        }

        let perSecond = Double(batch) / ((stage1.wall + stage2.wall) / 1000)
        if json {
            printJSON(["benchmark": "shielded-verify", "constraints": system.constraints.count, "batch": batch,
                       "proveWallMs": proveTimes.map(\.wall), "proveCpuMs": proveTimes.map(\.cpu),
                       "stage1WallMs": stage1.wall, "stage1CpuMs": stage1.cpu, "singleVerifyMs": singleEach,
                       "stage2AndTreesWallMs": stage2.wall, "shieldedPerSecond": perSecond])
            return
        }
        print("")
        print(String(format: "spend proof (median of %d)              %8.0f ms wall", proofs, sortedWall[sortedWall.count / 2]))
        print(String(format: "stage 1, %5d transactions (batch)      %8.1f ms wall  %8.1f ms CPU  (%.3f ms each)",
                     batch, stage1.wall, stage1.cpu, stage1.wall / Double(batch)))
        print(String(format: "  one by one (%d sampled)                %8.1f ms wall each → %.1f ms for %d",
                     sample, singleEach, singleEach * Double(batch), batch))
        print(String(format: "stage 2 + trees, %5d transactions      %8.1f ms wall", batch, stage2.wall))
        print(String(format: "shielded transactions verified per second (stages 1 + 2 + trees): %.0f", perSecond))
    }
}
