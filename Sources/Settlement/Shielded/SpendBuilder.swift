import ZK

/// The wallet's side of a shielded transaction: from the notes it spends (with their tree paths),
/// the payments it makes and the public values, builds the outputs and their ciphertexts, the
/// binding hash, the spend proof and, for a shield, the account's signature. Runs on the client;
/// the spending key never leaves it.
///
/// Fewer than two inputs are padded with dummies (value 0, fresh randomness, so fresh
/// nullifiers); fewer than two payments with a zero-value note to the spender itself, so every
/// transaction looks alike on the wire (two nullifiers, two commitments, two ciphertexts).
public enum SpendBuilder {
    /// A note the wallet spends: the note, its position, its tree path (32 siblings, leaf first).
    public struct Input: Sendable {
        public var note: Note
        public var position: UInt32
        public var siblings: [Fr]
        public init(note: Note, position: UInt32, siblings: [Fr]) {
            self.note = note; self.position = position; self.siblings = siblings
        }
    }

    /// A payment: `value` to `address`, with an optional memo.
    public struct Payment: Sendable {
        public var address: ShieldedAddress
        public var value: UInt64
        public var memo: NoteMemo
        public init(to address: ShieldedAddress, value: UInt64, memo: NoteMemo = .empty) {
            self.address = address; self.value = value; self.memo = memo
        }
    }

    /// The transparent side: a shield's account (its key signs, on the client) or an unshield's
    /// recipient.
    public enum TransparentParty: Sendable {
        case none
        case shieldFrom(key: PrivateKey, nonce: UInt64)
        case unshieldTo(Address)
    }

    /// A built transaction with the notes it creates (the wallet records its own change).
    public struct Built: Sendable {
        public let transaction: ShieldedTransaction
        public let outputs: [Note]
    }

    public enum BuildError: Error, Sendable, Equatable, CustomStringConvertible {
        case tooManyInputs(Int)
        case tooManyPayments(Int)
        case notOwned(position: UInt32)
        /// An input's path does not have one sibling per level of the note tree.
        case badPath(position: UInt32, siblings: Int)
        case partyMismatch(String)
        case unbalanced(inputs: UInt64, publicIn: UInt64, outputs: UInt64, publicOut: UInt64, fee: UInt64)
        case encryption(String)
        case prover(String)

        public var description: String {
            switch self {
            case .tooManyInputs(let n): "a spend takes at most 2 notes, not \(n)"
            case .tooManyPayments(let n): "a spend makes at most 2 payments, not \(n)"
            case .notOwned(let p): "the note at position \(p) is not owned by this spending key"
            case let .badPath(p, n):
                "the note at position \(p) has a path of \(n) siblings, not \(SpendCircuit.treeDepth)"
            case let .unbalanced(i, pi, o, po, f):
                "unbalanced: notes \(i) + publicIn \(pi) ≠ payments \(o) + publicOut \(po) + fee \(f)"
            case .partyMismatch(let why): "the transparent party does not match the public values: \(why)"
            case .encryption(let why): "note encryption failed: \(why)"
            case .prover(let why): "proving failed: \(why)"
            }
        }
    }

    /// Builds and proves one transaction. `root` is the note-tree root the inputs' paths lead to
    /// (a recent root of the engine); `provingKey` is the spend circuit's.
    public static func build(spendingKey: SpendingKey, inputs: [Input], payments: [Payment],
                             publicIn: UInt64 = 0, publicOut: UInt64 = 0, fee: UInt64,
                             party: TransparentParty, root: Fr, domain: SigningDomain,
                             provingKey: Groth16.ProvingKey) throws(BuildError) -> Built {
        switch party {
        case .none where publicIn != 0 || publicOut != 0:
            throw .partyMismatch("a shielded transfer has no public value: give the shield's account or the unshield's recipient")
        case .shieldFrom where publicIn == 0 || publicOut != 0:
            throw .partyMismatch("a shield moves publicIn > 0 in and nothing out")
        case .unshieldTo where publicOut == 0 || publicIn != 0:
            throw .partyMismatch("an unshield moves publicOut > 0 out and nothing in")
        default: break
        }
        guard inputs.count <= 2 else { throw .tooManyInputs(inputs.count) }
        guard payments.count <= 2 else { throw .tooManyPayments(payments.count) }
        for input in inputs where input.note.owner != spendingKey.ownerKey { throw .notOwned(position: input.position) }
        // A path comes from outside (the engine's answer): a wrong length is an error, not a trap
        // in the circuit's initializer.
        for input in inputs where input.siblings.count != SpendCircuit.treeDepth {
            throw .badPath(position: input.position, siblings: input.siblings.count)
        }
        let inSum = inputs.reduce(UInt256(0)) { $0 + UInt256($1.note.value) } + UInt256(publicIn)
        let outSum = payments.reduce(UInt256(0)) { $0 + UInt256($1.value) } + UInt256(publicOut) + UInt256(fee)
        guard inSum == outSum else {
            throw .unbalanced(inputs: inputs.reduce(0) { $0 &+ $1.note.value }, publicIn: publicIn,
                              outputs: payments.reduce(0) { $0 &+ $1.value }, publicOut: publicOut, fee: fee)
        }
        let padded = payments + Array(repeating: Payment(to: spendingKey.address, value: 0), count: 2 - payments.count)
        let notes = padded.map { Note(value: $0.value, to: $0.address) }
        var ciphertexts: [[UInt8]] = []
        for (note, payment) in zip(notes, padded) {
            do { ciphertexts.append(try NoteEncryption.seal(note, memo: payment.memo, to: payment.address).bytes) } catch {
                throw .encryption("\(error)")
            }
        }
        let kind: ShieldedTransaction.Kind
        var boundAddress = [UInt8](repeating: 0, count: 20)
        switch party {
        case .none: kind = .transfer
        case .shieldFrom(let key, _):
            kind = .shield
            boundAddress = key.address.bytes
        case .unshieldTo(let recipient):
            kind = .unshield
            boundAddress = recipient.bytes
        }
        let binding = ShieldedTransaction.bindingHash(domain: domain, kind: kind, boundAddress: boundAddress,
                                                      ciphertexts: ciphertexts)
        var circuitInputs = inputs.map {
            SpendCircuit.InputNote(spendingKey: spendingKey.value, value: $0.note.value, randomness: $0.note.randomness,
                                   position: $0.position, siblings: $0.siblings)
        }
        while circuitInputs.count < 2 {
            circuitInputs.append(.dummy(spendingKey: spendingKey.value, randomness: Fr.random()))
        }
        let circuit = SpendCircuit(inputNotes: circuitInputs,
                                   outputNotes: notes.map { .init(value: $0.value, owner: $0.owner, randomness: $0.randomness) },
                                   publicIn: publicIn, publicOut: publicOut, fee: fee, binding: binding, anchor: root)
        let system = circuit.build()
        let proof: Groth16.Proof
        do { proof = try Groth16.prove(key: provingKey, witness: system.witness, checking: system.r1cs) } catch {
            throw .prover("\(error)")
        }
        let p = circuit.publicInputs
        let statement = SpendStatement(root: p[0], nullifiers: [p[1], p[2]], commitments: [p[3], p[4]],
                                       publicIn: publicIn, publicOut: publicOut, fee: fee, binding: binding)
        var shield: ShieldedTransaction.ShieldAuthorization?
        var recipient: Address?
        switch party {
        case .none: break
        case .shieldFrom(let key, let nonce):
            shield = .init(from: key.address, nonce: nonce,
                           signature: ShieldedTransaction.shieldSignature(statement: statement, from: key.address,
                                                                          nonce: nonce, domain: domain, key: key))
        case .unshieldTo(let address): recipient = address
        }
        let tx = ShieldedTransaction(kind: kind, statement: statement, proof: proof, ciphertexts: ciphertexts,
                                     shield: shield, recipient: recipient)
        return Built(transaction: tx, outputs: notes)
    }
}
