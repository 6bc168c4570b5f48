import CNet

/// A header list built once and kept for the life of the process, so the hot path submits
/// common response headers and trailers without building Swift strings or arrays.
struct StaticHeaderBlock: @unchecked Sendable {
    let headers: UnsafePointer<cnet_header>
    let count: Int

    init(_ pairs: [(String, String)]) {
        let p = UnsafeMutablePointer<cnet_header>.allocate(capacity: pairs.count)
        for (i, (n, v)) in pairs.enumerated() {
            let nb = Array(n.utf8), vb = Array(v.utf8)
            let np = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, nb.count))
            let vp = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, vb.count))
            np.initialize(from: nb, count: nb.count)
            vp.initialize(from: vb, count: vb.count)
            p[i] = cnet_header(name: np, name_len: nb.count, value: vp, value_len: vb.count)
        }
        headers = UnsafePointer(p)
        count = pairs.count
    }

    /// `:status 200` and `content-type: application/grpc`.
    static let okResponse = StaticHeaderBlock([(":status", "200"), ("content-type", "application/grpc")])
    /// `grpc-status: 0`.
    static let okTrailers = StaticHeaderBlock([("grpc-status", "0")])
}

extension cnet_stream_ref {
    /// Submits prebuilt header blocks with optional data (the hot path of single-response calls).
    func submit(headers: StaticHeaderBlock?, data: [UInt8]?, trailers: StaticHeaderBlock?, endStream: Bool = false) {
        var r = self
        let flags: Int32 = endStream ? Int32(CNET_END_STREAM) : 0
        if let data {
            data.withUnsafeBufferPointer { d in
                cnet_stream_submit(&r, headers?.headers, headers?.count ?? 0, d.baseAddress ?? UnsafePointer(bitPattern: 1),
                                   d.count, trailers?.headers, trailers?.count ?? 0, flags)
            }
        } else {
            cnet_stream_submit(&r, headers?.headers, headers?.count ?? 0, nil, 0, trailers?.headers, trailers?.count ?? 0, flags)
        }
    }
}
