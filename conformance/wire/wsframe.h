/* rw_wsframe: the frame layer of RFC 6455 (5.2), in the style of wslay: every header field
 * is the caller's to set or read, nothing is checked on encode, so tests and fuzzers can
 * craft what a well-behaved peer never sends (unmasked client frames, RSV bits, reserved
 * opcodes, control frames over 125 bytes, lengths up to 2^64-1 in any of the three length
 * forms). Decoding reads a header and reports its fields; the policy a receiver applies is
 * a separate call (rw_wsframe_check). The message layer is rw_wsmsg.
 *
 * Ownership: rw_wsframe is a plain value; encoders write to the caller's buffer and decoders
 * only read theirs. The mask callback is the caller's (e.g. OpenSSL RAND_bytes); the library
 * keeps no state. Pure: no I/O. */
#ifndef RW_WSFRAME_H
#define RW_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

enum {
    RW_WS_CONT = 0,
    RW_WS_TEXT = 1,
    RW_WS_BINARY = 2,
    RW_WS_CLOSE = 8,
    RW_WS_PING = 9,
    RW_WS_PONG = 10,
};

#define RW_WSFRAME_MAX_HEADER 14

typedef struct rw_wsframe {
    int fin;    /* 0 or 1 */
    int rsv;    /* the three RSV bits, 0..7 (RSV1 is 4) */
    int opcode; /* 0..15 */
    int masked; /* 0 or 1 */
    uint8_t mask[4];
    uint64_t len; /* payload length */
    /* Encode only: the length form, 0 for the shortest, else 7, 16 or 64 (a longer form than
     * needed is allowed by the codec; a length that does not fit its form is cut). */
    int len_form;
} rw_wsframe;

/* Fills mask with 4 bytes for a masked frame: 0, or -1 (encoding fails). */
typedef int (*rw_wsframe_mask_cb)(void *ud, uint8_t mask[4]);

/* Writes f's header (at most RW_WSFRAME_MAX_HEADER bytes) to out: its length. */
size_t rw_wsframe_header(unsigned char out[RW_WSFRAME_MAX_HEADER], const rw_wsframe *f);
/* XORs p[0..n) with mask, starting at payload offset off (so a payload can be masked in
 * pieces). */
void rw_wsframe_mask(unsigned char *p, size_t n, const uint8_t mask[4], uint64_t off);
/* A whole frame: header, then payload (masked when f->masked, with the mask from cb when
 * cb is given, else f->mask). Written when it fits in cap; returns its length, or 0 when cb
 * fails. f->len is taken from len. */
size_t rw_wsframe_encode(unsigned char *out, size_t cap, rw_wsframe *f, const void *payload,
                         size_t len, rw_wsframe_mask_cb cb, void *ud);

typedef enum {
    RW_WSFRAME_PARTIAL = 0, /* the header is not complete yet */
    RW_WSFRAME_HEADER = 1,  /* the header was read */
} rw_wsframe_status;

/* Reads the header at p[0..n): RW_WSFRAME_HEADER with f and *hdr_len set, or
 * RW_WSFRAME_PARTIAL. The payload follows at p + *hdr_len, f->len bytes (still masked when
 * f->masked). */
int rw_wsframe_decode(const unsigned char *p, size_t n, rw_wsframe *f, size_t *hdr_len);

typedef enum {
    RW_WSFRAME_OK = 0,
    RW_WSFRAME_E_RSV = 1,       /* RSV bits with no extension negotiated */
    RW_WSFRAME_E_TOO_LARGE = 2, /* payload over the receiver's limit */
    RW_WSFRAME_E_MASKED = 3,    /* a server frame must not be masked (5.1) */
    RW_WSFRAME_E_UNMASKED = 4,  /* a client frame must be masked (5.1) */
} rw_wsframe_error;

/* A receiver's checks of a decoded header in the order a client reports them: RSV, size
 * (over max), then masking (from_client: the frame must be masked; else it must not be). */
rw_wsframe_error rw_wsframe_check(const rw_wsframe *f, uint64_t max, int from_client);

#endif
