/* rh_dec: strict decimal numbers in text the server reads (query parameters, bus fields, the
 * Redis URL). Pure. Only ASCII digits: a sign, spaces, a fraction or an exponent would give
 * one value two spellings.
 *
 * Ownership: nothing is allocated. */
#ifndef RH_DECIMAL_H
#define RH_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

/* s[0..n) as an unsigned 64-bit number: 1 to 20 digits, no overflow. 0, or -1 (out
 * untouched). */
int rh_dec_u64(const char *s, size_t n, uint64_t *out);

#endif
