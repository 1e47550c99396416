/* rh_ctl: control API request bodies (contract section 8), parsed strictly. Pure.
 *
 * Bodies are JSON objects (rh_json_parse rules). Every id is [A-Za-z0-9_-]{1,64}.
 * Ownership: parse functions fill caller structs with heap data freed by the matching
 * *_clear function (safe on zeroed structs). */
#ifndef RH_CTL_H
#define RH_CTL_H

#include <stddef.h>

#include "channel.h"

typedef enum {
    RH_CTL_OK = 0,
    RH_CTL_ERR_JSON = -1,      /* 400: not a JSON object */
    RH_CTL_ERR_FIELD = -2,     /* 400: field missing or of the wrong type */
    RH_CTL_ERR_ID = -3,        /* 400: an id outside [A-Za-z0-9_-]{1,64} */
    RH_CTL_ERR_UTF8 = -4,      /* 400: a token that is not valid UTF-8 */
    RH_CTL_ERR_TOO_LARGE = -5, /* 413: over the configured byte limit */
    RH_CTL_ERR_REASON = -6,    /* 400: unknown end reason */
    RH_CTL_ERR_NOMEM = -7,
} rh_ctl_err;

typedef struct rh_ctl_start {
    char workspace_id[RH_CHAN_ID_MAX + 1];
    char thread_id[RH_CHAN_ID_MAX + 1];
    char run_id[RH_CHAN_ID_MAX + 1];
    char stream_id[RH_CHAN_ID_MAX + 1];
} rh_ctl_start;

int rh_ctl_parse_start(const char *body, size_t len, rh_ctl_start *out, char *err, size_t errlen);

#define RH_CTL_MAX_TOKENS 1000 /* tokens per request */

typedef struct rh_ctl_tokens {
    char **tokens; /* each NUL-terminated; may not contain NUL (rejected) */
    size_t *lens;
    size_t n;
    size_t total; /* sum of lens */
} rh_ctl_tokens;

/* Body {"token": "..."} or {"tokens": ["...", ...]} (exactly one of them, n >= 1).
 * max_bytes bounds the sum of token lengths (413 past it). Token strings are checked as
 * UTF-8 after JSON unescaping, so a lone surrogate escape is refused too. */
int rh_ctl_parse_tokens(const char *body, size_t len, size_t max_bytes, rh_ctl_tokens *out,
                        char *err, size_t errlen);
void rh_ctl_tokens_clear(rh_ctl_tokens *t);

typedef enum {
    RH_END_COMPLETED = 0,
    RH_END_CANCELLED = 1,
    RH_END_FAILED = 2,
} rh_end_reason;

/* Empty body or {} means completed; {"reason": "completed"|"cancelled"|"failed"}. */
int rh_ctl_parse_end(const char *body, size_t len, rh_end_reason *out, char *err, size_t errlen);
const char *rh_ctl_reason_name(rh_end_reason r);
int rh_ctl_reason_parse(const char *s, rh_end_reason *out);
const char *rh_ctl_strerror(int code);

#define RH_CTL_USER_MAX 128 /* user ids in membership changes, bytes */

/* Body {"user_id": "...", "member": true|false} of a workspace membership change
 * (docs/protocol.md 19.1). user_id is 1..RH_CTL_USER_MAX bytes of printable ASCII (Laravel's
 * user ids are numbers or UUIDs); the server refers to the user by it in presence data and
 * bindings, so control characters and the bus's separators are refused. */
int rh_ctl_parse_member(const char *body, size_t len, char user_id[RH_CTL_USER_MAX + 1],
                        int *member, char *err, size_t errlen);

#endif
