import CNet

/// The Swift side of one CNet stream: CNet's per-stream `user_data` is a retained reference to an
/// instance of a subclass (a server call or a client call), released when the stream closes.
///
/// Every method here is called on the CNet event-loop thread that owns the stream; overrides must
/// not block (they hand work to tasks and return).
public class CNetStream: @unchecked Sendable {
    /// (client) The request was submitted; `ref` now carries the HTTP/2 stream id.
    func streamOpened(_ ref: cnet_stream_ref) {}
    /// (client) A response header block, or the trailers.
    func receivedHeaders(_ headers: [(name: String, value: String)], isTrailers: Bool) {}
    /// DATA from the peer. Returns how many bytes may go back to the flow-control window now.
    func receivedData(_ data: UnsafeRawBufferPointer) -> Int { data.count }
    /// The peer sent END_STREAM.
    func remoteEnded() {}
    /// `bytes` of our queued DATA left CNet's buffer.
    func sent(_ bytes: Int) {}
    /// The stream is gone; the last callback.
    func closed(errorCode: UInt32) {}

    /// A retained pointer for CNet's user_data.
    init() {}

    final func retainedPointer() -> UnsafeMutableRawPointer { Unmanaged.passRetained(self).toOpaque() }
}

/// Receives new server streams (`on_stream_open`); the object behind `cnet_callbacks.ctx`.
protocol CNetStreamAcceptor: AnyObject {
    /// Returns the stream's owner, or nil to refuse the stream.
    /// `headers` is valid only during the call.
    func acceptStream(_ ref: cnet_stream_ref, headers: UnsafeBufferPointer<cnet_header>) -> CNetStream?
}

/// The C callback table shared by servers and clients. The C functions only decode pointers and
/// forward to the Swift objects.
enum CNetCallbacks {
    /// A callbacks table whose `ctx` is an unretained `CNetStreamAcceptor` box (servers) or nil.
    static func table(ctx: UnsafeMutableRawPointer?) -> cnet_callbacks {
        var cb = cnet_callbacks()
        cb.ctx = ctx
        cb.on_stream_open = { ctx, ref, headers, count in
            guard let ctx else { return nil }
            let acceptor = Unmanaged<AcceptorBox>.fromOpaque(ctx).takeUnretainedValue().acceptor
            guard let acceptor else { return nil }
            return acceptor.acceptStream(ref, headers: UnsafeBufferPointer(start: headers, count: headers == nil ? 0 : count))?
                .retainedPointer()
        }
        cb.on_stream_opened = { _, user, ref in cnetStream(user).streamOpened(ref) }
        cb.on_headers = { _, user, headers, count, isTrailers in
            cnetStream(user).receivedHeaders(WireHeaders.decode(headers, count), isTrailers: isTrailers != 0)
        }
        cb.on_data = { _, user, data, len in
            guard let data, len > 0 else { return 0 }
            return cnetStream(user).receivedData(UnsafeRawBufferPointer(start: data, count: len))
        }
        cb.on_remote_end = { _, user in cnetStream(user).remoteEnded() }
        cb.on_sent = { _, user, n in cnetStream(user).sent(n) }
        cb.on_stream_close = { _, user, code in
            let s = Unmanaged<CNetStream>.fromOpaque(user!).takeRetainedValue()
            s.closed(errorCode: code)
        }
        return cb
    }
}

/// A weak-ish holder so CNet's ctx pointer never keeps a server alive by itself.
final class AcceptorBox: @unchecked Sendable {
    weak var acceptor: (any CNetStreamAcceptor)?
    init(_ acceptor: any CNetStreamAcceptor) { self.acceptor = acceptor }
}

/// Thread-safe stream commands (they enqueue work for the owning loop).
extension cnet_stream_ref {
    func submit(headers: [(String, String)]? = nil, data: [UInt8]? = nil,
                trailers: [(String, String)]? = nil, endStream: Bool = false) {
        var r = self
        let flags: Int32 = endStream ? Int32(CNET_END_STREAM) : 0
        WireHeaders.withCHeaders(headers ?? []) { h, hn in
            WireHeaders.withCHeaders(trailers ?? []) { t, tn in
                let hp = headers == nil ? nil : (h ?? UnsafePointer(bitPattern: 1))
                let tp = trailers == nil ? nil : (t ?? UnsafePointer(bitPattern: 1))
                if let data {
                    data.withUnsafeBufferPointer { d in
                        cnet_stream_submit(&r, hp, hn, d.baseAddress ?? UnsafePointer(bitPattern: 1), d.count, tp, tn, flags)
                    }
                } else {
                    cnet_stream_submit(&r, hp, hn, nil, 0, tp, tn, flags)
                }
            }
        }
    }

    func reset(_ code: UInt32) {
        var r = self
        cnet_stream_reset(&r, code)
    }

    func consume(_ bytes: Int) {
        var r = self
        cnet_stream_consume(&r, bytes)
    }
}

/// The stream object behind CNet's user_data (not retained again).
private func cnetStream(_ p: UnsafeMutableRawPointer?) -> CNetStream {
    Unmanaged<CNetStream>.fromOpaque(p!).takeUnretainedValue()
}
