/* rw_whreq: what the suite's webhook receiver reads: one HTTP/1.1 request (head and a
 * Content-Length body) and the webhook body {"time_ms": N, "events": [{"name": ...}, ...]}
 * (docs/protocol.md section 20).
 *
 * Ownership: rw_whreq slices point into the caller's buffer and are valid while it is.
 * rw_whbody_parse answers a cJSON tree the caller frees with cJSON_Delete. Pure: no I/O. */
#ifndef RW_WHREQ_H
#define RW_WHREQ_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "http.h"

#define RW_WHREQ_MAX_HEAD (16u * 1024u)
#define RW_WHREQ_MAX_BODY (4u * 1024u * 1024u)

typedef struct rw_whreq {
    rw_slice method, target;
    rw_slice key;          /* X-Pusher-Key, n 0 when absent */
    rw_slice signature;    /* X-Pusher-Signature */
    rw_slice content_type; /* Content-Type */
    rw_slice body;
    size_t total; /* bytes of head and body */
} rw_whreq;

/* Parses buf[0..len): the request's length (> 0) once head and body are complete,
 * RW_HTTP_PARTIAL before, or RW_HTTP_ERROR (not an HTTP/1.x request, no or a bad
 * Content-Length, chunked, too large). */
int rw_whreq_parse(const char *buf, size_t len, rw_whreq *out);

/* Checks a webhook body: an object with a whole-number time_ms and an array events whose
 * items are objects with a string name. Answers the parsed root (cJSON_Delete), or NULL with
 * the first problem in why. */
cJSON *rw_whbody_parse(const char *body, size_t len, char *why, size_t whylen);

#endif
