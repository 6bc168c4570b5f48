import XCTest
import ZK
@testable import Settlement

final class RecentRootWindowTests: XCTestCase {
    /// A root stays acceptable for `capacity` batches, then is stale.
    func testRootsAgeOutAfterTheWindow() {
        var window = RecentRootWindow(capacity: 3, initial: Fr(0))
        for i in 1...2 { window.record(Fr(UInt64(i))) }
        XCTAssertTrue(window.contains(Fr(0)))
        window.record(Fr(3))
        XCTAssertFalse(window.contains(Fr(0)))
        XCTAssertEqual(window.roots, [Fr(1), Fr(2), Fr(3)])
        XCTAssertEqual(window.current, Fr(3))
        XCTAssertEqual(RecentRootWindow(capacity: 2, roots: [Fr(1), Fr(2), Fr(3)]).roots, [Fr(2), Fr(3)])
    }
}
