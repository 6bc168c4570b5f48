import Synchronization
import XCTest

@testable import Settlement

/// A subscriber that stops reading holds at most `bufferLimit` events; the
/// next one drops it: the queue is freed at once, it is unregistered, and its next read throws.
final class StatusSubscriptionTests: XCTestCase {
    func event(_ i: Int) -> StatusEvent {
        StatusEvent(id: Digest32(bytes: [UInt8](repeating: UInt8(i & 0xff), count: 32))!, status: .sequenced, reason: "",
                    batchNumber: UInt64(i), stateRoot: .zero, atMs: 0)
    }

    func testASubscriberThatStopsReadingIsDroppedAndItsQueueFreed() async throws {
        let events = StatusEvents(bufferLimit: 8)
        let slow = events.subscribe(ids: nil)
        let reader = events.subscribe(ids: (0..<8).map { event($0).id })   // not interested in event 8
        XCTAssertEqual(events.subscriberCount, 2)
        events.publish((0..<8).map(event))
        XCTAssertEqual(slow.backlog, 8)
        events.publish([event(8)])
        XCTAssertEqual(slow.backlog, 0, "the queue is freed when the subscriber is dropped")
        XCTAssertEqual(events.subscriberCount, 1, "a dropped subscriber is unregistered at once")
        do {
            for try await _ in slow { XCTFail("a dropped subscriber gets no backlog") }
            XCTFail("the read must throw")
        } catch StatusEvents.End.overflowed {}
        // The other subscriber (8 behind, at its limit but not past it) was not affected.
        XCTAssertEqual(reader.backlog, 8)
        var it = reader.makeAsyncIterator()
        for i in 0..<8 { let e = try await it.next(); XCTAssertEqual(e?.batchNumber, UInt64(i)) }
    }

    func testAWaitingReaderGetsEventsAndEndsOnCancellation() async throws {
        let events = StatusEvents(bufferLimit: 4)
        let sub = events.subscribe(ids: nil, statuses: [.sequenced])
        let got = Task { () -> [UInt64] in
            var out: [UInt64] = []
            do { for try await e in sub { out.append(e.batchNumber) } } catch {}
            return out
        }
        for i in 0..<100 {
            // A reader that keeps up is never dropped, however many events pass.
            while sub.backlog > 0 { try await Task.sleep(for: .milliseconds(1)) }
            events.publish([event(i)])
        }
        while sub.backlog > 0 { try await Task.sleep(for: .milliseconds(1)) }
        got.cancel()
        let seen = await got.value
        XCTAssertEqual(seen, (0..<100).map(UInt64.init))
    }
}
