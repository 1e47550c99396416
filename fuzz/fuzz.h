/* Shared helpers of the fuzz targets (fuzz/, test-only).
 *
 * Each target is one file defining LLVMFuzzerTestOneInput. The same file links either into a
 * libFuzzer binary (meson -Dfuzzing=true, clang) or into fuzz/replay.c, which runs it over a
 * stored corpus as an ordinary unit test. A target reports a broken invariant with FZ_CHECK,
 * which aborts: libFuzzer and the replay test both treat that as a failure.
 *
 * Multi-field targets split their input at '\n' (fz_split): readable seeds, and a
 * dictionary entry "\n" lets the fuzzer move field boundaries. */
#ifndef RH_FUZZ_H
#define RH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define FZ_MAX_FIELDS 8

/* Splits data at the first (nf - 1) '\n' into nf NUL-terminated heap strings in one block
 * (*block, caller frees); the last field takes the rest, newlines included. Missing fields
 * are "". Returns the block, or NULL when out of memory. */
char *fz_split(const uint8_t *data, size_t size, size_t nf, char *fields[], size_t lens[]);

/* A NUL-terminated heap copy of data (caller frees); aborts when out of memory. */
char *fz_strndup(const uint8_t *data, size_t size);

#endif
