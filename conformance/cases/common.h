/* rc_ (cases/common): helpers shared by the pusher-profile case files.
 *
 * They wrap the suite clients into the few steps every case repeats: random channel names,
 * signing channel auth with the target's secret, publishing through the HTTP API, waiting
 * for an event, proving a connection stays silent, and recognising a refused subscription
 * in any of the forms Pusher, Reverb and soketi use (docs/protocol.md section 14).
 *
 * Every helper that checks behaviour reports through rc_fail itself and returns 0, so a case
 * can write `if (!rc_await(...)) return;`. */
#ifndef RC_CASES_COMMON_H
#define RC_CASES_COMMON_H

#include <stddef.h>

#include "client/client.h"
#include "runner/case.h"

/* Longest wait for something that must arrive. */
#define RC_WAIT_MS 2000
/* How long a connection must stay silent, after a positive control arrived elsewhere, for
 * "receives nothing" to hold. */
#define RC_QUIET_MS 300

/* out = prefix + a fresh random id (out must hold strlen(prefix) + 13). */
void rc_chan(rc_ctx *ctx, const char *prefix, char *out, size_t outlen);

/* "key:hex" for socket_id/channel[/channel_data] with the given key and secret (NULL: the
 * target's). 1 ok, 0 after rc_error. */
int rc_sign_auth(rc_ctx *ctx, const char *key, const char *secret, const char *socket_id,
                 const char *channel, const char *channel_data, char *out, size_t outlen);

/* Presence channel_data JSON text {"user_id":id,"user_info":{"name":name}}; heap (free()). */
char *rc_presence_data(const char *user_id, const char *name);
/* A fresh presence user: id = "u-" + a fresh random id (id must hold 15), and its
 * rc_presence_data with name returned (heap, free()); NULL after rc_error (out of memory). */
char *rc_presence_user(rc_ctx *ctx, const char *name, char *id, size_t idlen);

/* Sends pusher:subscribe for channel (any bytes, JSON-escaped here) with auth and
 * channel_data when non-NULL. 1 sent, 0 after rc_fail (connection closed). */
int rc_send_subscribe(rc_ctx *ctx, rc_pconn *pc, const char *channel, const char *auth,
                      const char *channel_data);
/* Sends pusher:unsubscribe for channel. 1 sent, 0 after rc_fail. */
int rc_send_unsubscribe(rc_ctx *ctx, rc_pconn *pc, const char *channel);
/* Subscribes (signed with the target's key and secret for private-/presence- channels) and
 * waits for subscription_succeeded on channel: 1, with *out (may be NULL) pointing at it;
 * a refusal, close or timeout is a FAIL (a server refusing a valid subscription is broken). */
int rc_subscribe_expect_ok(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel,
                           const char *channel_data, const rc_pmsg **out);

/* Connects, returning NULL after rc_error. */
rc_pconn *rc_conn(rc_ctx *ctx);
/* Connects and subscribes (signed when needed); NULL after rc_error/rc_fail. */
rc_pconn *rc_conn_sub(rc_ctx *ctx, const char *channel, const char *channel_data);
/* The same, with who naming the connection in reports and *out (may be NULL) pointing at the
 * subscription_succeeded. */
rc_pconn *rc_conn_sub_as(rc_ctx *ctx, const char *who, const char *channel,
                         const char *channel_data, const rc_pmsg **out);
/* rc_conn_sub_as on a connection that returns pusher_internal:subscription_count messages
 * (rc_pusher_show_counts) from before its subscription on. */
rc_pconn *rc_conn_sub_counted(rc_ctx *ctx, const char *who, const char *channel,
                              const char *channel_data);

/* POST /apps/{id}/events with channels[0..n), name, data (a JSON string value) and
 * socket_id (NULL: omitted). The body uses "channel" when singular is set and n == 1.
 * 0 on a response in *resp, -1 after rc_error. */
int rc_publish_req(rc_ctx *ctx, const char *const *channels, size_t n, int singular,
                   const char *name, const char *data, const char *socket_id, rc_http_resp *resp);
/* Publishes one event to one channel and requires a successful answer (1), else rc_fail
 * (0). */
int rc_publish(rc_ctx *ctx, const char *channel, const char *name, const char *data);
/* rc_publish, then pc (subscribed to channel) must receive the event intact (rc_await,
 * rc_check_event). 1 ok. */
int rc_publish_reaches(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel,
                       const char *name, const char *data);
/* POSTs body to /apps/{id}{suffix} (signed) and requires a success answer (rc_http_success):
 * 1 ok, 0 after rc_fail (another answer) or rc_error (network trouble). */
int rc_post_app(rc_ctx *ctx, const char *suffix, const char *body);
/* 1 when resp is a success of the HTTP API: 200 and a JSON object ({} or {"ok":true}...). */
int rc_http_success(const rc_http_resp *resp);
/* Requires status; on mismatch rc_fail naming what and the body. 1 ok. */
int rc_expect_status(rc_ctx *ctx, const rc_http_resp *resp, int status, const char *what);
/* The same at SHOULD level (rc_fail_should): for a status the contract leaves open. */
int rc_expect_status_should(rc_ctx *ctx, const rc_http_resp *resp, int status, const char *what);

/* The code of a pusher:error (data object or JSON string); 1 when present as an integer. */
int rc_error_code(const rc_pmsg *m, long long *code);
/* 1 when m refuses a subscription to channel: pusher:subscription_error for it, or a
 * pusher:error 4009 (or without code) that names no other channel. */
int rc_is_refusal(const rc_pmsg *m, const char *channel);

/* Waits up to RC_WAIT_MS for event (required) on channel (NULL: any channel), skipping other
 * messages; rc_fail on timeout or close. *out may be NULL. 1 ok, 0 failed. */
int rc_await(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *event, const char *channel,
             const rc_pmsg **out);
/* Next message other than pusher:ping/pong within RC_WAIT_MS; rc_fail on timeout or close.
 * 1 ok. */
int rc_next(rc_ctx *ctx, rc_pconn *pc, const char *who, const rc_pmsg **out);
/* Reads until the subscription to channel is refused; rc_fail when it succeeds, the
 * connection closes, or nothing comes. A pusher:error of another code than 4009 counts as a
 * refusal with a SHOULD-level note about its form. 1 refused. */
int rc_await_refusal(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel);
/* The same where the refusal is only a SHOULD: an accepted subscription is rc_fail_should and
 * returns 2 (the caller then knows pc is subscribed); a close or silence is still rc_fail. */
int rc_await_refusal_should(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel);
/* Requires that for ms no message arrives about channel (NULL: no message at all except
 * pusher:ping/pong), and that the connection stays open. 1 ok, 0 after rc_fail. */
int rc_quiet(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel, int ms);
/* pusher:ping -> pusher:pong round trip, proving the connection is open and processed
 * everything sent before; any message on channel before the pong is a failure (channel NULL:
 * any message other than ping/pong is). 1 ok. */
int rc_barrier(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel);

/* pusher:ping -> pusher:pong, skipping whatever comes before the pong: the server has
 * processed everything sent before. 1 ok, 0 after rc_fail. */
int rc_sync(rc_ctx *ctx, rc_pconn *pc, const char *who);

/* Publishes an event to channel through the HTTP API; control (subscribed) must receive it
 * intact, then each of the n victims must stay silent about channel for RC_QUIET_MS (they
 * are waited on one after the other, so the total quiet time is shared). 1 ok. */
int rc_only_control_gets(rc_ctx *ctx, const char *channel, rc_pconn *control,
                         rc_pconn *const *victims, size_t n);

/* Publishes the event "probe" (data "after") to ch through the HTTP API; rx's next message
 * (heartbeats aside) must be exactly that: anything earlier was delivered although it must
 * not have been. 1 ok. */
int rc_next_is_probe(rc_ctx *ctx, rc_pconn *rx, const char *who, const char *ch);

/* CLOCK_MONOTONIC milliseconds. */
long long rc_now_ms(void);
/* The JSON object m's data carries: the data string parsed or, leniently, a data object;
 * NULL for anything else. Points into m. */
const cJSON *rc_payload(const rc_pmsg *m);

/* 1 when the channel event m carries data as the JSON string want (byte for byte). */
int rc_data_is(const rc_pmsg *m, const char *want);
/* Requires m to be event name on channel with data exactly the string data. 1 ok. */
int rc_check_event(rc_ctx *ctx, const rc_pmsg *m, const char *who, const char *name,
                   const char *channel, const char *data);

/* Path "/apps/{id}<suffix>" of the target. */
void rc_app_path(rc_ctx *ctx, const char *suffix, char *out, size_t outlen);

#endif
