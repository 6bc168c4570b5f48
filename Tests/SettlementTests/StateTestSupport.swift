import XCTest
@testable import Settlement

/// Random addresses and accounts for state workloads (seeded, so they replay exactly).
extension SeededGenerator {
    mutating func address() -> Address {
        Address(bytes: (0 ..< 20).map { _ in UInt8.random(in: 0 ... 255, using: &self) })!
    }

    /// A non-empty account with a small balance (sometimes zero balance with a nonce).
    mutating func account() -> Account {
        let balance = UInt256(UInt64.random(in: 0 ... 1_000_000, using: &self))
        let nonce = UInt64.random(in: 0 ... 5, using: &self)
        return balance.isZero && nonce == 0 ? Account(balance: 1, nonce: 0) : Account(balance: balance, nonce: nonce)
    }
}

/// An independent, deliberately naive implementation of the tree's definition: full recursion
/// over a sorted list of (path, leaf hash), hashing with the byte-array Keccak entry point.
enum ReferenceTree {
    /// keccak256(0x00 ‖ address ‖ balance(32 BE) ‖ nonce(8 BE)).
    static func leafHash(_ address: Address, _ account: Account) -> Digest32 {
        var nonce: [UInt8] = []
        for i in (0 ..< 8).reversed() { nonce.append(UInt8(truncatingIfNeeded: account.nonce >> (8 * UInt64(i)))) }
        return Keccak256.hash([0x00] + address.bytes + account.balance.bigEndianBytes + nonce)
    }

    static func path(_ address: Address) -> Digest32 { Keccak256.hash(address.bytes) }

    /// Bit `d` of `digest`, most significant bit of byte 0 first.
    static func bit(_ digest: Digest32, _ d: Int) -> Int { Int(digest[d / 8] >> UInt8(7 - d % 8)) & 1 }

    static func node(_ l: Digest32, _ r: Digest32) -> Digest32 { Keccak256.hash(l.bytes + r.bytes) }

    /// The root of the accounts in `state` (empty accounts are absent).
    static func root(_ state: [Address: Account]) -> Digest32 {
        let leaves = state.filter { !$0.value.isEmpty }
            .map { (path: path($0.key), hash: leafHash($0.key, $0.value)) }
            .sorted { $0.path < $1.path }
        return subtree(leaves[...], depth: 0)
    }

    static func subtree(_ leaves: ArraySlice<(path: Digest32, hash: Digest32)>, depth: Int) -> Digest32 {
        if leaves.isEmpty { return .zero }
        if leaves.count == 1 { return leaves.first!.hash }
        let left = leaves.filter { bit($0.path, depth) == 0 }
        let right = leaves.filter { bit($0.path, depth) == 1 }
        return node(subtree(left[...], depth: depth + 1), subtree(right[...], depth: depth + 1))
    }

    /// Number of internal nodes (subtrees with ≥ 2 accounts) that contain one of `touched`:
    /// what a batch touching those paths must hash (when it only inserts or updates).
    static func touchedInternalNodes(_ state: [Address: Account], touched: Set<Address>) -> Int {
        let leaves = state.filter { !$0.value.isEmpty }.map { (path: path($0.key), touched: touched.contains($0.key)) }
        func count(_ s: [(path: Digest32, touched: Bool)], _ depth: Int) -> Int {
            guard s.count >= 2, s.contains(where: { $0.touched }) else { return 0 }
            return 1 + count(s.filter { bit($0.path, depth) == 0 }, depth + 1)
                + count(s.filter { bit($0.path, depth) == 1 }, depth + 1)
        }
        return count(leaves, 0)
    }
}
