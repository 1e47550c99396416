/* rh_replay: the query of the replay endpoint, GET /apps/{id}/streams/{sid}/tokens
 * (docs/protocol.md 12.6), parsed strictly. Pure.
 *
 * Ownership: nothing is allocated beyond the call; the caller owns out. */
#ifndef RH_REPLAY_H
#define RH_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define RH_REPLAY_MAX_LIMIT 1000 /* tokens per answer; also the default limit */

typedef enum {
    RH_REPLAY_OK = 0,
    RH_REPLAY_ERR_QUERY = -1,     /* malformed query string (escape, duplicate key) */
    RH_REPLAY_ERR_AFTER_SEQ = -2, /* after_seq missing or not a decimal integer */
    RH_REPLAY_ERR_LIMIT = -3,     /* limit not an integer in 1..RH_REPLAY_MAX_LIMIT */
    RH_REPLAY_ERR_NOMEM = -4,
} rh_replay_err;

typedef struct rh_replay_query {
    uint64_t after_seq; /* answer tokens with seq > after_seq */
    size_t limit;       /* at most this many */
} rh_replay_query;

/* Reads after_seq (required: 0 means from the start) and limit (optional) from a raw,
 * percent-encoded query; other parameters (the auth_* of the signature) are ignored.
 * RH_REPLAY_OK, or a negative rh_replay_err with a message in err. */
int rh_replay_parse_query(const char *query, size_t len, rh_replay_query *out, char *err,
                          size_t errlen);
const char *rh_replay_strerror(int code);

#endif
