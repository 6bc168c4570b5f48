/// Reassembles gRPC's length-prefixed messages from DATA chunks split in any way.
///
/// Wire format (PROTOCOL-HTTP2.md): 1 byte compressed flag, 4 bytes big-endian length, then the
/// message. The length is checked against `maxMessageSize` as soon as the 5-byte prefix is complete,
/// before anything is allocated for the body, so a 4 GiB prefix costs nothing. A receiver that takes
/// at most `maxMessages` messages refuses the next one at its prefix (not after buffering it), and
/// a body that must be buffered across chunks is first admitted by the caller's memory budget.
struct MessageFramer: Sendable {
    enum FramingError: Error, Equatable {
        case tooLarge(length: UInt32, limit: Int)
        case compressed
        case badFlag(UInt8)
        case truncated(expected: Int, received: Int)
        case tooMany(limit: Int)
        case overBudget(length: Int)
    }

    let maxMessageSize: Int
    /// Messages accepted on the stream; 0 for no limit.
    let maxMessages: Int
    private var started = 0
    /// Bytes of the partial body admitted by the budget (0 when none is buffered).
    private(set) var charged = 0
    private var prefix: [UInt8] = []
    private var body: [UInt8] = []
    private var expected = -1  // body length once the prefix is complete, -1 before

    init(maxMessageSize: Int, maxMessages: Int = 0) {
        self.maxMessageSize = maxMessageSize
        self.maxMessages = maxMessages
    }

    /// True when no partial message is buffered (the stream may end here).
    var isAtBoundary: Bool { prefix.isEmpty && expected < 0 }

    /// Feeds `chunk`, calling `deliver` for every message it completes. `budget(n)` is asked before a
    /// body of n bytes is buffered across chunks (false refuses it) and `budget(-n)` returns it once
    /// the body is complete; bodies that arrive whole in one chunk are not buffered and not charged.
    mutating func append(_ chunk: UnsafeRawBufferPointer, budget: (Int) -> Bool = { _ in true },
                         deliver: ([UInt8]) -> Void) throws(FramingError) {
        var i = 0
        let n = chunk.count
        while i < n {
            if expected < 0 {
                let take = min(5 - prefix.count, n - i)
                prefix.append(contentsOf: chunk[i..<(i + take)])
                i += take
                if prefix.count < 5 { return }
                let flag = prefix[0]
                let length = UInt32(prefix[1]) << 24 | UInt32(prefix[2]) << 16 | UInt32(prefix[3]) << 8
                    | UInt32(prefix[4])
                prefix.removeAll(keepingCapacity: true)
                if flag == 1 { throw .compressed }
                if flag != 0 { throw .badFlag(flag) }
                if Int(length) > maxMessageSize { throw .tooLarge(length: length, limit: maxMessageSize) }
                started += 1
                if maxMessages > 0 && started > maxMessages { throw .tooMany(limit: maxMessages) }
                expected = Int(length)
                // Fast path: the whole body is in this chunk.
                if n - i >= expected {
                    deliver(Array(chunk[i..<(i + expected)]))
                    i += expected
                    expected = -1
                    continue
                }
                if !budget(expected) { throw .overBudget(length: expected) }
                charged = expected
                body.reserveCapacity(expected)
            }
            let take = min(expected - body.count, n - i)
            body.append(contentsOf: chunk[i..<(i + take)])
            i += take
            if body.count == expected {
                if charged > 0 { _ = budget(-charged); charged = 0 }
                deliver(body)
                body = []
                expected = -1
            }
        }
    }

    /// Checks that the stream ended on a message boundary.
    func finish() throws(FramingError) {
        if expected >= 0 { throw .truncated(expected: expected, received: body.count) }
        if !prefix.isEmpty { throw .truncated(expected: 5, received: prefix.count) }
    }

    /// Frames one message for the wire (identity encoding).
    static func frame(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(message.count + 5)
        let n = UInt32(message.count)
        out.append(0)
        out.append(UInt8(n >> 24)); out.append(UInt8((n >> 16) & 0xff))
        out.append(UInt8((n >> 8) & 0xff)); out.append(UInt8(n & 0xff))
        out.append(contentsOf: message)
        return out
    }

    /// Frames several messages into one buffer (one DATA submission).
    static func frame(_ messages: [[UInt8]]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(messages.reduce(0) { $0 + $1.count + 5 })
        for m in messages { out.append(contentsOf: frame(m)) }
        return out
    }
}

extension MessageFramer.FramingError {
    /// The status a receiver answers with (PROTOCOL-HTTP2.md and grpc's compression doc).
    var rpcError: RPCError {
        switch self {
        case .tooLarge(let length, let limit):
            RPCError(.resourceExhausted, "message of \(length) bytes exceeds the limit of \(limit) bytes")
        case .compressed:
            RPCError(.unimplemented, "compressed messages are not supported (grpc-accept-encoding: identity)")
        case .badFlag(let f):
            RPCError(.internal, "invalid message flag \(f) in length prefix")
        case .truncated(let expected, let received):
            RPCError(.internal, "stream ended inside a message: expected \(expected) bytes, received \(received)")
        case .tooMany(let limit):
            RPCError(.internal, limit == 1 ? "more than one request message on a call that takes one"
                                           : "more than \(limit) request messages on this call")
        case .overBudget(let length):
            RPCError(.resourceExhausted, "no memory budget left to buffer a message of \(length) bytes: the connection or the server holds too many partial requests")
        }
    }
}
