// Happens-before annotations for ThreadSanitizer. Header-only. In a build with
// `-Xcc -DCTS_ANNOTATIONS` (Deploy/sanitize.sh thread) they call the sanitizer runtime, which
// provides `__tsan_acquire` / `__tsan_release`; otherwise they are empty and compile to nothing.
// `Lock` uses them because the standard library's `Mutex` locks with raw futex system calls that
// ThreadSanitizer cannot see.
#ifndef CTHREADSANITIZER_SHIM_H
#define CTHREADSANITIZER_SHIM_H

#ifdef CTS_ANNOTATIONS
void __tsan_acquire(void *address);
void __tsan_release(void *address);
/// Everything the thread that last released `address` did happens before what follows.
static inline __attribute__((always_inline)) void cts_acquire(const void *address) { __tsan_acquire((void *)address); }
/// What this thread did so far happens before the next acquire of `address`.
static inline __attribute__((always_inline)) void cts_release(const void *address) { __tsan_release((void *)address); }
#else
static inline __attribute__((always_inline)) void cts_acquire(const void *address) { (void)address; }
static inline __attribute__((always_inline)) void cts_release(const void *address) { (void)address; }
#endif

#endif
