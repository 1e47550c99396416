/* rb_parse: what rehome-bench reads off the wire, without I/O.
 *
 * Frames: a scanner, not a JSON parser, because the tool must read hundreds of thousands of
 * frames per second on one core while the server under test runs on the other; it finds the
 * envelope's event and channel and the seq inside a token's double-encoded data.
 * rb_parse_token_full checks a frame completely with cJSON (envelope, data string decoding,
 * integer seq, stream id), and the tool runs it on a sample of the frames (see ws.c).
 * HTTP: the head of an HTTP/1.1 response with Content-Length (the keep-alive client). */
#ifndef RB_PARSE_H
#define RB_PARSE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    RB_FRAME_OTHER = 0,
    RB_FRAME_TOKEN,       /* thread.token.streamed */
    RB_FRAME_ESTABLISHED, /* pusher:connection_established */
    RB_FRAME_SUBSCRIBED,  /* pusher_internal:subscription_succeeded */
    RB_FRAME_PING,        /* pusher:ping */
    RB_FRAME_ERROR,       /* pusher:error or pusher:subscription_error */
} rb_frame_kind;

typedef struct rb_frame {
    rb_frame_kind kind;
    const char *channel; /* points into the frame; not NUL-terminated */
    size_t channel_len;
    uint64_t seq;       /* RB_FRAME_TOKEN; 0 when not found (an error) */
    char socket_id[48]; /* RB_FRAME_ESTABLISHED */
} rb_frame;

/* 0, or -1 when the text has no "event" string member. */
int rb_parse_frame(const char *s, size_t len, rb_frame *out);

/* Full check of a token frame: valid JSON object, event thread.token.streamed, channel equal
 * to `channel`, data a string that decodes to an object with an integer seq (returned in
 * *seq) and stream_id equal to `stream_id`. 0, or -1 with a reason in err. */
int rb_parse_token_full(const char *s, size_t len, const char *channel, const char *stream_id,
                        uint64_t *seq, char *err, size_t errlen);

typedef struct rb_http_head {
    int status;
    size_t head_len;       /* bytes up to and including the blank line */
    size_t content_length; /* 0 when absent */
    int close;             /* the server said Connection: close */
} rb_http_head;

/* 1 when buf holds a whole response head, 0 when more bytes are needed, -1 when it is not an
 * HTTP/1.x response or uses a transfer coding this client does not read (chunked). */
int rb_parse_http_head(const char *buf, size_t len, rb_http_head *out);

#endif
