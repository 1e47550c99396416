/* Internal to api/: shared helpers of the HTTP handlers (router.c owns them).
 *
 * Every handler answers through done exactly once, maybe after returning (the store may be
 * asynchronous), so handlers copy what they need from the request into their own context. */
#ifndef RH_API_INT_H
#define RH_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../core/htab.h"
#include "../core/hub.h"
#include "../proto/busmsg.h"
#include "../proto/channel.h"
#include "../proto/control.h"
#include "../store/store.h"
#include "api.h"

/* A frame held back by a fault switch (events-reorder, seq-swap), delivered later. */
typedef struct rh_api_held {
    struct rh_api_held *next;
    const rh_cfg_app *app;
    char *key;
    char *channel;
    char *except; /* socket_id excluded from delivery, or NULL */
    rh_buf *frame;
} rh_api_held;

struct rh_api_stream_ref;
/* The outgoing stream frames' seam: encode_token builds a token event (NULL: out of memory),
 * send_token publishes it (the caller keeps its reference), before_end (may be NULL) runs
 * before thread.stream.ended is published. rh_api_out_plain is the correct path; fault
 * decorators (api/faults.c) replace members of srv->api->out. */
typedef struct rh_api_out {
    rh_buf *(*encode_token)(rh_srv *srv, const struct rh_api_stream_ref *ref, uint64_t seq,
                            const char *token, size_t len);
    void (*send_token)(rh_srv *srv, const struct rh_api_stream_ref *ref, uint64_t seq,
                       rh_buf *frame);
    void (*before_end)(rh_srv *srv, const struct rh_api_stream_ref *ref);
} rh_api_out;
extern const rh_api_out rh_api_out_plain;

/* The control API's body parsers, a table so that the lax-parsing faults swap in their own
 * (api/faults.c): start fills the four ids, tokens fills t (freed with rh_ctl_tokens_clear),
 * valid_sid answers 1 for an acceptable stream id of n bytes from a path. Each returns an
 * rh_ctl_err with err set. */
typedef struct rh_api_start_ids {
    char workspace_id[RH_STORE_ID_MAX + 1];
    char thread_id[RH_STORE_ID_MAX + 1];
    char run_id[RH_STORE_ID_MAX + 1];
    char stream_id[RH_STORE_ID_MAX + 1];
} rh_api_start_ids;
typedef struct rh_api_parsers {
    int (*start)(const char *body, size_t len, rh_api_start_ids *out, char *err, size_t errlen);
    int (*tokens)(const char *body, size_t len, size_t max, rh_ctl_tokens *t, char *err,
                  size_t errlen);
    int (*valid_sid)(const char *id, size_t n);
} rh_api_parsers;
extern const rh_api_parsers rh_api_parsers_strict; /* control.c */

typedef struct rh_api_cache_wait rh_api_cache_wait;

struct rh_api {
    rh_api_held *held;
    rh_api_cache_wait *cache_waits; /* cache.c: lookups the store still owes */
    rh_api_out out;
    rh_api_parsers parse;
    rh_store *store_under;       /* the store under the fault decorator (faults_store.c), or NULL */
    rh_htab members;             /* membership changes at runtime (members.c) */
    struct rh_api_bwait *bwaits; /* authorizations waiting for their "bnd" (members.c) */
    uint64_t bind_nonce;
    struct rh_wh *wh; /* webhooks.c: the webhook queues */
};

/* webhooks.c: the webhook queues of every app's targets (protocol section 20). init installs
 * srv->wh_emit (0, or -1 out of memory); tick sends what is due; free drops everything
 * queued and abandons the POSTs in flight. */
int rh_api_wh_init(rh_srv *srv);
void rh_api_wh_tick(rh_srv *srv);
void rh_api_wh_free(rh_srv *srv);
/* A "whk" bus message: queued when this node made the transition (core/webhooks.c). */
int rh_api_wh_deliver(rh_srv *srv, const rh_busfield *f, long n);

/* The request as seen by a handler after routing and the signature check. */
typedef struct rh_api_call {
    rh_srv *srv;
    const rh_http_req *req; /* valid only until the handler returns */
    const rh_cfg_app *app;  /* NULL for routes outside /apps/{id} */
    const char *arg;        /* channel name or stream id from the path, or NULL */
    rh_http_done done;
    void *ud;
} rh_api_call;

/* Answers with a JSON body (takes and frees body; NULL answers 500). */
void rh_api_reply_json(rh_http_done done, void *ud, int status, cJSON *body);
/* Answers {"error": msg, "code": status}. */
void rh_api_error(rh_http_done done, void *ud, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* cache.c: cache channels (docs/protocol.md 17). keep stores frame as channel's last event
 * when channel is a cache channel (the caller keeps its reference); init installs the
 * subscribe hook (srv->cache_subscribed); free cuts loose the lookups still owed. */
void rh_api_cache_keep(rh_srv *srv, const rh_cfg_app *app, const char *channel, rh_buf *frame);
void rh_api_cache_init(rh_srv *srv);
void rh_api_cache_free(rh_srv *srv);

/* faults.c: held frames: put one under (app, key) (takes its own reference); deliver_held
 * publishes the frame held under (app, key), if any, and returns 1 when there was one;
 * free_all drops every held frame. */
int rh_api_hold(rh_srv *srv, const rh_cfg_app *app, const char *key, const char *channel,
                rh_buf *frame, const char *except);
int rh_api_deliver_held(rh_srv *srv, const rh_cfg_app *app, const char *key);
void rh_api_held_free_all(rh_srv *srv);
/* events-reorder: one event per channel waits for the next one and goes into the bus message
 * after it. 0 when frame was taken (held, or added with the held one after it), -1 when the
 * caller adds it itself (out of memory holding it). */
int rh_api_reorder(rh_srv *srv, const rh_cfg_app *app, struct rh_busmsg *m, const char *channel,
                   const char *except, rh_buf *frame);
/* bus.c: adds one delivery (channel, except_socket_id or NULL, frame) to an "evt" message. */
void rh_api_busmsg_delivery(struct rh_busmsg *m, const char *channel, const char *except,
                            const rh_buf *frame);
/* faults_store.c: wraps srv->store in the decorator of the store faults (once; 0, or -1 out
 * of memory); free unwraps it. */
int rh_api_fault_store_install(rh_srv *srv);
void rh_api_fault_store_free(rh_srv *srv);

/* Channel info with the channels-info fault applied. */
void rh_api_chan_info(rh_srv *srv, const rh_cfg_app *app, const char *channel,
                      rh_hub_chan_info *out);
/* Parses a comma-separated info list: bit 1 subscription_count, bit 2 user_count; -1 for an
 * unknown attribute. */
#define RH_API_INFO_SUBS  1
#define RH_API_INFO_USERS 2
int rh_api_parse_info(const char *info);
/* Removes expired ended streams now (ttl and faults applied). */
void rh_api_expire(rh_srv *srv);
/* stream.c: ends (reason failed) the open streams idle for stream_idle_timeout seconds,
 * publishing one thread.stream.ended for each unless the store already did. */
void rh_api_end_idle(rh_srv *srv);
uint64_t rh_api_ttl_ms(rh_srv *srv);
/* The server's monotonic clock in milliseconds; 0 when its io has no clock. */
uint64_t rh_api_now_ms(rh_srv *srv);

/* control.c: answers a store reply that is a failure (404, 400, 503, 410, 500) and returns 1;
 * 0 when r is a success the caller answers. */
int rh_api_store_fail(const rh_store_reply *r, rh_http_done done, void *ud);
/* 0 when the stream id in the path is acceptable; otherwise answers 400 and returns -1. */
int rh_api_check_sid(const rh_api_call *c);

/* allow.c: the allow-* switches that need more than one line (see core/faults.h). */
#define RH_API_ALLOW_LIMIT 4000 /* allow-other-size-limit: tokens and event data bytes */
/* allow-nul-roundtrip: rh_ctl_parse_tokens, except that an escaped U+0000 is kept as a NUL
 * byte inside the token (t->lens counts it) instead of refused. Same ownership and codes. */
int rh_api_parse_tokens_nul(const char *body, size_t len, size_t max, rh_ctl_tokens *t, char *err,
                            size_t errlen);
/* allow-error-body-shape: wraps done so that every answer of status >= 400 goes out as
 * {"message": "..."}; *done and *ud are replaced. 0 ok, -1 out of memory (unchanged). */
int rh_api_allow_error_shape(rh_http_done *done, void **ud);

/* Handlers (pusher_api.c, control.c, authorizer.c, replay.c). */
void rh_api_events(const rh_api_call *c);
void rh_api_batch_events(const rh_api_call *c);
void rh_api_channels(const rh_api_call *c);
void rh_api_channel(const rh_api_call *c);
void rh_api_channel_users(const rh_api_call *c);
void rh_api_stream_start(const rh_api_call *c);
void rh_api_stream_tokens(const rh_api_call *c);
void rh_api_stream_end(const rh_api_call *c);
void rh_api_stream_get(const rh_api_call *c);
void rh_api_stream_replay(const rh_api_call *c);
void rh_api_authorize(const rh_api_call *c);
/* browser_replay.c: GET /broadcasting/replay; demo.c: GET /demo[/NAME] (name NULL: the
 * page), 404 when config demo is off. */
void rh_api_browser_replay(const rh_api_call *c);
void rh_api_demo(const rh_api_call *c, const char *name);

/* The token of an Authorization header "Bearer TOKEN" (scheme case-insensitive) copied into
 * out, or NULL when absent or too long (authorizer.c). */
const char *rh_api_bearer_token(const char *header, char *out, size_t outlen);

/* The browser replay query (pure, browser_replay.c). */
typedef struct rh_api_breplay_q {
    rh_chan_stream chan;
    char stream_id[RH_CHAN_ID_MAX + 1];
    uint64_t after_seq;
    size_t limit; /* 1..1000, default 1000 */
} rh_api_breplay_q;
/* Parses channel, stream_id, after_seq, limit. 0, or the HTTP status to answer (400 bad
 * parameter, 403 not a stream channel) with err set. */
int rh_api_breplay_parse(const char *query, rh_api_breplay_q *q, char *err, size_t errlen);
/* replay.c: answers a successful replay reply r (r->stream set) to a request for the tokens
 * after after_seq: 200 with the body of docs/protocol.md 12.6, 400 when after_seq is past
 * last_seq, 410 with oldest_seq when the tokens right after it are no longer kept. Shared
 * by the signed endpoint and the browsers' proxy, so both answer by the same rules. */
void rh_api_replay_answer(rh_srv *srv, const rh_store_reply *r, uint64_t after_seq,
                          rh_http_done done, void *ud);

/* members.c (docs/protocol.md section 19): membership at runtime and revocation. */
/* 1 when u is a member of ws in app: the last change made at runtime, else the config. */
int rh_api_is_member(rh_srv *srv, const rh_cfg_app *app, const rh_cfg_user *u, const char *ws);
/* 1 when the authorizer signs for u in ws of the first app: a member, or a fault switch. */
int rh_api_signs_for(rh_srv *srv, const rh_cfg_user *u, const char *ws);
/* Answers the authorizer's 200 body (taken) for user's signature of channel (in workspace
 * ws) on socket_id once its "bnd" message came back through the bus to this node, and only
 * if user is still a member then; 403 otherwise, 503 when the bus lost it. body NULL: 500;
 * user NULL (a fault switch): answered at once. member 0 (no member when asked, on a shared
 * bus): a probe "bnd" without the socket first, so a grant published before is seen. */
void rh_api_answer_bound(const rh_api_call *c, cJSON *body, const rh_cfg_user *user, const char *ws,
                         const char *socket_id, const char *channel, int member);
/* Answers 503 to authorizations whose "bnd" did not come back within 5 s (each tick). */
void rh_api_binds_tick(rh_srv *srv);
/* This node's own "bnd" number nonce came back: answers its authorization. */
void rh_api_bind_back(rh_srv *srv, uint64_t nonce);
/* Frees the waiting authorizations without answering (the server is going away). */
void rh_api_binds_free(rh_srv *srv);
/* Applies an "mbr" (is_bind 0) or "bnd" (1) bus message of n fields. 0, or -1 malformed. */
int rh_api_deliver_members(rh_srv *srv, const rh_busfield *f, long n, int is_bind);
void rh_api_members_free(rh_srv *srv);
void rh_api_workspace_members(const rh_api_call *c);

/* bus.c: the helpers every bus message reader shares. A field as a heap C string (NULL out of
 * memory; the caller frees); the configured app a field names (NULL when none or too long). */
char *rh_api_bus_dup(const rh_busfield *f);
const rh_cfg_app *rh_api_bus_app(rh_srv *srv, const rh_busfield *f);

/* users.c (docs/protocol.md section 18): POST /broadcasting/user-auth, terminate_connections
 * and its "trm" bus message (0, or -1 malformed). */
void rh_api_user_auth(const rh_api_call *c);
void rh_api_terminate_user(const rh_api_call *c);
int rh_api_deliver_terminate(rh_srv *srv, const rh_busfield *f, long n);

/* GET /metrics (Prometheus text). */
void rh_api_metrics(const rh_api_call *c);

/* cluster.c: the channel queries answered from every node's share (bus mode). Each returns 0
 * when there is no shared channel state (the caller answers from this node), else 1 (the
 * request is answered, maybe later). */
int rh_api_cluster_channels(const rh_api_call *c, const char *prefix, int bits);
int rh_api_cluster_channel(const rh_api_call *c, int bits);
int rh_api_cluster_users(const rh_api_call *c);
/* "kind\napp\nrest" + tail, the field (or field prefix) of the per-node channel state: kind
 * "s" subscription counts, "p" presence members (rest "channel\nuser"). Heap; NULL: out of
 * memory. */
char *rh_api_cluster_field(const char *kind, const char *app, const char *rest, const char *tail);
/* Over the summed fields f[i]/sums[i] of a channel: its subscription count (the field equal to
 * s_field) and its users (the live fields starting with p_prefix). */
void rh_api_cluster_count(const char *const *f, const long long *sums, size_t n,
                          const char *s_field, const char *p_prefix, long long *subs,
                          size_t *users);
/* Rewrites the subscription_count/user_count members of a trigger's 200 answer with the totals
 * of every live node, then answers it (200 even when the totals cannot be read: the event is
 * already delivered, and an error would make producers publish it twice). Events: the
 * channels are body.channels' keys (chans NULL); a batch: item i of body.batch is chans[i]
 * (may be NULL). Takes body and chans (and its strings). */
void rh_api_cluster_trigger_info(rh_srv *srv, const char *app_id, cJSON *body, char **chans,
                                 size_t nchans, rh_http_done done, void *ud);

/* stream.c: stream events, encoded once each and published to the stream channel. */
typedef struct rh_api_stream_ref {
    const rh_cfg_app *app;
    const rh_store_stream *s;
    const char *channel;
} rh_api_stream_ref;

int rh_api_stream_channel(const rh_store_stream *s, char *out, size_t outlen);
/* Sends n tokens with seqs first.. (a "tok" message) or the end (an "end" message, reason an
 * rh_end_reason) on the bus, as the Redis store's scripts do, for a store that does not
 * publish them itself. 0, or -1 when they could not be built or delivered here. */
int rh_api_send_tokens(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t first, char *const *toks,
                       const size_t *lens, size_t n);
int rh_api_send_end(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t last_seq, int reason);
/* Publishes the token with the given seq through srv->api->out (rh_srv_bus_deliver calls
 * them for "tok" and "end" messages). */
int rh_api_publish_token(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq, const char *token,
                         size_t len);
/* Publishes thread.stream.ended (after srv->api->out.before_end). */
int rh_api_publish_end(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t last_seq,
                       const char *reason);

#endif
