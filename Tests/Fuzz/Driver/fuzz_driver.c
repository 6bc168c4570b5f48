#include "fuzz_driver.h"

static fuzz_callback registered;

void fuzz_register(fuzz_callback callback) { registered = callback; }

/* Implemented in Swift (FuzzMain.swift): registers the target FUZZ_TARGET names, or exits. */
extern void fuzz_select_target(void);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_select_target();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return registered ? registered(data, size) : 0;
}

extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t)) __attribute__((weak));

int fuzz_run_driver(int *argc, char ***argv) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(argc, argv, LLVMFuzzerTestOneInput);
}
