/* Stream events on the stream channel (api/ owns it): each event is encoded once with
 * rh_evt_encode_* and the one frame is shared by every subscriber. The seq-* and field
 * faults of core/faults.h live here because this is where the real bugs would be. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
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
