/* rh_trig: HTTP API trigger bodies (POST /apps/{id}/events and /batch_events). Pure.
 *
 * events: {"name": S, "data": S, "channel": S | "channels": [S, ...], "socket_id"?: S,
 *          "info"?: S}. data must be a string (Pusher's rule); name at most 200 bytes;
 * channels 1..max_channels, each a valid channel name; socket_id valid when present.
 * batch: {"batch": [event without "channels", ...]} with 1..max_batch items.
 * Reserved names are refused (RH_TRIG_ERR_RESERVED): a name starting with "pusher:" or
 * "pusher_internal:" (the protocol's own events, which a subscriber would take for the
 * server's), and the stream events thread.token.streamed / thread.stream.ended on a stream
 * channel private-workspace.W.thread.T, whose seqs only the control API may number.
 *
 * Ownership: *out owns every string; free with rh_trig_clear / rh_trig_batch_clear. */
#ifndef RH_TRIG_H
#define RH_TRIG_H

#include <stddef.h>

typedef enum {
    RH_TRIG_OK = 0,
    RH_TRIG_ERR_JSON = -1,      /* 400 */
    RH_TRIG_ERR_FIELD = -2,     /* 400: missing or wrong type */
    RH_TRIG_ERR_CHANNEL = -3,   /* 400: invalid channel name */
    RH_TRIG_ERR_CHANNELS = -4,  /* 400: too many channels, or none */
    RH_TRIG_ERR_BATCH = -5,     /* 400: too many batch items, or none */
    RH_TRIG_ERR_SOCKET_ID = -6, /* 400 */
    RH_TRIG_ERR_TOO_LARGE = -7, /* 413: data over max_data_bytes */
    RH_TRIG_ERR_NAME = -8,      /* 400: event name empty or over 200 bytes */
    RH_TRIG_ERR_NOMEM = -9,
    RH_TRIG_ERR_RESERVED = -10, /* 400: a reserved event name (see above) */
} rh_trig_err;

#define RH_TRIG_NAME_MAX 200

typedef struct rh_trig_event {
    char *name;
    char *data;
    size_t data_len;
    char **channels;
    size_t nchannels;
    char *socket_id; /* NULL when absent */
    char *info;      /* NULL when absent: comma-separated attributes */
} rh_trig_event;

typedef struct rh_trig_limits {
    size_t max_channels;     /* 100 */
    size_t max_batch;        /* 10 */
    size_t max_data_bytes;   /* 10240 */
    int allow_reserved;      /* 1: pusher:/pusher_internal: names pass (a fault switch only) */
    int allow_stream_events; /* 1: stream event names pass on stream channels (fault only) */
} rh_trig_limits;

int rh_trig_parse_event(const char *body, size_t len, const rh_trig_limits *lim, rh_trig_event *out,
                        char *err, size_t errlen);
void rh_trig_clear(rh_trig_event *e);

typedef struct rh_trig_batch {
    rh_trig_event *items;
    size_t n;
} rh_trig_batch;

int rh_trig_parse_batch(const char *body, size_t len, const rh_trig_limits *lim, rh_trig_batch *out,
                        char *err, size_t errlen);
void rh_trig_batch_clear(rh_trig_batch *b);
const char *rh_trig_strerror(int code);

#endif
