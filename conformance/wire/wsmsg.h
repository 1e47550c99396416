/* rw_wsmsg: the message layer of RFC 6455 (5.4, 5.5) over rw_wsframe, for a client: it
 * joins fragments into messages, passes control frames through between fragments, and says
 * what a frame means (a message, a control frame, a close code, or a protocol error). What
 * to do about it (answer a ping, send a close, log, fail a case) is the caller's.
 *
 * Ownership: rw_wsmsg owns the buffer of the message being joined (free with
 * rw_wsmsg_free); the payload in an rw_wsmsg_event points either into that buffer or at the
 * caller's frame payload, valid until the next rw_wsmsg_frame call. Pure: no I/O. */
#ifndef RW_WSMSG_H
#define RW_WSMSG_H

#include <stddef.h>
#include <stdint.h>

#include "wsframe.h"

typedef struct rw_wsmsg {
    char *buf; /* the fragmented message so far */
    size_t len, cap;
    int opcode; /* of the fragmented message; 0: none started */
    size_t max; /* largest message accepted */
} rw_wsmsg;

typedef enum {
    RW_WSMSG_NONE = 0,    /* a fragment was stored; nothing to hand out yet */
    RW_WSMSG_MESSAGE = 1, /* a whole text or binary message */
    RW_WSMSG_CONTROL = 2, /* ping, pong or close (close_code set for close) */
    RW_WSMSG_ERROR = -1,  /* see why */
} rw_wsmsg_kind;

typedef enum {
    RW_WSMSG_E_NONE = 0,
    RW_WSMSG_E_CONT_NO_START, /* continuation frame with no message started */
    RW_WSMSG_E_NEW_IN_FRAG,   /* a new message inside a fragmented one */
    RW_WSMSG_E_OPCODE,        /* reserved opcode */
    RW_WSMSG_E_TOO_LARGE,     /* the joined message is over max */
    RW_WSMSG_E_NOMEM,
} rw_wsmsg_error;

typedef struct rw_wsmsg_event {
    int kind;   /* rw_wsmsg_kind */
    int opcode; /* RW_WS_TEXT, RW_WS_BINARY, or the control opcode */
    const char *data;
    size_t len;
    int close_code; /* RW_WS_CLOSE: the code, 1005 when the payload has none */
    int why;        /* rw_wsmsg_error for RW_WSMSG_ERROR */
} rw_wsmsg_event;

void rw_wsmsg_init(rw_wsmsg *m, size_t max);
void rw_wsmsg_free(rw_wsmsg *m);
/* Takes one whole, unmasked frame payload p[0..len) with header f: the event (also returned
 * in ev->kind). */
int rw_wsmsg_frame(rw_wsmsg *m, const rw_wsframe *f, const char *p, size_t len, rw_wsmsg_event *ev);
/* A short description of an rw_wsmsg_error. */
const char *rw_wsmsg_strerror(int why);
/* The close code of a close payload: 1005 when it has fewer than 2 bytes. */
int rw_wsmsg_close_code(const char *p, size_t len);

#endif
