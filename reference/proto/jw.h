/* jw: internal two-pass JSON writer for the proto encoders (not part of the public API).
 *
 * Why: each frame is measured in a first pass (out == NULL) and written in a second into a
 * buffer of exactly the right size, so an encoder costs one allocation. While `esc` > 0 every
 * byte written is escaped once more as JSON string content, which is how a double-encoded
 * `data` string is produced without building the inner JSON separately. */
#ifndef RH_JW_H
#define RH_JW_H

#include <stddef.h>

#include "buf.h"

typedef struct jw {
    char *out; /* NULL while measuring */
    size_t len;
    int esc;
} jw;

void jw_raw(jw *w, const char *s, size_t n);
void jw_lit(jw *w, const char *s);
/* s[0..n) as a JSON string literal (quotes included). */
void jw_str(jw *w, const char *s, size_t n);
void jw_cstr(jw *w, const char *s);
void jw_u64(jw *w, unsigned long long v);
void jw_i64(jw *w, long long v);

typedef void (*jw_fn)(jw *w, const void *ctx);
/* Runs fn twice (measure, write) and returns the frame, or NULL when out of memory. */
rh_buf *jw_build(jw_fn fn, const void *ctx);

#endif
