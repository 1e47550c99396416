/* Stream events on the stream channel (api/ owns it): each event is encoded once with
 * rh_evt_encode_* and the one frame is shared by every subscriber. Every token and end goes
 * out through srv->api->out, the plain path below unless a fault decorator of api/faults.c
 * is installed (the seq-dup, seq-swap and field faults). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
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
