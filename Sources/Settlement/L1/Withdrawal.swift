/// Withdrawals from L2 to L1, without a new transaction type.
///
/// - **Burn on L2**: a user withdraws by an ordinary signed transfer to the *exit address* of the
///   L1 account that should receive the funds, `exitAddress(for:in:)` = the last 20 bytes of
///   keccak256("L2 Settlement exit" ‖ salt ‖ l1Recipient), `salt` the deployment's
///   `SigningDomain.salt` (so an exit address of one deployment is an ordinary, unclaimable
///   account on any other deployment sharing the chain id). Nobody holds a key for it, so what it
///   receives can never move on L2 again: it is burned there, and its balance is the total ever
///   withdrawn to that recipient.
/// - **Claim on L1**: anyone sends `claimWithdrawal` with a `WithdrawalProof`: the recipient, a
///   commitment index, the exit account and its Merkle inclusion proof against that commitment's
///   new root. The arbiter pays `balance − already claimed for the recipient` (cumulative, so
///   nothing can be claimed twice, and a later claim against a newer root pays only the
///   difference) and refuses claims against a commitment that is not final — still inside its
///   challenge period, with a game open on it or an earlier commitment, or reverted — and claims
///   beyond what the bridge holds (deposits plus the configured genesis backing, less what was
///   withdrawn): no L2 balance is paid out of other people's deposits.
public enum Withdrawals {
    /// The L2 address whose balance is what has been withdrawn to `l1Recipient` in the
    /// deployment of `domain`.
    public static func exitAddress(for l1Recipient: L1Address, in domain: SigningDomain) -> Address {
        let digest = Keccak256.hash(Array("L2 Settlement exit".utf8) + domain.salt.bytes + l1Recipient.bytes)
        return Address(bytes: Array(digest.bytes[12...]))!
    }
}

/// What `claimWithdrawal` carries (deterministic encoding, strictly decoded off the L1):
///
/// ```
/// version      1 byte   = 1
/// recipient    20 bytes
/// commitment   8 bytes, big-endian index
/// balance      32 bytes big-endian ‖ nonce 8 bytes big-endian (the exit account)
/// proof        MerkleProof.serialized (the rest)
/// ```
public struct WithdrawalProof: Sendable, Hashable {
    public let recipient: L1Address
    public let commitmentIndex: UInt64
    public let exitAccount: Account
    public let proof: MerkleProof

    public init(recipient: L1Address, commitmentIndex: UInt64, exitAccount: Account, proof: MerkleProof) {
        self.recipient = recipient
        self.commitmentIndex = commitmentIndex
        self.exitAccount = exitAccount
        self.proof = proof
    }

    /// Largest encoding accepted (a proof of depth 256 with every sibling present).
    public static let maxEncodedSize = 1 + 20 + 8 + 40 + 3 + 32 + 32 * 256 + 60

    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public var serialized: [UInt8] {
        var out: [UInt8] = [1]
        out.append(contentsOf: recipient.bytes)
        withUnsafeBytes(of: commitmentIndex.bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: exitAccount.balance.bigEndianBytes)
        withUnsafeBytes(of: exitAccount.nonce.bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: proof.serialized)
        return out
    }

    public init(serialized bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count <= Self.maxEncodedSize else { throw DecodingError(description: "withdrawal proof: \(bytes.count) bytes is too long") }
        guard bytes.count >= 1 + 20 + 8 + 40, bytes[0] == 1 else {
            throw DecodingError(description: "withdrawal proof: truncated or unknown version")
        }
        recipient = Address(bytes: Array(bytes[1..<21]))!
        commitmentIndex = bytes[21..<29].reduce(0) { $0 << 8 | UInt64($1) }
        let balance = UInt256(bigEndianBytes: bytes[29..<61])!
        let nonce = bytes[61..<69].reduce(0) { $0 << 8 | UInt64($1) }
        exitAccount = Account(balance: balance, nonce: nonce)
        do { proof = try MerkleProof(serialized: Array(bytes[69...])) } catch {
            throw DecodingError(description: "withdrawal proof: \(error)")
        }
    }
}
