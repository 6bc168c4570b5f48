import XCTest
import ZK
@testable import Settlement

final class ShieldedRootsTests: XCTestCase {
    private let accountRoot = Keccak256.hash(utf8: "accounts")

    /// A deployment that never uses the pool keeps the account root as its state root.
    func testEmptyPoolLeavesTheAccountRoot() {
        XCTAssertEqual(ShieldedRoots.empty.stateRoot(accountRoot: accountRoot), accountRoot)
        XCTAssertEqual(ShieldedRoots(notes: NoteTree(), nullifiers: NullifierSet()), .empty)
        XCTAssertEqual(ShieldedRoots.empty.stateRoot(accountRoot: .zero), .zero)
    }

    /// Otherwise keccak256(0x02 ‖ accountRoot ‖ noteRoot ‖ nullifierRoot), built by hand here.
    func testCompositionOfANonEmptyPool() throws {
        var notes = NoteTree()
        try notes.append(contentsOf: [Fr(11), Fr(12)])
        var nullifiers = NullifierSet()
        try nullifiers.insert(contentsOf: [Fr(13)])
        let roots = ShieldedRoots(notes: notes, nullifiers: nullifiers)
        XCTAssertFalse(roots.isEmpty)
        let preimage = [UInt8(2)] + accountRoot.bytes + notes.root.bigEndianBytes + nullifiers.root.bytes
        XCTAssertEqual(preimage.count, 97)
        XCTAssertEqual(roots.stateRoot(accountRoot: accountRoot), Keccak256.hash(preimage))
        // Notes without nullifiers (shields only) and nullifiers alone both count as non-empty.
        let notesOnly = ShieldedRoots(notes: notes, nullifiers: NullifierSet())
        XCTAssertNotEqual(notesOnly.stateRoot(accountRoot: accountRoot), accountRoot)
        let nullifiersOnly = ShieldedRoots(notes: NoteTree(), nullifiers: nullifiers)
        XCTAssertNotEqual(nullifiersOnly.stateRoot(accountRoot: accountRoot), accountRoot)
    }

    /// Each component changes the state root.
    func testEveryComponentIsCommitted() throws {
        var notes = NoteTree()
        try notes.append(contentsOf: [Fr(1)])
        var nullifiers = NullifierSet()
        try nullifiers.insert(contentsOf: [Fr(2)])
        let base = ShieldedRoots(notes: notes, nullifiers: nullifiers)
        let root = base.stateRoot(accountRoot: accountRoot)
        XCTAssertNotEqual(base.stateRoot(accountRoot: Keccak256.hash(utf8: "other")), root)
        var changedNotes = notes
        try changedNotes.append(contentsOf: [Fr(3)])
        XCTAssertNotEqual(ShieldedRoots(notes: changedNotes, nullifiers: nullifiers).stateRoot(accountRoot: accountRoot), root)
        var changedNullifiers = nullifiers
        try changedNullifiers.insert(contentsOf: [Fr(4)])
        XCTAssertNotEqual(ShieldedRoots(notes: notes, nullifiers: changedNullifiers).stateRoot(accountRoot: accountRoot), root)
    }
}
