/* rc_whrecv: the suite's webhook receiver (rehome-conform --webhook-listen HOST:PORT). A
 * listening socket served by one background thread: every request is read whole
 * (conformance/wire/whreq.c), recorded, and answered 200, or the status a case asked for
 * (rc_whrecv_fail), so the retry cases can make a server try again.
 *
 * Thread safety: every function may be called from any thread (a mutex guards the log).
 * Ownership: rc_whrecv_start answers a receiver freed by rc_whrecv_stop; rc_whrecv_get fills
 * a caller-owned rc_whpost whose body is heap (rc_whpost_clear). */
#ifndef RC_WHRECV_H
#define RC_WHRECV_H

#include <stddef.h>
#include <stdint.h>

typedef struct rc_whrecv rc_whrecv;

typedef struct rc_whpost {
    uint64_t at_ms;      /* when it arrived (monotonic) */
    int answered;        /* the status the receiver answered */
    char target[256];    /* path and query */
    char key[128];       /* X-Pusher-Key ("" none) */
    char signature[160]; /* X-Pusher-Signature ("" none) */
    char *body;          /* NUL-terminated */
    size_t body_len;
} rc_whpost;

/* Listens on host:port (port 0: any; rc_whrecv_port tells). NULL with a message in err. */
rc_whrecv *rc_whrecv_start(const char *host, int port, char *err, size_t errlen);
int rc_whrecv_port(const rc_whrecv *r);
void rc_whrecv_stop(rc_whrecv *r);

/* The next count requests whose body contains needle are answered status (e.g. 500). */
void rc_whrecv_fail(rc_whrecv *r, const char *needle, int count, int status);
/* The next request whose body contains needle is answered only after ms (a slow receiver):
 * the receiver serves one request at a time, so later ones wait too. */
void rc_whrecv_hold(rc_whrecv *r, const char *needle, int ms);
/* Requests received so far. */
size_t rc_whrecv_count(rc_whrecv *r);
/* Waits until more than have requests were received or timeout_ms passed: the count. */
size_t rc_whrecv_wait(rc_whrecv *r, size_t have, int timeout_ms);
/* Copies request i (0-based): 0, or -1 when there is none. */
int rc_whrecv_get(rc_whrecv *r, size_t i, rc_whpost *out);
void rc_whpost_clear(rc_whpost *p);

#endif
