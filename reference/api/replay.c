/* The replay endpoint (api/ owns it), docs/protocol.md 12.6: the kept tokens of a stream
 * after a given seq, so a client that lost its connection fills the gap and then continues
 * from live events. The answer is built from one store reply, so the tokens, last_seq and
 * oldest_seq it reports are one consistent snapshot even on an asynchronous store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/replay.h"

typedef struct replay_ctx {
    rh_srv *srv;
    rh_http_done done;
    void *ud;
    rh_replay_query q;
} replay_ctx;

/* 410: the tokens right after after_seq are no longer kept. */
static void reply_gone(const replay_ctx *x, const rh_store_reply *r)
{
    char msg[200];
    snprintf(msg, sizeof msg,
             "tokens after seq %llu are no longer kept (the oldest kept is %llu); "
             "the gap cannot be filled",
             (unsigned long long)x->q.after_seq, (unsigned long long)r->oldest_seq);
    cJSON *o = cJSON_CreateObject();
    if (o &&
        (!cJSON_AddStringToObject(o, "error", msg) || !cJSON_AddNumberToObject(o, "code", 410) ||
         !cJSON_AddNumberToObject(o, "oldest_seq", (double)r->oldest_seq))) {
        cJSON_Delete(o);
        o = NULL;
    }
    rh_api_reply_json(x->done, x->ud, 410, o);
}

static cJSON *answer(const replay_ctx *x, const rh_store_reply *r, size_t skip)
{
    const rh_store_stream *s = r->stream;
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_CreateArray();
    int ok = o && arr && cJSON_AddStringToObject(o, "stream_id", s->stream_id) &&
             cJSON_AddStringToObject(o, "state", s->ended ? "ended" : "open") &&
             cJSON_AddNumberToObject(o, "last_seq", (double)s->last_seq) &&
             cJSON_AddNumberToObject(o, "after_seq", (double)x->q.after_seq) &&
             cJSON_AddNumberToObject(o, "oldest_seq", (double)r->oldest_seq);
    uint64_t last_sent = x->q.after_seq;
    for (size_t i = skip; ok && i < r->ntoks; i++) {
        cJSON *t = cJSON_CreateObject();
        char *text = strndup(r->toks[i].s, r->toks[i].len);
        ok = t && text && cJSON_AddNumberToObject(t, "seq", (double)r->toks[i].seq) &&
             cJSON_AddStringToObject(t, "token", text);
        free(text);
        if (t && !cJSON_AddItemToArray(arr, t)) {
            cJSON_Delete(t);
            ok = 0;
        }
        last_sent = r->toks[i].seq;
    }
    if (ok && r->ntoks == 0 && r->oldest_seq > x->q.after_seq + 1)
        last_sent = r->oldest_seq - 1; /* (replay-no-gone) nothing sent, all past the window */
    if (ok) {
        ok = cJSON_AddItemToObject(o, "tokens", arr) != 0;
        if (ok)
            arr = NULL; /* o owns it now; not added, it is still ours */
        ok = ok && cJSON_AddBoolToObject(o, "more", last_sent < s->last_seq);
    }
    cJSON_Delete(arr);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* protocol §12.6: replay: 200 tokens after after_seq, 400 past last_seq, 410 no longer kept */
void rh_api_replay_answer(rh_srv *srv, const rh_store_reply *r, uint64_t after_seq,
                          rh_http_done done, void *ud)
{
    const rh_store_stream *s = r->stream;
    replay_ctx x = {.srv = srv, .done = done, .ud = ud, .q = {.after_seq = after_seq}};
    if (after_seq > s->last_seq) {
        rh_api_error(done, ud, 400, "after_seq %llu is beyond last_seq %llu",
                     (unsigned long long)after_seq, (unsigned long long)s->last_seq);
        return;
    }
    int gone = after_seq < s->last_seq && after_seq + 1 < r->oldest_seq;
    if (gone && !rh_fault_on(srv, RH_FAULT_REPLAY_NO_GONE)) {
        reply_gone(&x, r);
        return;
    }
    size_t skip = rh_fault_on(srv, RH_FAULT_REPLAY_SKIP) && r->ntoks > 1 ? 1 : 0;
    rh_api_reply_json(done, ud, 200, answer(&x, r, skip));
}

static void replay_done(void *ud, const rh_store_reply *r)
{
    replay_ctx *x = ud;
    if (!rh_api_store_fail(r, x->done, x->ud))
        rh_api_replay_answer(x->srv, r, x->q.after_seq, x->done, x->ud);
    free(x);
}

void rh_api_stream_replay(const rh_api_call *c)
{
    if (rh_api_check_sid(c) != 0)
        return;
    if (!c->srv->store) {
        rh_api_error(c->done, c->ud, 503, "no stream store configured");
        return;
    }
    if (rh_fault_on(c->srv, RH_FAULT_ALLOW_NO_REPLAY)) {
        rh_api_error(c->done, c->ud, 405, "method not allowed: use POST");
        return;
    }
    replay_ctx *x = calloc(1, sizeof *x);
    if (!x) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    char err[160] = "";
    int rc = rh_replay_parse_query(c->req->query, strlen(c->req->query), &x->q, err, sizeof err);
    if (rc != RH_REPLAY_OK) {
        rh_api_error(c->done, c->ud, rc == RH_REPLAY_ERR_NOMEM ? 500 : 400, "%s", err);
        free(x);
        return;
    }
    x->srv = c->srv;
    x->done = c->done;
    x->ud = c->ud;
    uint64_t after = x->q.after_seq;
    if (rh_fault_on(c->srv, RH_FAULT_REPLAY_INCLUSIVE) && after > 0)
        after--; /* the bug: after_seq read as "from" */
    rh_api_expire(c->srv);
    rh_store_replay(c->srv->store, c->app->id, c->arg, after, x->q.limit, replay_done, x);
}
