/* The browsers' replay proxy, GET /broadcasting/replay (api/ owns it).
 *
 * The signed replay endpoint needs the app secret, which a browser must never hold. This
 * route answers the same body to a bearer-authorised user instead, with the authorizer's
 * rules: unknown or missing token 401, a channel that is not a stream channel or a
 * workspace the user is not a member of 403. The stream must belong to that channel: a
 * member of one workspace must not read another workspace's stream by guessing its id, so a
 * stream of another channel answers 404 exactly like an unknown one, and so does a stream
 * whose state the store lost (its channel can no longer be checked).
 *
 * Query: channel=private-workspace.W.thread.T&stream_id=S&after_seq=N[&limit=M]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/channel.h"
#include "proto/form.h"
#include "proto/replay.h"

typedef struct breplay_ctx {
    rh_srv *srv;
    rh_chan_stream chan;
    uint64_t after_seq;
    rh_http_done done;
    void *ud;
} breplay_ctx;

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
    char cerr[128] = "";
    rh_replay_query rq;
    int status = 0;
    if (!ch || strlen(ch) > RH_CHAN_MAX_LEN ||
        rh_chan_parse_stream(ch, strlen(ch), &q->chan, cerr, sizeof cerr) != 0) {
        snprintf(err, errlen, "channel is not a stream channel private-workspace.W.thread.T%s%s",
                 cerr[0] ? ": " : "", cerr);
        status = 403;
    } else if (!sid || !rh_chan_valid_id(sid, strlen(sid))) {
        snprintf(err, errlen, "stream_id missing or not [A-Za-z0-9_-]{1,64}");
        status = 400;
    } else if (rh_replay_parse_query(query, strlen(query), &rq, err, errlen) != RH_REPLAY_OK) {
        status = 400; /* after_seq and limit follow the signed endpoint's rules exactly */
    } else {
        snprintf(q->stream_id, sizeof q->stream_id, "%s", sid);
        q->after_seq = rq.after_seq;
        q->limit = rq.limit;
    }
    rh_form_free(&f);
    return status;
}

static void on_replay(void *ud, const rh_store_reply *r)
{
    breplay_ctx *x = ud;
    const rh_store_stream *s = r->stream;
    /* A stream whose state the store lost (LOST) has no owner left to check: answering 410
     * there and 404 for an id never used would tell a member of any workspace which ids
     * exist elsewhere, so both get the one 404. */
    if (r->status == RH_STORE_NOT_FOUND || r->status == RH_STORE_LOST ||
        (r->status == RH_STORE_OK && s &&
         (strcmp(s->workspace_id, x->chan.workspace) != 0 ||
          strcmp(s->thread_id, x->chan.thread) != 0)))
        rh_api_error(x->done, x->ud, 404, "unknown stream on this channel");
    else if (!rh_api_store_fail(r, x->done, x->ud))
        rh_api_replay_answer(x->srv, r, x->after_seq, x->done, x->ud);
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
    x->srv = srv;
    x->chan = q.chan;
    x->after_seq = q.after_seq;
    x->done = c->done;
    x->ud = c->ud;
    /* The authorizer signs for the first app; the browser's streams live in that app too. */
    rh_store_replay(srv->store, srv->cfg->apps[0].id, q.stream_id, q.after_seq, q.limit, on_replay,
                    x);
}
