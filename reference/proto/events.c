/* rh_evt: stream events as whole Pusher frames. Owned by the proto module. */
#include "events.h"

#include "jw.h"

static int ids_ok(const rh_evt_ids *ids)
{
    return ids && ids->workspace_id && ids->thread_id && ids->run_id && ids->stream_id;
}

typedef struct evt {
    const char *event;
    const char *channel;
    const rh_evt_ids *ids;
    const char *seq_key;
    uint64_t seq;
    const char *str_key; /* "token" or "reason" */
    const char *str;
    size_t str_len;
} evt;

static void write_evt(jw *w, const void *ctx)
{
    const evt *e = ctx;
    jw_lit(w, "{\"event\":");
    jw_cstr(w, e->event);
    jw_lit(w, ",\"channel\":");
    jw_cstr(w, e->channel);
    jw_lit(w, ",\"data\":\"");
    w->esc++; /* the data object travels as a JSON string */
    jw_lit(w, "{\"workspace_id\":");
    jw_cstr(w, e->ids->workspace_id);
    jw_lit(w, ",\"thread_id\":");
    jw_cstr(w, e->ids->thread_id);
    jw_lit(w, ",\"run_id\":");
    jw_cstr(w, e->ids->run_id);
    jw_lit(w, ",\"stream_id\":");
    jw_cstr(w, e->ids->stream_id);
    jw_lit(w, ",\"");
    jw_lit(w, e->seq_key);
    jw_lit(w, "\":");
    jw_u64(w, e->seq);
    jw_lit(w, ",\"");
    jw_lit(w, e->str_key);
    jw_lit(w, "\":");
    jw_str(w, e->str, e->str_len);
    jw_lit(w, "}");
    w->esc--;
    jw_lit(w, "\"}");
}

/* protocol §9.1: thread.token.streamed fields and types */
rh_buf *rh_evt_encode_token(const char *channel, const rh_evt_ids *ids, uint64_t seq,
                            const char *token, size_t token_len)
{
    if (!channel || !ids_ok(ids) || (!token && token_len))
        return NULL;
    evt e = {RH_EVT_TOKEN, channel, ids, "seq", seq, "token", token ? token : "", token_len};
    return jw_build(write_evt, &e);
}

/* protocol §9.2: thread.stream.ended fields and types */
rh_buf *rh_evt_encode_end(const char *channel, const rh_evt_ids *ids, uint64_t last_seq,
                          const char *reason)
{
    if (!channel || !ids_ok(ids) || !reason)
        return NULL;
    evt e = {RH_EVT_END, channel, ids, "last_seq", last_seq, "reason", reason, 0};
    for (const char *p = reason; *p; p++)
        e.str_len++;
    return jw_build(write_evt, &e);
}
