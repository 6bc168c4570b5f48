import Dispatch
import ZK

/// Runs shielded transactions' proof verification (`ShieldedVerifier.verifyProofs`) off the
/// cooperative thread pool, one call at a time in arrival order.
///
/// Verifying a call's proofs takes milliseconds to seconds of CPU (pairings, and a bisection when
/// a proof is bad). Run on the submitting task, a few clients' large calls would occupy the
/// cooperative threads (two on a two-core host) that the sequencer and the committer need. Here
/// each call runs on a dispatch thread (spreading over the cores itself), and calls wait their
/// turn on an async gate without holding a thread, so admission can never stall sequencing, and
/// one client's calls queue behind others' rather than running beside them.
final class ShieldedProofVerifier: Sendable {
    private let key: Groth16.PreparedVerifyingKey
    private let domain: SigningDomain
    private let gate = AsyncSemaphore(permits: 1)
    private let queue = DispatchQueue(label: "settlement.shielded-verification")

    init(key: Groth16.PreparedVerifyingKey, domain: SigningDomain) {
        self.key = key
        self.domain = domain
    }

    /// `ShieldedVerifier.verifyProofs(transactions, domain:key:)`, off the cooperative pool.
    func verifyProofs(_ transactions: [ShieldedTransaction]) async -> [ShieldedRefusal?] {
        guard !transactions.isEmpty else { return [] }
        await gate.acquire()
        defer { gate.release() }
        let (key, domain) = (self.key, self.domain)
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: ShieldedVerifier.verifyProofs(transactions, domain: domain, key: key)) }
        }
    }
}
