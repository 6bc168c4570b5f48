#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The number of processors currently online (for the default thread count of parallel loops).
@usableFromInline
func activeProcessorCount() -> Int {
    #if canImport(Glibc) || canImport(Darwin)
    return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    #else
    return 1
    #endif
}
