import CThreadSanitizer
import Synchronization

/// The project's mutex: the standard library's `Mutex` (a futex on Linux), which
/// ThreadSanitizer cannot see, plus happens-before annotations for it in ThreadSanitizer builds.
///
/// Without annotations every pair of accesses guarded only by a `Mutex` is reported as a race, so
/// a ThreadSanitizer run would be noise. `Deploy/sanitize.sh thread` builds with
/// `-DTSAN_ANNOTATIONS -Xcc -DCTS_ANNOTATIONS`: then each lock has a token object whose address
/// is the synchronization point, acquired after locking and released before unlocking. Other
/// builds have neither the token nor the calls: a `Lock` is a `Mutex`.
public struct Lock<Value: ~Copyable>: ~Copyable {
    @usableFromInline let mutex: Mutex<Value>
    #if TSAN_ANNOTATIONS
    @usableFromInline final class Token: Sendable { @usableFromInline init() {} }
    @usableFromInline let token = Token()
    #endif

    /// A lock guarding `initialValue`.
    @inlinable
    public init(_ initialValue: consuming sending Value) {
        mutex = Mutex(initialValue)
    }

    /// Runs `body` with exclusive access to the value.
    @inlinable
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        #if TSAN_ANNOTATIONS
        let point = UnsafeRawPointer(Unmanaged.passUnretained(token).toOpaque())
        return try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            cts_acquire(point)
            defer { cts_release(point) }
            return try body(&value)
        }
        #else
        return try mutex.withLock(body)
        #endif
    }
}

extension Lock: @unchecked Sendable where Value: ~Copyable {}
