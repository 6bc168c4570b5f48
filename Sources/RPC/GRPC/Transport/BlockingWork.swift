import Foundation

/// Runs blocking C calls (connect, TLS handshakes, shutdown joins) on a dedicated thread, never on a
/// thread of Swift's cooperative pool, and resumes the caller when done.
enum BlockingWork {
    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let thread = Thread { c.resume(returning: work()) }
            thread.name = "cnet-blocking"
            thread.start()
        }
    }
}

/// The NUL-terminated message CNet wrote into an error buffer.
func cErrorString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
