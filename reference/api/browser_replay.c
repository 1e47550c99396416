/* The browsers' replay proxy, GET /broadcasting/replay (api/ owns it).
 *
 * The signed replay endpoint needs the app secret, which a browser must never hold. This
 * route answers the same body to a bearer-authorised user instead, with the authorizer's
 * rules: unknown or missing token 401, a channel that is not a stream channel or a
 * workspace the user is not a member of 403. The stream must belong to that channel: a
 * member of one workspace must not read another workspace's stream by guessing its id, so a
 * stream of another channel answers 404 exactly like an unknown one.
 *
 * Query: channel=private-workspace.W.thread.T&stream_id=S&after_seq=N[&limit=M]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/channel.h"
#include "proto/form.h"

#define REPLAY_MAX_LIMIT 1000

typedef struct breplay_ctx {
    rh_chan_stream chan;
    uint64_t after_seq;
    size_t limit;
    rh_http_done done;
    void *ud;
} breplay_ctx;

/* A decimal uint64 of 1..20 digits with no sign or spaces; 0 ok, -1 not. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int rh_api_breplay_parse(const char *query, rh_api_breplay_q *q, char *err, size_t errlen)
{
    rh_form f;
    memset(q, 0, sizeof *q);
    if (rh_form_parse(query, strlen(query), &f) != RH_FORM_OK) {
        snprintf(err, errlen, "malformed query string");
        return 400;
    }
    const char *ch = rh_form_get(&f, "channel");
    const char *sid = rh_form_get(&f, "stream_id");
    const char *after = rh_form_get(&f, "after_seq");
    const char *limit = rh_form_get(&f, "limit");
    char cerr[128] = "";
    uint64_t lim = REPLAY_MAX_LIMIT;
    int status = 0;
    if (!ch || strlen(ch) > RH_CHAN_MAX_LEN ||
        rh_chan_parse_stream(ch, strlen(ch), &q->chan, cerr, sizeof cerr) != 0) {
        snprintf(err, errlen, "channel is not a stream channel private-workspace.W.thread.T%s%s",
                 cerr[0] ? ": " : "", cerr);
        status = 403;
    } else if (!sid || !rh_chan_valid_id(sid, strlen(sid))) {
        snprintf(err, errlen, "stream_id missing or not [A-Za-z0-9_-]{1,64}");
        status = 400;
    } else if (parse_u64(after, &q->after_seq) != 0) {
        snprintf(err, errlen, "after_seq missing or not a non-negative integer");
        status = 400;
    } else if (limit && (parse_u64(limit, &lim) != 0 || lim < 1 || lim > REPLAY_MAX_LIMIT)) {
        snprintf(err, errlen, "limit must be an integer from 1 to %d", REPLAY_MAX_LIMIT);
        status = 400;
    } else {
        snprintf(q->stream_id, sizeof q->stream_id, "%s", sid);
        q->limit = (size_t)lim;
    }
    rh_form_free(&f);
    return status;
}

cJSON *rh_api_breplay_answer(const rh_store_reply *r, uint64_t after_seq, int *status, char *err,
                             size_t errlen)
{
    const rh_store_stream *s = r->stream;
    if (after_seq > s->last_seq) {
        *status = 400;
        snprintf(err, errlen, "after_seq %llu is past the stream's last_seq %llu",
                 (unsigned long long)after_seq, (unsigned long long)s->last_seq);
        return NULL;
    }
    /* The tokens must follow after_seq without a hole; a store that no longer keeps
     * after_seq + 1 cannot answer that, whatever it still holds. */
    if (after_seq < s->last_seq &&
        (after_seq + 1 < r->oldest_seq || (r->ntoks > 0 && r->toks[0].seq != after_seq + 1) ||
         r->ntoks == 0)) {
        *status = 410;
        snprintf(err, errlen, "tokens after seq %llu are no longer kept (oldest kept: %llu)",
                 (unsigned long long)after_seq, (unsigned long long)r->oldest_seq);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o ? cJSON_CreateArray() : NULL;
    uint64_t last = after_seq;
    int ok = o && arr;
    for (size_t i = 0; ok && i < r->ntoks; i++) {
        cJSON *t = cJSON_CreateObject();
        char *text = strndup(r->toks[i].s, r->toks[i].len);
        ok = t && text && cJSON_AddNumberToObject(t, "seq", (double)r->toks[i].seq) &&
             cJSON_AddStringToObject(t, "token", text);
        free(text);
        if (ok)
            cJSON_AddItemToArray(arr, t);
        else
            cJSON_Delete(t);
        last = r->toks[i].seq;
    }
    ok = ok && cJSON_AddStringToObject(o, "stream_id", s->stream_id) &&
         cJSON_AddStringToObject(o, "state", s->ended ? "ended" : "open") &&
         cJSON_AddNumberToObject(o, "last_seq", (double)s->last_seq) &&
         cJSON_AddNumberToObject(o, "after_seq", (double)after_seq) &&
         cJSON_AddNumberToObject(o, "oldest_seq", (double)r->oldest_seq);
    if (ok) {
        cJSON_AddItemToObject(o, "tokens", arr);
        arr = NULL;
        ok = cJSON_AddBoolToObject(o, "more", last < s->last_seq) != NULL;
    }
    cJSON_Delete(arr);
    if (!ok) {
        cJSON_Delete(o);
        *status = 500;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *status = 200;
    return o;
}

static void on_replay(void *ud, const rh_store_reply *r)
{
    breplay_ctx *x = ud;
    const rh_store_stream *s = r->stream;
    if (r->status == RH_STORE_OK && s &&
        (strcmp(s->workspace_id, x->chan.workspace) != 0 ||
         strcmp(s->thread_id, x->chan.thread) != 0)) {
        rh_api_error(x->done, x->ud, 404, "unknown stream on this channel");
    } else if (r->status == RH_STORE_NOT_FOUND) {
        rh_api_error(x->done, x->ud, 404, "unknown stream on this channel");
    } else if (r->status == RH_STORE_UNAVAILABLE) {
        rh_api_error(x->done, x->ud, 503, "stream store unavailable; retry later");
    } else if (r->status == RH_STORE_LOST) {
        rh_api_error(x->done, x->ud, 410, "stream state lost by the store");
    } else if (r->status != RH_STORE_OK || !s) {
        rh_api_error(x->done, x->ud, 500, "store error: %s", r->error ? r->error : "unknown");
    } else {
        int status = 500;
        char err[200] = "";
        cJSON *o = rh_api_breplay_answer(r, x->after_seq, &status, err, sizeof err);
        if (o) {
            rh_api_reply_json(x->done, x->ud, status, o);
        } else if (status == 410) {
            cJSON *e = cJSON_CreateObject();
            if (e && (!cJSON_AddStringToObject(e, "error", err) ||
                      !cJSON_AddNumberToObject(e, "code", 410) ||
                      !cJSON_AddNumberToObject(e, "oldest_seq", (double)r->oldest_seq))) {
                cJSON_Delete(e);
                e = NULL;
            }
            rh_api_reply_json(x->done, x->ud, 410, e);
        } else {
            rh_api_error(x->done, x->ud, status, "%s", err);
        }
    }
    free(x);
}

void rh_api_browser_replay(const rh_api_call *c)
{
    rh_srv *srv = c->srv;
    char tokbuf[512];
    const char *token = rh_api_bearer_token(c->req->authorization, tokbuf, sizeof tokbuf);
    const rh_cfg_user *user = token ? rh_cfg_user_by_token(srv->cfg, token) : NULL;
    if (!user) {
        rh_api_error(c->done, c->ud, 401,
                     token ? "unknown bearer token"
                           : "missing bearer token (Authorization: Bearer TOKEN)");
        return;
    }
    rh_api_breplay_q q;
    char err[200] = "";
    int status = rh_api_breplay_parse(c->req->query, &q, err, sizeof err);
    if (status) {
        rh_api_error(c->done, c->ud, status, "%s", err);
        return;
    }
    if (!rh_cfg_user_in_workspace(user, q.chan.workspace)) {
        rh_api_error(c->done, c->ud, 403, "user %s is not a member of workspace %s", user->user_id,
                     q.chan.workspace);
        return;
    }
    if (srv->cfg->napps == 0 || !srv->store) {
        rh_api_error(c->done, c->ud, 500, "no app or store configured");
        return;
    }
    breplay_ctx *x = calloc(1, sizeof *x);
    if (!x) {
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    x->chan = q.chan;
    x->after_seq = q.after_seq;
    x->limit = q.limit;
    x->done = c->done;
    x->ud = c->ud;
    /* The authorizer signs for the first app; the browser's streams live in that app too. */
    rh_store_replay(srv->store, srv->cfg->apps[0].id, q.stream_id, q.after_seq, q.limit, on_replay,
                    x);
}
