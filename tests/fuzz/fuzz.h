/*
 * fuzz.h - what every libFuzzer harness of tests/fuzz shares: the entry
 * point's prototype and the check that turns a broken property into a
 * crash libFuzzer reports (and saves the input of).
 *
 * assert() would do, but a harness must not depend on NDEBUG, and its
 * message should say which property broke in words.
 */
#ifndef MR_FUZZ_H
#define MR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer calls this once per input; 0 always (other values are
 * reserved). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, naming the property, when cond is false. */
#define FUZZ_CHECK(cond, what)                                                               \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, __LINE__, (what), \
                    #cond);                                                                  \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

#endif
