/* rc_pusher: the Pusher protocol on top of rc_ws for cases, parsed with cJSON only (the suite
 * never calls the reference server's encoders); the messages it sends are conformance/wire's
 * (rw_pusher, signing with proto's rh_sign). Helper steps that fail are ERROR findings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runner/internal.h"
#include "client.h"
#include "wire/pusher.h"

typedef struct pconn_full {
    rc_pconn pc; /* first: the public part */
    rc_ctx *ctx;
    int auto_pong;
    int show_counts; /* 1: pusher_internal:subscription_count is returned like any message */
} pconn_full;

/* pusher_internal:subscription_count may come from any server at any time on a non-presence
 * channel the connection is subscribed to (docs/protocol.md 21, Pusher's opt-in per app): it
 * is never "something else" a case waits not to see, so it is skipped here, in the one place
 * every helper reads through, unless a case asked to see it. */
static int is_count(const rc_pmsg *m)
{
    return m->event && strcmp(m->event, "pusher_internal:subscription_count") == 0;
}

static void pmsg_clear(rc_pmsg *m)
{
    cJSON_Delete(m->root);
    cJSON_Delete(m->data_parsed);
    memset(m, 0, sizeof *m);
}

static void release(void *obj)
{
    pconn_full *f = obj;
    pmsg_clear(&f->pc.last);
    free(f);
}

/* Fills pc->last from a text message. */
static void parse_into(rc_pmsg *m, const char *raw, size_t len)
{
    pmsg_clear(m);
    m->raw = raw;
    m->root = cJSON_ParseWithLength(raw, len);
    if (!cJSON_IsObject(m->root))
        return;
    m->event = rc_json_str(m->root, "event");
    m->channel = rc_json_str(m->root, "channel");
    m->data = cJSON_GetObjectItemCaseSensitive(m->root, "data");
    if (cJSON_IsString(m->data))
        m->data_parsed = cJSON_Parse(m->data->valuestring);
}

/* The case's deadline ms from now, and the whole milliseconds left before it (>= 0). */
static int64_t deadline_of(rc_ctx *ctx, int ms)
{
    return rc__now_ns() + (int64_t)rc__timeout(ctx, ms) * 1000000LL;
}

static int left_of(int64_t dl)
{
    int left = (int)((dl - rc__now_ns()) / 1000000LL);
    return left < 0 ? 0 : left;
}

int rc_pusher_next(rc_pconn *pc, int timeout_ms, const rc_pmsg **out)
{
    pconn_full *f = (pconn_full *)pc;
    if (!pc)
        return -1;
    int64_t dl = deadline_of(f->ctx, timeout_ms);
    for (;;) {
        rc_ws_msg m;
        int r = rc_ws_recv(pc->ws, left_of(dl), &m);
        if (r <= 0)
            return r;
        if (m.opcode == RC_WS_PING || m.opcode == RC_WS_PONG)
            continue;
        parse_into(&pc->last, m.data, m.len);
        if (f->auto_pong && pc->last.event && strcmp(pc->last.event, "pusher:ping") == 0) {
            rc_ws_send_text(pc->ws, rw_pusher_pong(), strlen(rw_pusher_pong()));
            continue;
        }
        if (!f->show_counts && is_count(&pc->last)) {
            rc_log(f->ctx, "skipped %.200s", pc->last.raw);
            continue;
        }
        if (out)
            *out = &pc->last;
        return 1;
    }
}

void rc_pusher_show_counts(rc_pconn *pc, int on)
{
    if (pc)
        ((pconn_full *)pc)->show_counts = on;
}

void rc_pusher_set_auto_pong(rc_pconn *pc, int on)
{
    if (pc) {
        ((pconn_full *)pc)->auto_pong = on;
        rc_ws_set_auto_pong(pc->ws, on);
    }
}

int rc_pusher_wait(rc_pconn *pc, const char *event, const char *channel, int timeout_ms,
                   const rc_pmsg **out)
{
    pconn_full *f = (pconn_full *)pc;
    if (!pc)
        return -1;
    int64_t dl = deadline_of(f->ctx, timeout_ms);
    for (;;) {
        const rc_pmsg *m;
        int r = rc_pusher_next(pc, left_of(dl), &m);
        if (r <= 0)
            return r;
        if (m->event && strcmp(m->event, event) == 0 &&
            (!channel || (m->channel && strcmp(m->channel, channel) == 0))) {
            if (out)
                *out = m;
            return 1;
        }
    }
}

int rc_pusher_send(rc_pconn *pc, const char *event, const char *channel, const char *data_json)
{
    if (!pc)
        return -1;
    char *msg = rw_pusher_event(event, channel, data_json);
    if (!msg)
        return -1;
    int r = rc_ws_send_text(pc->ws, msg, strlen(msg));
    free(msg);
    return r;
}

/* Sends msg (heap, consumed): 0, or -1 (also when msg is NULL). */
static int send_owned(rc_pconn *pc, char *msg)
{
    int r = msg ? rc_ws_send_text(pc->ws, msg, strlen(msg)) : -1;
    free(msg);
    return r;
}

int rc_pusher_subscribe(rc_pconn *pc, const char *channel, const char *auth,
                        const char *channel_data)
{
    return pc ? send_owned(pc, rw_pusher_subscribe(channel, auth, channel_data)) : -1;
}

int rc_pusher_subscribe_ok(rc_ctx *ctx, rc_pconn *pc, const char *channel, const char *channel_data)
{
    const rc_target *t = rc_target_of(ctx);
    char *msg =
        rw_pusher_subscribe_signed(t->app_key, t->app_secret, pc->socket_id, channel, channel_data);
    if (!msg) {
        rc_error(ctx, "cannot sign the subscription to %s", channel);
        return 0;
    }
    if (send_owned(pc, msg) < 0) {
        rc_error(ctx, "cannot send pusher:subscribe for %s", channel);
        return 0;
    }
    int64_t dl = deadline_of(ctx, RC_DEFAULT_TIMEOUT_MS);
    for (;;) {
        const rc_pmsg *m;
        int r = rc_pusher_next(pc, left_of(dl), &m);
        if (r <= 0) {
            rc_error(ctx, "subscribing to %s: %s", channel,
                     r == 0 ? "no pusher_internal:subscription_succeeded in time"
                            : "connection closed");
            return 0;
        }
        if (!m->event)
            continue;
        int mine = m->channel && strcmp(m->channel, channel) == 0;
        if (mine && strcmp(m->event, "pusher_internal:subscription_succeeded") == 0)
            return 1;
        if ((mine && strcmp(m->event, "pusher:subscription_error") == 0) ||
            strcmp(m->event, "pusher:error") == 0) {
            rc_error(ctx, "subscribing to %s refused: %s", channel, m->raw);
            return 0;
        }
    }
}

rc_pconn *rc_pusher_open(rc_ctx *ctx, const char *path, const char *headers)
{
    rc_ws *ws = rc_ws_open_hdr(ctx, path, headers, 0, NULL);
    if (!ws)
        return NULL;
    pconn_full *f = calloc(1, sizeof *f);
    if (!f) {
        rc_error(ctx, "out of memory");
        return NULL;
    }
    f->ctx = ctx;
    f->auto_pong = 1;
    f->pc.ws = ws;
    rc__track(ctx, f, release);
    return &f->pc;
}

rc_pconn *rc_pusher_connect(rc_ctx *ctx)
{
    rc_pconn *pc = rc_pusher_open(ctx, NULL, NULL);
    if (!pc)
        return NULL;
    pconn_full *f = (pconn_full *)pc;
    const rc_pmsg *m;
    int r = rc_pusher_next(&f->pc, RC_DEFAULT_TIMEOUT_MS, &m);
    if (r <= 0) {
        rc_error(ctx, "no pusher:connection_established: %s",
                 r == 0 ? "timeout" : "connection closed");
        return NULL;
    }
    if (!m->event || strcmp(m->event, "pusher:connection_established") != 0) {
        rc_error(ctx, "first message is not pusher:connection_established: %s", m->raw);
        return NULL;
    }
    const cJSON *d = m->data_parsed ? m->data_parsed : m->data;
    const char *sid = rc_json_str(d, "socket_id");
    long long at = 0;
    if (!sid) {
        rc_error(ctx, "pusher:connection_established without a socket_id: %s", m->raw);
        return NULL;
    }
    snprintf(f->pc.socket_id, sizeof f->pc.socket_id, "%s", sid);
    if (rc_json_int(d, "activity_timeout", &at))
        f->pc.activity_timeout = (int)at;
    return &f->pc;
}

void rc_pusher_close(rc_pconn *pc)
{
    if (pc)
        rc_ws_close(pc->ws);
}
