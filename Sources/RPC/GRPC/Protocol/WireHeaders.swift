import CNet

/// Header encodings of grpc's PROTOCOL-HTTP2.md: `grpc-timeout`, percent-encoded `grpc-message`,
/// base64 `-bin` metadata, and the bridge between Swift header lists and CNet's `cnet_header`.
enum WireHeaders {
    /// Parses `grpc-timeout` (1 to 8 ASCII digits and a unit H, M, S, m, u, n).
    static func parseTimeout(_ value: String) -> Duration? {
        let u = value.utf8
        guard u.count >= 2, u.count <= 9, let unit = u.last else { return nil }
        var n: Int64 = 0
        for c in u.dropLast() {
            guard c >= 48, c <= 57 else { return nil }
            n = n * 10 + Int64(c - 48)
        }
        switch unit {
        case UInt8(ascii: "H"): return .seconds(n * 3600)
        case UInt8(ascii: "M"): return .seconds(n * 60)
        case UInt8(ascii: "S"): return .seconds(n)
        case UInt8(ascii: "m"): return .milliseconds(n)
        case UInt8(ascii: "u"): return .microseconds(n)
        case UInt8(ascii: "n"): return .nanoseconds(n)
        default: return nil
        }
    }

    /// Formats a timeout with at most 8 digits, rounding up so the peer never sees a shorter one.
    static func formatTimeout(_ d: Duration) -> String {
        let (s, atto) = d.components
        let nanos = max(0, s) * 1_000_000_000 + max(0, atto) / 1_000_000_000
        let units: [(Int64, String)] = [(1, "n"), (1000, "u"), (1_000_000, "m"), (1_000_000_000, "S"),
                                        (60_000_000_000, "M"), (3_600_000_000_000, "H")]
        for (scale, unit) in units {
            let v = (nanos + scale - 1) / scale
            if v < 100_000_000 { return "\(v)\(unit)" }
        }
        return "99999999H"
    }

    /// Percent-encodes a status message: bytes outside 0x20...0x7E and '%' become %XX of UTF-8.
    static func percentEncode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if b >= 0x20 && b <= 0x7e && b != 0x25 {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + String(b >> 4, radix: 16, uppercase: true) + String(b & 0xf, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Decodes a percent-encoded message; invalid escapes are kept literally (as the spec asks).
    static func percentDecode(_ s: String) -> String {
        let bytes = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count,
               let h = hexValue(bytes[i + 1]), let l = hexValue(bytes[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }

    /// Converts a CNet header array (valid only during a callback) to Swift strings.
    static func decode(_ headers: UnsafePointer<cnet_header>?, _ count: Int) -> [(name: String, value: String)] {
        guard let headers, count > 0 else { return [] }
        var out = [(name: String, value: String)]()
        out.reserveCapacity(count)
        for i in 0..<count {
            let h = headers[i]
            let name = String(decoding: UnsafeBufferPointer(start: h.name, count: h.name_len), as: UTF8.self)
            let value = String(decoding: UnsafeBufferPointer(start: h.value, count: h.value_len), as: UTF8.self)
            out.append((name, value))
        }
        return out
    }

    /// Custom metadata from received headers: reserved keys dropped, `-bin` values base64-decoded.
    static func metadata(from headers: [(name: String, value: String)]) -> Metadata {
        var md = Metadata()
        for (name, value) in headers where !Metadata.isReserved(name) {
            if name.hasSuffix("-bin") {
                // A value may be a comma-separated list of base64 values (header folding).
                for part in value.split(separator: ",") {
                    if let b = Base64.decode(part.trimmingCharacters()) { md.add(name, binary: b) }
                }
            } else {
                md.add(name, value)
            }
        }
        return md
    }

    /// Appends custom metadata as header pairs.
    static func append(_ md: Metadata, to headers: inout [(String, String)]) {
        for e in md where !Metadata.isReserved(e.key) {
            switch e.value {
            case .text(let s): headers.append((e.key, s))
            case .binary(let b): headers.append((e.key, Base64.encode(b)))
            }
        }
    }

    /// Calls `body` with a `cnet_header` array whose pointers stay valid for the call.
    static func withCHeaders<R>(_ headers: [(String, String)], _ body: (UnsafePointer<cnet_header>?, Int) -> R) -> R {
        if headers.isEmpty { return body(nil, 0) }
        // One contiguous byte buffer for all names and values, then the array pointing into it.
        var storage = [UInt8]()
        storage.reserveCapacity(headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count })
        var spans = [(Int, Int, Int, Int)]()
        spans.reserveCapacity(headers.count)
        for (n, v) in headers {
            let ns = storage.count
            storage.append(contentsOf: n.utf8)
            let vs = storage.count
            storage.append(contentsOf: v.utf8)
            spans.append((ns, n.utf8.count, vs, v.utf8.count))
        }
        return storage.withUnsafeBufferPointer { buf in
            let base = buf.baseAddress!
            let c = spans.map { s in
                cnet_header(name: base + s.0, name_len: s.1, value: base + s.2, value_len: s.3)
            }
            return c.withUnsafeBufferPointer { body($0.baseAddress, $0.count) }
        }
    }
}

extension Substring {
    func trimmingCharacters() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
