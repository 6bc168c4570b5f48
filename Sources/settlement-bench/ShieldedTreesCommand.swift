import ArgumentParser
import Foundation
import Settlement
import ZK

/// `settlement-bench shielded-trees`: the shielded pool's note tree (Poseidon appends) and
/// nullifier set (Keccak inserts at scale), each beside the raw rate of its hash, and the
/// rollback operations (note tree truncation, nullifier removal of the last batches). Measured, not
/// asserted; one thread, timed in that thread's CPU time (`StateBenchmark.threadCPUTime`) so that
/// other processes on a shared host count against no rate.
struct ShieldedTreesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shielded-trees",
        abstract: "Note tree appends (Poseidon) and nullifier set inserts (Keccak) vs their raw hash rates.")

    @Option(help: "Notes appended to the note tree.")
    var notes = 100_000

    @Option(help: "Notes per append batch.")
    var noteBatch = 2_000

    @Option(help: "Nullifiers loaded before the measured inserts.")
    var nullifiers = 1_000_000

    @Option(help: "Nullifiers per measured insert batch.")
    var nullifierBatch = 2_000

    @Option(help: "Measured insert batches into the loaded set.")
    var nullifierBatches = 20

    @Option(help: "PRNG seed.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    func validate() throws {
        guard notes >= 1, noteBatch >= 1, nullifiers >= 0, nullifierBatch >= 1, nullifierBatches >= 1 else {
            throw ValidationError("counts must be positive")
        }
    }

    /// Operations per CPU second of `body` over about `seconds` of this thread's CPU time.
    static func rate(seconds: Double, _ body: () -> Void) -> Double {
        let start = StateBenchmark.threadCPUTime()
        var count = 0
        var elapsed = 0.0
        repeat {
            body()
            count += 1
            elapsed = StateBenchmark.threadCPUTime() - start
        } while elapsed < seconds
        return Double(count) / elapsed
    }

    func run() async throws {
        let cpu = StateBenchmark.threadCPUTime
        var rng = SeededGenerator(seed: seed)
        let log: (String) -> Void = { [json] in json ? note($0) : print($0) }

        // Note tree: append `notes` in batches.
        let commitments = (0 ..< notes).map { _ in Fr.random(using: &rng) }
        var tree = NoteTree()
        let appendStart = cpu()
        var done = 0
        while done < notes {
            let k = min(noteBatch, notes - done)
            try tree.append(contentsOf: Array(commitments[done ..< done + k]))
            done += k
        }
        let appendSeconds = cpu() - appendStart
        let notesPerSecond = Double(notes) / appendSeconds
        let a = Fr.random(using: &rng), b = Fr.random(using: &rng)
        var sink = a
        let poseidonPerSecond = Self.rate(seconds: 2) { sink = Poseidon.hash([sink, b]) }
        log(String(format: "note tree: %d notes in batches of %d: %.2f s, %.0f notes/s; raw Poseidon(2) %.0f/s",
                   notes, noteBatch, appendSeconds, notesPerSecond, poseidonPerSecond))
        let pathsPerSecond = Self.rate(seconds: 1) { _ = tree.path(at: Int(rng.next() % UInt64(notes))) }
        let appendProof = tree.appendProof()
        let extra = [Fr.random(using: &rng), Fr.random(using: &rng)]
        let appendChecksPerSecond = Self.rate(seconds: 1) {
            _ = NoteTree.rootAfterAppend(extra, proof: appendProof, oldRoot: tree.root)
        }
        // Rollback of the last batch: truncate it away (measured), append it again (not).
        var truncateSeconds: [Double] = []
        let lastBatch = min(noteBatch, notes)
        for _ in 0 ..< 10 {
            let start = cpu()
            try tree.truncate(to: notes - lastBatch)
            truncateSeconds.append(cpu() - start)
            try tree.append(contentsOf: Array(commitments.suffix(lastBatch)))
        }
        let truncateMedian = truncateSeconds.sorted()[truncateSeconds.count / 2]
        let truncatedPerSecond = Double(lastBatch) / truncateMedian

        // Nullifier set: load, then measured batches at that size.
        let loaded = (0 ..< nullifiers).map { _ in Fr.random(using: &rng) }
        var set = NullifierSet()
        set.reserveCapacity(nullifiers + nullifierBatch * nullifierBatches)
        let loadStart = cpu()
        var loadedCount = 0
        while loadedCount < loaded.count {
            let k = min(100_000, loaded.count - loadedCount)
            try set.insert(contentsOf: Array(loaded[loadedCount ..< loadedCount + k]))
            loadedCount += k
        }
        let loadSeconds = cpu() - loadStart
        var batchSeconds: [Double] = []
        var batches: [[Fr]] = []
        for _ in 0 ..< nullifierBatches {
            let batch = (0 ..< nullifierBatch).map { _ in Fr.random(using: &rng) }
            let start = cpu()
            try set.insert(contentsOf: batch)
            batchSeconds.append(cpu() - start)
            batches.append(batch)
        }
        let median = batchSeconds.sorted()[batchSeconds.count / 2]
        let insertsPerSecond = Double(nullifierBatch) / median
        let x = Digest32(w0: 1, w1: 2, w2: 3, w3: 4)
        var h = x
        let keccakPerSecond = Self.rate(seconds: 1) { h = Keccak256.hash(left: h, right: x) }
        let probe = Fr.random(using: &rng)
        let absence = set.absenceProof(for: probe)!
        let root = set.root
        let proofsPerSecond = Self.rate(seconds: 1) { _ = set.absenceProof(for: probe) }
        let insertChecksPerSecond = Self.rate(seconds: 1) {
            _ = NullifierSet.rootAfterInsert(absence, oldRoot: root, nullifier: probe)
        }
        let setBytes = set.memoryFootprint
        // Rollback: remove the measured batches, last first.
        var removeSeconds: [Double] = []
        for batch in batches.reversed() {
            let start = cpu()
            try set.remove(contentsOf: batch)
            removeSeconds.append(cpu() - start)
        }
        let removeMedian = removeSeconds.sorted()[removeSeconds.count / 2]
        let removalsPerSecond = Double(nullifierBatch) / removeMedian
        log(String(format: "nullifier set: %d loaded in %.2f s (%.0f/s); batches of %d at that size: median %.2f ms, "
                       + "%.0f inserts/s; %.1f MiB; raw keccak(left:right:) %.0f/s", nullifiers, loadSeconds,
                   Double(nullifiers) / loadSeconds, nullifierBatch, median * 1e3, insertsPerSecond,
                   Double(setBytes) / 1_048_576, keccakPerSecond))
        log(String(format: "rollback: truncate %d notes: median %.2f ms (%.0f notes/s); remove %d nullifiers at %d: "
                       + "median %.2f ms (%.0f/s)", lastBatch, truncateMedian * 1e3, truncatedPerSecond,
                   nullifierBatch, set.count, removeMedian * 1e3, removalsPerSecond))
        if json {
            printJSON(["benchmark": "shielded-trees", "notes": notes, "noteBatch": noteBatch,
                       "noteAppendSeconds": appendSeconds, "notesPerSecond": notesPerSecond,
                       "poseidon2PerSecond": poseidonPerSecond, "notePathsPerSecond": pathsPerSecond,
                       "appendProofChecksPerSecond": appendChecksPerSecond, "noteTreeBytes": tree.memoryFootprint,
                       "noteTruncateMedianSeconds": truncateMedian, "notesTruncatedPerSecond": truncatedPerSecond,
                       "medianNullifierRemoveSeconds": removeMedian, "nullifierRemovalsPerSecond": removalsPerSecond,
                       "nullifiers": nullifiers, "nullifierLoadSeconds": loadSeconds,
                       "nullifierBatch": nullifierBatch, "medianNullifierBatchSeconds": median,
                       "nullifierInsertsPerSecond": insertsPerSecond, "nullifierSetBytes": setBytes,
                       "keccakNodePerSecond": keccakPerSecond, "absenceProofsPerSecond": proofsPerSecond,
                       "insertChecksPerSecond": insertChecksPerSecond, "sink": sink.isZero || h == .zero])
            return
        }
        print("")
        print(Fmt.columns([
            ["path", "rate", "hash rate", "hash"],
            ["note tree append (\(notes) in batches of \(noteBatch))", Fmt.rate(notesPerSecond),
             Fmt.rate(poseidonPerSecond), "Poseidon(2)"],
            ["note path (32 siblings)", Fmt.rate(pathsPerSecond), "", ""],
            ["note append proof check (2 commitments)", Fmt.rate(appendChecksPerSecond), "", ""],
            ["note tree truncate (last \(lastBatch) notes)", Fmt.rate(truncatedPerSecond), "", ""],
            ["nullifier insert at \(nullifiers) (batches of \(nullifierBatch))", Fmt.rate(insertsPerSecond),
             Fmt.rate(keccakPerSecond), "keccak256(left:right:)"],
            ["nullifier remove (last batches of \(nullifierBatch))", Fmt.rate(removalsPerSecond), "", ""],
            ["nullifier load (batches of 100,000)", Fmt.rate(Double(nullifiers) / loadSeconds), "", ""],
            ["nullifier absence proof", Fmt.rate(proofsPerSecond), "", ""],
            ["nullifier rootAfterInsert check", Fmt.rate(insertChecksPerSecond), "", ""],
        ]))
        print(String(format: "note tree %.1f MiB for %d notes; nullifier set %.1f MiB for %d nullifiers (%@)",
                     Double(tree.memoryFootprint) / 1_048_576, tree.count, Double(setBytes) / 1_048_576,
                     set.count + nullifierBatch * nullifierBatches, sink.isZero || h == .zero ? "-" : "one thread, rates per CPU second"))
    }
}
