/* Stream events on the stream channel (api/ owns it): each event is encoded once with
 * rh_evt_encode_* and the one frame is shared by every subscriber. The seq-* and field
 * faults of core/faults.h live here because this is where the real bugs would be. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/control.h"
#include "proto/events.h"
#include "proto/message.h"

int rh_api_stream_channel(const rh_store_stream *s, char *out, size_t outlen)
{
    /* not rh_chan_format_stream: under the stream-lax-ids fault the ids may be invalid and
     * the channel must still be named */
    int n = snprintf(out, outlen, "private-workspace.%s.thread.%s", s->workspace_id, s->thread_id);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

static void swap_key(const rh_store_stream *s, char *key, size_t keylen)
{
    snprintf(key, keylen, "sw:%s", s->stream_id);
}

/* The token event built field by field, as a hand-rolled encoder would (faults only). */
static rh_buf *encode_token_faulty(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq,
                                   const char *token, size_t len)
{
    const rh_store_stream *s = ref->s;
    cJSON *o = cJSON_CreateObject();
    char seqs[24];
    snprintf(seqs, sizeof seqs, "%llu", (unsigned long long)seq);
    char *tok = strndup(token, len);
    int ok = o && tok && cJSON_AddStringToObject(o, "workspace_id", s->workspace_id) &&
             cJSON_AddStringToObject(o, "thread_id", s->thread_id) &&
             (rh_fault_on(srv, RH_FAULT_MISSING_FIELD) ||
              cJSON_AddStringToObject(o, "run_id", s->run_id)) &&
             cJSON_AddStringToObject(o, "stream_id", s->stream_id) &&
             (rh_fault_on(srv, RH_FAULT_WRONG_TYPE)
                  ? cJSON_AddStringToObject(o, "seq", seqs) != NULL
                  : cJSON_AddNumberToObject(o, "seq", (double)seq) != NULL) &&
             cJSON_AddStringToObject(o, "token", tok);
    free(tok);
    char *data = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!data)
        return NULL;
    rh_buf *f = rh_msg_encode(RH_EVT_TOKEN, ref->channel, data, strlen(data));
    cJSON_free(data);
    return f;
}

int rh_api_publish_token(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq, const char *token,
                         size_t len)
{
    const rh_store_stream *s = ref->s;
    rh_evt_ids ids = {s->workspace_id, s->thread_id, s->run_id, s->stream_id};
    rh_buf *f;
    if (rh_fault_on(srv, RH_FAULT_MISSING_FIELD) || rh_fault_on(srv, RH_FAULT_WRONG_TYPE))
        f = encode_token_faulty(srv, ref, seq, token, len);
    else
        f = rh_evt_encode_token(ref->channel, &ids, seq, token, len);
    if (!f)
        return -1;
    char key[RH_STORE_ID_MAX + 8];
    swap_key(s, key, sizeof key);
    if (rh_fault_on(srv, RH_FAULT_SEQ_SWAP) && seq == 3 &&
        rh_api_hold(srv, ref->app, key, ref->channel, f, NULL) == 0) {
        /* token 3 waits in a per-stream slot and goes out after token 4 */
        rh_buf_unref(f);
        return 0;
    }
    srv->metrics.tokens_in++;
    srv->metrics.tokens_out += rh_hub_publish(srv, ref->app, ref->channel, f, NULL);
    if (rh_fault_on(srv, RH_FAULT_SEQ_DUP) && seq == 3)
        rh_hub_publish(srv, ref->app, ref->channel, f, NULL); /* a retried send, not deduped */
    rh_buf_unref(f);
    if (rh_fault_on(srv, RH_FAULT_SEQ_SWAP) && seq == 4)
        rh_api_deliver_held(srv, ref->app, key);
    return 0;
}

int rh_api_publish_end(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t last_seq,
                       const char *reason)
{
    const rh_store_stream *s = ref->s;
    char key[RH_STORE_ID_MAX + 8];
    swap_key(s, key, sizeof key);
    rh_api_deliver_held(srv, ref->app, key); /* seq-swap: nothing stays behind the end */
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
    rh_api_publish_end(x->srv, &ref, r->stream->last_seq, rh_ctl_reason_name(RH_END_FAILED));
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
