/* rw_pscan: what a load or latency client reads off a Pusher connection, without I/O.
 *
 * A scanner, not a JSON parser, because rehome-bench and rehome-load must read hundreds of
 * thousands of frames per second on one core while the server under test runs on the other:
 * it finds the envelope's event and channel, the seq inside a token's double-encoded data,
 * the socket_id of pusher:connection_established and the code of pusher:error.
 * rw_pscan_token_full checks a token frame completely with cJSON (envelope, data string
 * decoding, integer seq, stream id), for a sample of the frames.
 *
 * Ownership: rw_pscan_frame's slices point into the caller's text; nothing is allocated that
 * outlives a call. Pure: no I/O. */
#ifndef RW_PSCAN_H
#define RW_PSCAN_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    RW_PSCAN_OTHER = 0,
    RW_PSCAN_TOKEN,       /* thread.token.streamed */
    RW_PSCAN_ESTABLISHED, /* pusher:connection_established */
    RW_PSCAN_SUBSCRIBED,  /* pusher_internal:subscription_succeeded */
    RW_PSCAN_PING,        /* pusher:ping */
    RW_PSCAN_ERROR,       /* pusher:error or pusher:subscription_error */
} rw_pscan_kind;

typedef struct rw_pscan {
    rw_pscan_kind kind;
    const char *event; /* points into the frame; not NUL-terminated */
    size_t event_len;
    const char *channel; /* points into the frame; not NUL-terminated; NULL when absent */
    size_t channel_len;
    uint64_t seq;       /* RW_PSCAN_TOKEN; 0 when not found (an error) */
    char socket_id[48]; /* RW_PSCAN_ESTABLISHED */
    int code;           /* RW_PSCAN_ERROR: the code in data, -1 when none */
} rw_pscan;

/* 0, or -1 when the text has no "event" string member. */
int rw_pscan_frame(const char *s, size_t len, rw_pscan *out);

/* Full check of a token frame: valid JSON object, event thread.token.streamed, channel equal
 * to `channel`, data a string that decodes to an object with an integer seq (returned in
 * *seq) and stream_id equal to `stream_id`. 0, or -1 with a reason in err. */
int rw_pscan_token_full(const char *s, size_t len, const char *channel, const char *stream_id,
                        uint64_t *seq, char *err, size_t errlen);

#endif
