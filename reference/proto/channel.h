/* rh_chan: channel-name rules (Pusher's) and the stream channel private-workspace.W.thread.T.
 * Pure; no allocation. Lengths are in bytes. */
#ifndef RH_CHAN_H
#define RH_CHAN_H

#include <stddef.h>

#define RH_CHAN_MAX_LEN 164 /* Pusher: at most 164 characters, prefixes included */
#define RH_CHAN_ID_MAX  64  /* workspace and thread ids: [A-Za-z0-9_-]{1,64} */

typedef enum {
    RH_CHAN_OK = 0,
    RH_CHAN_ERR_EMPTY = -1,
    RH_CHAN_ERR_TOO_LONG = -2,
    RH_CHAN_ERR_CHARS = -3, /* a byte outside [A-Za-z0-9_\-=@,.;] */
    RH_CHAN_ERR_NOT_STREAM = -4,
    RH_CHAN_ERR_ID = -5, /* workspace or thread id outside [A-Za-z0-9_-]{1,64} */
} rh_chan_err;

typedef enum {
    RH_CHAN_PUBLIC,
    RH_CHAN_PRIVATE,           /* private- */
    RH_CHAN_PRIVATE_ENCRYPTED, /* private-encrypted- */
    RH_CHAN_PRESENCE,          /* presence- */
} rh_chan_type;

/* 0 when name[0..len) is a valid Pusher channel name; else rh_chan_err with a message. */
int rh_chan_validate(const char *name, size_t len, char *err, size_t errlen);
rh_chan_type rh_chan_type_of(const char *name, size_t len);
/* 1 when the channel needs an auth signature (private, encrypted, presence). */
int rh_chan_needs_auth(rh_chan_type t);
/* 1 for Pusher's cache channels: cache-, private-cache-, presence-cache- and
 * private-encrypted-cache- (anchored prefixes; the cached last event is per channel). */
int rh_chan_is_cache(const char *name, size_t len);

typedef struct rh_chan_stream {
    char workspace[RH_CHAN_ID_MAX + 1];
    char thread[RH_CHAN_ID_MAX + 1];
} rh_chan_stream;

/* 1 when id[0..len) matches [A-Za-z0-9_-]{1,64}. */
int rh_chan_valid_id(const char *id, size_t len);
/* Parses private-workspace.{W}.thread.{T}. 0 on success; RH_CHAN_ERR_NOT_STREAM when the
 * name has another shape; RH_CHAN_ERR_ID when an id is invalid. */
int rh_chan_parse_stream(const char *name, size_t len, rh_chan_stream *out, char *err,
                         size_t errlen);
/* Writes the stream channel name; returns its length, or a negative rh_chan_err. */
int rh_chan_format_stream(char *out, size_t outlen, const char *workspace, const char *thread);
const char *rh_chan_strerror(int code);

#endif
