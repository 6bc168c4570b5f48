/*
 * The libFuzzer entry points. In a fuzzing build (Deploy/fuzz.sh links libFuzzer) `settlement-fuzz
 * run` starts libFuzzer's driver, which calls LLVMFuzzerInitialize; that asks Swift
 * (fuzz_select_target, by the FUZZ_TARGET environment variable) for the callback that
 * LLVMFuzzerTestOneInput then calls with every input. In a plain build they are unused.
 */
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

typedef int (*fuzz_callback)(const uint8_t *data, size_t size);

/* Sets the callback LLVMFuzzerTestOneInput calls. */
void fuzz_register(fuzz_callback callback);

/* Runs libFuzzer's driver with argc/argv (calling LLVMFuzzerInitialize, then the registered
 * callback); -1 when libFuzzer is not linked in (a plain build). */
int fuzz_run_driver(int *argc, char ***argv);
#endif
