// Memory hints Swift has no spelling for. Header-only: the functions are inlined into the Swift
// code that calls them (no library, no call).
#ifndef CMEMORYHINTS_SHIM_H
#define CMEMORYHINTS_SHIM_H

/// Asks the CPU to start loading the cache line holding `address` for reading, without waiting
/// for it (a hint: never faults, may be dropped). Lets independent cache misses overlap.
static inline __attribute__((always_inline)) void cmh_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
