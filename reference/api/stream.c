/* Stream events on the stream channel (api/ owns it). A store that does not publish them
 * itself (the memory store) has them sent here as the Redis store's scripts do: a "tok" or
 * "end" bus message (proto/busmsg.h), on the loopback bus on one node, so that every stream
 * event reaches subscribers through rh_srv_bus_deliver. There each event is encoded once with
 * rh_evt_encode_* and the one frame is shared by every subscriber. Every token and end goes
 * out through srv->api->out, the plain path below unless a fault decorator of api/faults.c
 * is installed (the seq-dup, seq-swap and field faults). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/busmsg.h"
#include "proto/control.h"
#include "proto/events.h"
#include "proto/message.h"

/* protocol §7: the stream channel of a stream */
int rh_api_stream_channel(const rh_store_stream *s, char *out, size_t outlen)
{
    /* not rh_chan_format_stream: under the stream-lax-ids fault the ids may be invalid and
     * the channel must still be named */
    int n = snprintf(out, outlen, "private-workspace.%s.thread.%s", s->workspace_id, s->thread_id);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

static rh_buf *encode_token(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq,
                            const char *token, size_t len)
{
    (void)srv;
    const rh_store_stream *s = ref->s;
    rh_evt_ids ids = {s->workspace_id, s->thread_id, s->run_id, s->stream_id};
    return rh_evt_encode_token(ref->channel, &ids, seq, token, len);
}

static void send_token(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq, rh_buf *f)
{
    (void)seq;
    srv->metrics.tokens_in++;
    srv->metrics.tokens_out += rh_hub_publish(srv, ref->app, ref->channel, f, NULL);
}

static void sent_done(void *ud, int ok, const char *err)
{
    (void)err;
    *(int *)ud = ok;
}

/* Sends m on the bus: the loopback has delivered it here when publish returns (0, or -1 when
 * it could not be); a bus to other nodes takes it to every node (0). */
static int bus_send(rh_srv *srv, rh_busmsg *m)
{
    int ok = 0;
    if (m->failed || !srv->bus.publish)
        ok = 0;
    else if (srv->bus_loopback)
        srv->bus.publish(srv->bus.ud, m->p, m->len, sent_done, &ok);
    else {
        srv->bus.publish(srv->bus.ud, m->p, m->len, NULL, NULL);
        ok = 1;
    }
    rh_busmsg_free(m);
    return ok ? 0 : -1;
}

/* The head shared by "tok" and "end": kind, app, the four ids, a seq. */
static void stream_head(rh_busmsg *m, const char *kind, const rh_api_stream_ref *ref, uint64_t seq)
{
    const rh_store_stream *s = ref->s;
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)seq);
    rh_busmsg_add_str(m, kind);
    rh_busmsg_add_str(m, ref->app->id);
    rh_busmsg_add_str(m, s->workspace_id);
    rh_busmsg_add_str(m, s->thread_id);
    rh_busmsg_add_str(m, s->run_id);
    rh_busmsg_add_str(m, s->stream_id);
    rh_busmsg_add_str(m, num);
}

int rh_api_send_tokens(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t first, char *const *toks,
                       const size_t *lens, size_t n)
{
    rh_busmsg m = {0};
    stream_head(&m, "tok", ref, first);
    for (size_t i = 0; i < n; i++)
        rh_busmsg_add(&m, toks[i], lens[i]);
    return bus_send(srv, &m);
}

int rh_api_send_end(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t last_seq, int reason)
{
    rh_busmsg m = {0};
    char num[24];
    snprintf(num, sizeof num, "%d", reason);
    stream_head(&m, "end", ref, last_seq);
    rh_busmsg_add_str(&m, num);
    return bus_send(srv, &m);
}

const rh_api_out rh_api_out_plain = {
    .encode_token = encode_token,
    .send_token = send_token,
    .before_end = NULL,
};

int rh_api_publish_token(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq, const char *token,
                         size_t len)
{
    const rh_api_out *out = &srv->api->out;
    rh_buf *f = out->encode_token(srv, ref, seq, token, len);
    if (!f)
        return -1;
    out->send_token(srv, ref, seq, f);
    rh_buf_unref(f);
    return 0;
}

int rh_api_publish_end(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t last_seq,
                       const char *reason)
{
    const rh_api_out *out = &srv->api->out;
    if (out->before_end)
        out->before_end(srv, ref);
    const rh_store_stream *s = ref->s;
    rh_evt_ids ids = {s->workspace_id, s->thread_id, s->run_id, s->stream_id};
    rh_buf *f = rh_evt_encode_end(ref->channel, &ids, last_seq, reason);
    if (!f)
        return -1;
    rh_hub_publish(srv, ref->app, ref->channel, f, NULL);
    rh_buf_unref(f);
    return 0;
}

typedef struct idle_ctx {
    rh_srv *srv;
    const rh_cfg_app *app;
} idle_ctx;

static void idle_ended(void *ud, const rh_store_reply *r)
{
    const idle_ctx *x = ud;
    char ch[RH_STORE_ID_MAX * 2 + 32];
    if (r->status != RH_STORE_OK || !r->stream || r->published ||
        rh_api_stream_channel(r->stream, ch, sizeof ch) < 0)
        return;
    rh_api_stream_ref ref = {.app = x->app, .s = r->stream, .channel = ch};
    rh_api_send_end(x->srv, &ref, r->stream->last_seq, RH_END_FAILED);
}

void rh_api_end_idle(rh_srv *srv)
{
    int idle = srv->cfg->stream_idle_timeout;
    if (idle <= 0)
        return;
    uint64_t now = srv->io.now_ms(srv->io.ud);
    for (size_t i = 0; i < srv->cfg->napps; i++) {
        /* the memory store calls back before returning; the Redis store publishes the end
         * events itself (published), so x may go once the call returns */
        idle_ctx x = {srv, &srv->cfg->apps[i]};
        rh_store_end_idle(srv->store, x.app->id, now, (uint64_t)idle * 1000u, RH_END_FAILED,
                          idle_ended, &x);
    }
}
