import ZK

/// A shielded transaction: one spend proof with its statement, the outputs' ciphertexts, and the
/// transparent part its kind needs (docs/shielded.md, "Transactions").
///
/// - shield: `publicIn > 0`, `publicOut = 0`; `from` is debited `publicIn` and must sign the
///   statement (`ShieldAuthorization`).
/// - transfer: both public values 0; no transparent party.
/// - unshield: `publicOut > 0`, `publicIn = 0`; `recipient` is credited `publicOut`.
///
/// Nothing here is checked on construction; `checkShape()` states the stateless rules, the proof
/// and the pool's rules are checked by `ShieldedVerifier`.
public struct ShieldedTransaction: Sendable, Equatable {
    /// Which way value moves.
    public enum Kind: UInt8, Sendable, Hashable, CustomStringConvertible {
        case shield = 1
        case transfer = 2
        case unshield = 3

        public var description: String {
            switch self {
            case .shield: "shield"
            case .transfer: "shielded transfer"
            case .unshield: "unshield"
            }
        }
    }

    /// The account that shields, with its nonce and signature over the statement.
    public struct ShieldAuthorization: Sendable, Hashable {
        public var from: Address
        public var nonce: UInt64
        /// 65-byte secp256k1 signature (r ‖ s ‖ v) of `EIP712.shieldDigest`.
        public var signature: [UInt8]
        public init(from: Address, nonce: UInt64, signature: [UInt8]) {
            self.from = from; self.nonce = nonce; self.signature = signature
        }
    }

    public var kind: Kind
    public var statement: SpendStatement
    public var proof: Groth16.Proof
    /// One ciphertext per output (`NoteCiphertextLayout.size` bytes each), in output order.
    public var ciphertexts: [[UInt8]]
    /// Set for a shield, nil otherwise.
    public var shield: ShieldAuthorization?
    /// Set for an unshield, nil otherwise.
    public var recipient: Address?

    public init(kind: Kind, statement: SpendStatement, proof: Groth16.Proof, ciphertexts: [[UInt8]],
                shield: ShieldAuthorization? = nil, recipient: Address? = nil) {
        self.kind = kind
        self.statement = statement
        self.proof = proof
        self.ciphertexts = ciphertexts
        self.shield = shield
        self.recipient = recipient
    }

    /// Bytes of one output ciphertext: ephemeral key 32, plaintext 73, tag 16.
    public static let ciphertextSize = 121

    /// The transparent address a kind binds: the shield's `from`, the unshield's `recipient`,
    /// twenty zero bytes for a transfer.
    var boundAddress: [UInt8] {
        switch kind {
        case .shield: shield?.from.bytes ?? Array(repeating: 0, count: 20)
        case .unshield: recipient?.bytes ?? Array(repeating: 0, count: 20)
        case .transfer: Array(repeating: 0, count: 20)
        }
    }

    /// The binding hash: keccak256(domain separator ‖ kind ‖ bound address ‖ ciphertext 0 ‖
    /// ciphertext 1) reduced modulo r. The proof's public input `binding` must equal it, so nobody
    /// can move a proof to another deployment, kind, party or set of ciphertexts.
    public static func bindingHash(domain: SigningDomain, kind: Kind, boundAddress: [UInt8],
                                   ciphertexts: [[UInt8]]) -> Fr {
        var bytes = EIP712.domainSeparator(domain).bytes
        bytes.append(kind.rawValue)
        bytes += boundAddress
        for c in ciphertexts { bytes += c }
        return Fr(reducing: ZK.UInt256(bigEndian: Keccak256.hash(bytes).bytes)!)
    }

    /// This transaction's binding hash in `domain`.
    public func bindingHash(domain: SigningDomain) -> Fr {
        Self.bindingHash(domain: domain, kind: kind, boundAddress: boundAddress, ciphertexts: ciphertexts)
    }

    /// The stateless rules (no proof, no pool): the kind matches the public values and the
    /// transparent parts, ciphertexts have their size, the nullifiers differ, and the binding hash
    /// is this transaction's in `domain`. Throws the first rule broken.
    public func checkShape(domain: SigningDomain) throws(ShieldedRefusal) {
        switch kind {
        case .shield:
            guard statement.publicIn > 0, statement.publicOut == 0 else {
                throw .wrongShape("a shield moves publicIn > 0 into the pool and nothing out")
            }
            guard shield != nil, recipient == nil else { throw .wrongShape("a shield names its account and no recipient") }
        case .transfer:
            guard statement.publicIn == 0, statement.publicOut == 0 else {
                throw .wrongShape("a shielded transfer has no public value in or out")
            }
            guard shield == nil, recipient == nil else { throw .wrongShape("a shielded transfer has no transparent party") }
        case .unshield:
            guard statement.publicOut > 0, statement.publicIn == 0 else {
                throw .wrongShape("an unshield moves publicOut > 0 out of the pool and nothing in")
            }
            guard recipient != nil, shield == nil else { throw .wrongShape("an unshield names its recipient and no account") }
        }
        guard ciphertexts.count == SpendStatement.arity,
              ciphertexts.allSatisfy({ $0.count == Self.ciphertextSize }) else {
            throw .wrongShape("two ciphertexts of \(Self.ciphertextSize) bytes each")
        }
        guard statement.nullifiers[0] != statement.nullifiers[1] else { throw .duplicateNullifier(within: true) }
        guard statement.binding == bindingHash(domain: domain) else {
            throw .bindingMismatch
        }
    }

    /// The shield's signer check: the signature recovers `from` over `EIP712.shieldDigest`.
    public func checkShieldSignature(domain: SigningDomain) throws(ShieldedRefusal) {
        guard let auth = shield else { return }
        let digest = EIP712.shieldDigest(from: auth.from, amount: statement.publicIn, nonce: auth.nonce,
                                         statement: statement.digest, domain: domain)
        let signer: Address
        do { signer = try Secp256k1.recoverAddress(digest: digest, signature: auth.signature) } catch {
            throw .badSignature("\(error)")
        }
        guard signer == auth.from else { throw .badSignature("signed by \(signer), not by \(auth.from)") }
    }

    /// Signs a shield's statement for `domain` with the account's key (CLI, tests).
    public static func shieldSignature(statement: SpendStatement, from: Address, nonce: UInt64,
                                       domain: SigningDomain, key: PrivateKey) -> [UInt8] {
        key.sign(digest: EIP712.shieldDigest(from: from, amount: statement.publicIn, nonce: nonce,
                                             statement: statement.digest, domain: domain))
    }
}
