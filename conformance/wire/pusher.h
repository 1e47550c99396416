/* rw_pusher: the messages a Pusher protocol 7 client sends, and the signed paths of the HTTP
 * API, for every client of the project (the suite, rehome-bench, rehome-load). Signing is
 * reference/proto's (rh_sign, rh_httpsig); JSON strings are escaped with cJSON.
 *
 * Shapes (docs/protocol.md 2.4, 3): a client's pusher:ping and pusher:pong carry the object
 * {} as data, as pusher-js sends them; pusher:subscribe carries {"channel":..,"auth":..,
 * "channel_data":..} with auth and channel_data only when given.
 *
 * Ownership: every char * returned is heap, NUL-terminated, and the caller's to free(); NULL
 * means out of memory (or, for the signing functions, that signing failed). Pure: no I/O. */
#ifndef RW_PUSHER_H
#define RW_PUSHER_H

#include <stddef.h>

/* The text of a client's pusher:ping and pusher:pong (static). */
const char *rw_pusher_ping(void);
const char *rw_pusher_pong(void);

/* {"event":<event>,"channel":<channel>,"data":<data_json>}: event and channel escaped (channel
 * omitted when NULL), data_json inserted verbatim (omitted when NULL). Also a client event
 * ("client-..." on a private or presence channel). */
char *rw_pusher_event(const char *event, const char *channel, const char *data_json);
/* pusher:subscribe with optional auth and channel_data (NULL: omitted). */
char *rw_pusher_subscribe(const char *channel, const char *auth, const char *channel_data);
/* pusher:subscribe signed for socket_id with key and secret when the channel is private- or
 * presence- (public: no auth). A presence channel without channel_data gets
 * {"user_id":"u<socket_id>"}. */
char *rw_pusher_subscribe_signed(const char *key, const char *secret, const char *socket_id,
                                 const char *channel, const char *channel_data);

/* The WebSocket path /app/<key>?protocol=7&client=<client>&version=<version>&flash=false. */
char *rw_pusher_ws_path(const char *key, const char *client, const char *version);

/* "path?<signed query>" of a signed HTTP API request (body NULL: none; extra_query
 * "k=v&..." or NULL), timestamped now (seconds). */
char *rw_pusher_api_target(const char *key, const char *secret, const char *method,
                           const char *path, const char *extra_query, const char *body,
                           size_t body_len, long now);
/* The body of POST /apps/<id>/events: {"name":..,"channel":..,"data":<data as a string>}. */
char *rw_pusher_trigger_body(const char *name, const char *channel, const char *data);

#endif
