extension Address {
    /// The shielded pool's account: it holds the transparent value of every note
    /// (docs/shielded.md, "How it enters the engine"). 0x0000000000000000000000000000000000000002,
    /// which no key signs for; only shielded transactions move its balance, by their proofs.
    public static let shieldedPool = Address(bytes: [UInt8](repeating: 0, count: 19) + [2])!
}

/// The transparent side of a shielded transaction: which accounts it debits and credits.
///
/// - shield: `from` pays `publicIn` (its nonce must match and moves on, as for a transfer) into
///   the pool account;
/// - unshield: the pool account pays `publicOut` to `recipient`;
/// - every kind: the pool account pays `fee` to the fee account.
///
/// The pool account never goes below zero: even if a spend proof were unsound, no more could
/// leave the pool than was shielded into it. Each failure names its rule and changes nothing.
public enum ShieldedAccounting {
    /// The writes, in order, when every rule holds, else the first broken rule's reason.
    /// `read` gives accounts before this transaction.
    public static func writes(_ tx: ShieldedTransaction, feeAccount: Address,
                              read: (Address) -> Account) -> Result<[(Address, Account)], ShieldedAccountingRefusal> {
        var after: [(Address, Account)] = []
        func current(_ a: Address) -> Account { after.last(where: { $0.0 == a })?.1 ?? read(a) }
        let s = tx.statement
        if let shield = tx.shield {
            let sender = current(shield.from)
            guard shield.nonce == sender.nonce else {
                return .failure(.init("nonce \(shield.nonce) does not match the account nonce \(sender.nonce)"))
            }
            guard sender.nonce < UInt64.max else { return .failure(.init("sender nonce exhausted")) }
            guard let debited = sender.balance.checkedSub(UInt256(s.publicIn)) else {
                return .failure(.init("insufficient balance: has \(sender.balance), needs \(s.publicIn)"))
            }
            after.append((shield.from, Account(balance: debited, nonce: sender.nonce + 1)))
            let pool = current(.shieldedPool)
            guard let credited = pool.balance.checkedAdd(UInt256(s.publicIn)) else {
                return .failure(.init("shielded pool balance would overflow"))
            }
            after.append((.shieldedPool, Account(balance: credited, nonce: pool.nonce)))
        }
        let pool = current(.shieldedPool)
        let leaving = UInt256(s.publicOut) + UInt256(s.fee)
        guard let remaining = pool.balance.checkedSub(leaving) else {
            return .failure(.init("the shielded pool holds \(pool.balance), less than the \(leaving) leaving it"))
        }
        after.append((.shieldedPool, Account(balance: remaining, nonce: pool.nonce)))
        if let recipient = tx.recipient {
            let account = current(recipient)
            guard let credited = account.balance.checkedAdd(UInt256(s.publicOut)) else {
                return .failure(.init("recipient balance would overflow"))
            }
            after.append((recipient, Account(balance: credited, nonce: account.nonce)))
        }
        let feeHolder = current(feeAccount)
        guard let withFee = feeHolder.balance.checkedAdd(UInt256(s.fee)) else {
            return .failure(.init("fee account balance would overflow"))
        }
        after.append((feeAccount, Account(balance: withFee, nonce: feeHolder.nonce)))
        return .success(after)
    }
}

/// A broken accounting rule of a shielded transaction, with its reason.
public struct ShieldedAccountingRefusal: Error, Sendable, Equatable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}
