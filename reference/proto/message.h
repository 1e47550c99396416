/* rh_msg: Pusher protocol 7 envelopes, decoded from clients and encoded for them.
 *
 * Pure: no I/O, no globals. Decoding is strict: the frame must be valid UTF-8 JSON, a single
 * object, no duplicate keys at any level, no \u0000 inside strings (cJSON would cut the string
 * there silently), `event` a non-empty string, `channel` a string when present.
 * `data` may be a JSON string (its content is kept, data_is_string = 1) or any other JSON value
 * (its compact JSON text is kept, data_is_string = 0), because pusher-js sends objects and
 * other clients send double-encoded strings.
 *
 * Ownership: rh_msg_decode fills *out with heap strings owned by *out; free them with
 * rh_msg_clear (also safe on a zeroed or already-cleared struct). Encoders return a new rh_buf
 * with one reference owned by the caller, or NULL when out of memory. */
#ifndef RH_MSG_H
#define RH_MSG_H

#include <stddef.h>

#include "buf.h"

typedef enum {
    RH_MSG_OK = 0,
    RH_MSG_ERR_JSON = -1, /* not parseable JSON */
    RH_MSG_ERR_UTF8 = -2, /* not valid UTF-8 */
    RH_MSG_ERR_NOT_OBJECT = -3,
    RH_MSG_ERR_EVENT = -4,     /* event missing, empty or not a string */
    RH_MSG_ERR_CHANNEL = -5,   /* channel present but not a string */
    RH_MSG_ERR_DATA = -6,      /* data of a type the message kind does not allow */
    RH_MSG_ERR_DUPLICATE = -7, /* duplicate key */
    RH_MSG_ERR_NUL = -8,       /* \u0000 inside a string */
    RH_MSG_ERR_NOMEM = -9,
} rh_msg_err;

typedef struct rh_msg {
    char *event;
    char *channel; /* NULL when absent */
    char *data;    /* NULL when absent; see data_is_string */
    size_t data_len;
    int data_is_string;
} rh_msg;

/* Decodes one client frame. On error returns a negative rh_msg_err, writes a human-readable
 * reason into err (if errlen > 0) and leaves *out cleared. */
int rh_msg_decode(const char *buf, size_t len, rh_msg *out, char *err, size_t errlen);
void rh_msg_clear(rh_msg *m);
const char *rh_msg_strerror(int code);

/* The fields of pusher:subscribe (data an object, or a JSON string holding one). */
typedef struct rh_msg_subscribe {
    char *channel;      /* required string; may be empty (name rules are rh_chan's) */
    char *auth;         /* NULL when absent */
    char *channel_data; /* NULL when absent; must be a string in the message */
} rh_msg_subscribe;

int rh_msg_decode_subscribe(const rh_msg *m, rh_msg_subscribe *out, char *err, size_t errlen);
void rh_msg_subscribe_clear(rh_msg_subscribe *s);

/* The fields of pusher:signin (docs/protocol.md 18.1): data an object (or a JSON string
 * holding one) with the strings auth and user_data. Both heap, caller frees (also on error,
 * where they are NULL). user_data's own content is checked by rh_msg_user_id. */
int rh_msg_decode_signin(const rh_msg *m, char **auth, char **user_data, char *err, size_t errlen);
/* The id of a user_data JSON text: a JSON object whose "id" is a non-empty string of at
 * most 128 bytes without control characters; copied into id. 0, or -1 with err set. */
int rh_msg_user_id(const char *user_data, size_t len, char id[129], char *err, size_t errlen);

/* Extracts {"channel": "..."} from pusher:unsubscribe data. *channel is heap, caller frees. */
int rh_msg_decode_unsubscribe(const rh_msg *m, char **channel, char *err, size_t errlen);

/* Escapes s[0..len) as a JSON string literal including the quotes into a new heap string. */
char *rh_json_quote(const char *s, size_t len);

/* {"event":E,"channel":C,"data":"<data as JSON string>"}: data is double-encoded.
 * channel may be NULL (omitted). data may be NULL (omitted). */
rh_buf *rh_msg_encode(const char *event, const char *channel, const char *data, size_t data_len);
/* Same, but data_json is inserted verbatim as a JSON value (e.g. a relayed client event
 * whose data was an object). data_json must be valid JSON. */
rh_buf *rh_msg_encode_raw(const char *event, const char *channel, const char *data_json,
                          const char *user_id);
/* pusher:error with data as an object {"code":N,"message":"..."} (the Pusher docs' form). */
rh_buf *rh_msg_encode_error(int code, const char *message);
rh_buf *rh_msg_encode_established(const char *socket_id, int activity_timeout);

#endif
