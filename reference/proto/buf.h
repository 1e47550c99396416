/* rh_buf: an immutable, reference-counted byte buffer.
 *
 * Why: a broadcast frame is serialised once and shared by every subscriber's send queue;
 * each queue holds one reference and drops it when the frame is written.
 *
 * Ownership: rh_buf_new* returns a buffer with one reference, owned by the caller.
 * rh_buf_ref adds one; rh_buf_unref drops one and frees at zero. rh_buf_unref(NULL) is a no-op.
 * The bytes are followed by LWS-style pre-padding (RH_BUF_PRE bytes before data) so the
 * network edge can frame in place without copying; data is NUL-terminated for convenience.
 * Not thread-safe: a buffer lives on one event loop. */
#ifndef RH_BUF_H
#define RH_BUF_H

#include <stddef.h>

#define RH_BUF_PRE 16 /* >= LWS_PRE (16 in libwebsockets 4.1) */

typedef struct rh_buf {
    unsigned refs;
    size_t len;
    unsigned long long stamp_us; /* set by the edge when first queued (0 before): for the
                                    publish-to-send latency metric */
    char *data;                  /* points RH_BUF_PRE bytes into storage; data[len] == '\0' */
    char storage[];
} rh_buf;

/* Copies len bytes of src. Returns NULL on allocation failure. */
rh_buf *rh_buf_new(const char *src, size_t len);
/* Uninitialised buffer of len bytes for encoders that write in place (one allocation per
 * frame); the caller fills data[0..len) and data[len] is already '\0'. */
rh_buf *rh_buf_alloc(size_t len);
/* Takes a NUL-terminated string. */
rh_buf *rh_buf_new_str(const char *s);
rh_buf *rh_buf_ref(rh_buf *b);
void rh_buf_unref(rh_buf *b);

#endif
