/* rb_wsc: one client WebSocket connection's byte stream, without I/O: the upgrade request,
 * the server's answer, and the frames and messages after it, for rehome-bench's raw
 * subscribers (ws_raw.c). Every format is conformance/wire's (rw_wskey, rw_http,
 * rw_wsframe, rw_wsmsg); this only keeps the receive buffer and says what arrived.
 *
 * The caller receives into rb_wsc_space, reports the bytes with rb_wsc_received, then calls
 * rb_wsc_next until RB_WSC_MORE: any number of frames per read, a frame or the handshake
 * answer split over reads. The buffer is bounded (RB_WSC_MSG_MAX plus a header); a longer
 * answer head or frame is an error, never a crash.
 *
 * Ownership: rb_wsc owns its receive buffer and its rw_wsmsg (rb_wsc_free). An event's data
 * points into them and is valid until the next rb_wsc_next or rb_wsc_space call. Pure. */
#ifndef RB_WSC_H
#define RB_WSC_H

#include <stddef.h>
#include <stdint.h>

#include "wire/wsframe.h"
#include "wire/wsmsg.h"
#include "wire/wskey.h"

#define RB_WSC_HEAD_MAX 8192       /* longest upgrade answer head */
#define RB_WSC_MSG_MAX  (1u << 20) /* longest frame and message */

typedef struct rb_wsc {
    char key[RW_WSKEY_LEN + 1];
    int open;   /* the upgrade answer was accepted */
    int failed; /* an error was reported: every later call reports it again */
    unsigned char *in;
    size_t off, len, cap; /* in[off..len) is received and not consumed */
    rw_wsmsg msg;
} rb_wsc;

typedef enum {
    RB_WSC_MORE = 0,  /* nothing whole is buffered */
    RB_WSC_OPEN = 1,  /* the upgrade was accepted */
    RB_WSC_TEXT = 2,  /* a whole text message (data, len) */
    RB_WSC_PING = 3,  /* a ping frame (its payload in data, len) */
    RB_WSC_CLOSE = 4, /* a close frame (code) */
    RB_WSC_ERROR = -1 /* why */
} rb_wsc_kind;

typedef struct rb_wsc_ev {
    int kind;
    const char *data;
    size_t len;
    int code;
    char why[160];
} rb_wsc_ev;

/* key from the caller's 16 random bytes. */
void rb_wsc_init(rb_wsc *c, const uint8_t nonce[16]);
void rb_wsc_free(rb_wsc *c);
/* The upgrade request for target, as rw_wskey_request. */
size_t rb_wsc_request(const rb_wsc *c, char *out, size_t cap, const char *target, const char *host,
                      int port);
/* Where to receive next and how many bytes fit (*room > 0); NULL when out of memory. */
unsigned char *rb_wsc_space(rb_wsc *c, size_t *room);
void rb_wsc_received(rb_wsc *c, size_t n);
/* The next event (also its kind). */
int rb_wsc_next(rb_wsc *c, rb_wsc_ev *ev);
/* A masked client frame (fin, opcode) with mask into out when it fits: its length. */
size_t rb_wsc_frame(unsigned char *out, size_t cap, int opcode, const void *payload, size_t len,
                    const uint8_t mask[4]);

#endif
