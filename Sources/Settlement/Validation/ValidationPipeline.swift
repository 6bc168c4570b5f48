/// Stateless validation: everything that can be checked without the state, run in parallel on
/// every core (Swift's cooperative pool), never on a network thread.
///
/// Checks: not from the L1 bridge (deposits enter only through the engine's deposit path), the
/// signing domain (chain id and deployment salt), fee bound, signature shape (65 bytes, low s,
/// valid v), and that the signer recovered from the EIP-712 digest is the transfer's `from`.
public struct ValidationPipeline: Sendable {
    /// This deployment's EIP-712 domain; a transfer signed for any other is refused.
    public let domain: SigningDomain
    public let maxFee: UInt256

    public init(domain: SigningDomain, maxFee: UInt256) {
        self.domain = domain
        self.maxFee = maxFee
    }

    /// Validates one transfer. Failures carry a reason for the REJECTED receipt.
    ///
    /// `verifySignature: false` skips only the signature recovery, for transfers a replica of
    /// this cluster already checked before forwarding them (over an authenticated channel).
    public func validate(_ signed: SignedTransfer, receivedAt: ContinuousClock.Instant = .now,
                         verifySignature: Bool = true) -> Result<ValidatedTransfer, ValidationFailure>
    {
        guard !signed.isDeposit else {
            return .failure(ValidationFailure(id: signed.id, reason: Self.bridgeRejection))
        }
        if let reason = Self.domainRejection(signed.domain, expected: domain) {
            return .failure(ValidationFailure(id: signed.id, reason: reason))
        }
        guard signed.transfer.fee <= maxFee else {
            return .failure(ValidationFailure(id: signed.id, reason: "fee \(signed.transfer.fee) exceeds the maximum \(maxFee)"))
        }
        if !verifySignature { return .success(ValidatedTransfer(signed: signed, id: signed.id, receivedAt: receivedAt)) }
        do {
            let signer = try signed.recoverSigner()
            guard signer == signed.transfer.from else {
                return .failure(ValidationFailure(id: signed.id,
                    reason: "signature is by \(signer), not by from \(signed.transfer.from)"))
            }
        } catch {
            return .failure(ValidationFailure(id: signed.id, reason: "invalid signature: \(error)"))
        }
        return .success(ValidatedTransfer(signed: signed, id: signed.id, receivedAt: receivedAt))
    }

    /// Why a transfer signed for `signed` is refused in `expected`; nil when they are the same.
    public static func domainRejection(_ signed: SigningDomain, expected: SigningDomain) -> String? {
        if signed.chainId != expected.chainId {
            return "chain id \(signed.chainId) is not this chain's (\(expected.chainId))"
        }
        if signed.salt != expected.salt {
            return "signed for another deployment: domain salt \(signed.salt) is not this deployment's (\(expected.salt))"
        }
        return nil
    }

    /// Why a submitted transfer from `Address.bridge` is refused: nobody can mint through the API.
    public static let bridgeRejection = "deposits come only from the L1 bridge"

    /// Validates many transfers, spread over all cores; results are in input order.
    public func validate(_ batch: [SignedTransfer]) async -> [Result<ValidatedTransfer, ValidationFailure>] {
        let now = ContinuousClock.now
        if batch.count < 64 { return batch.map { validate($0, receivedAt: now) } }
        let workers = max(1, ProcessInfo.activeCores)
        let chunk = (batch.count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [Result<ValidatedTransfer, ValidationFailure>]).self) { group in
            for start in stride(from: 0, to: batch.count, by: chunk) {
                let slice = Array(batch[start..<min(start + chunk, batch.count)])
                group.addTask { (start, slice.map { self.validate($0, receivedAt: now) }) }
            }
            var parts: [(Int, [Result<ValidatedTransfer, ValidationFailure>])] = []
            for await p in group { parts.append(p) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }
}

/// A transfer that failed stateless validation.
public struct ValidationFailure: Error, Sendable {
    public let id: Digest32
    public let reason: String
}

import Foundation

extension ProcessInfo {
    /// Cores available to this process.
    static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
