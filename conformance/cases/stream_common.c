/* rc_sc: shared steps of the stream-profile cases. */
#include "stream_common.h"
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

void rc_sc_new(rc_ctx *ctx, rc_sc_stream *s)
{
    char id[13];
    const rc_target *t = rc_target_of(ctx);
    snprintf(s->workspace, sizeof s->workspace, "%s", t->member.workspace);
    rc_random_id(ctx, id);
    snprintf(s->thread, sizeof s->thread, "t%s", id);
    rc_random_id(ctx, id);
    snprintf(s->run, sizeof s->run, "r%s", id);
    rc_random_id(ctx, id);
    snprintf(s->stream, sizeof s->stream, "s%s", id);
    snprintf(s->channel, sizeof s->channel, "private-workspace.%s.thread.%s", s->workspace,
             s->thread);
}

const char *rc_sc_desc(const rc_http_resp *resp, char *buf, size_t len)
{
    snprintf(buf, len, "%d %.300s", resp->status, resp->body ? resp->body : "");
    return buf;
}

int rc_sc_status(rc_ctx *ctx, const rc_http_resp *resp, int want, const char *what)
{
    char d[400], e[16];
    if (resp->status == want)
        return 1;
    snprintf(e, sizeof e, "%d", want);
    rc_expect_seen(ctx, e, rc_sc_desc(resp, d, sizeof d));
    rc_fail(ctx, "%s: expected status %d, got %s", what, want, d);
    return 0;
}

int rc_sc_start(rc_ctx *ctx, rc_sc_stream *s)
{
    rc_http_resp r = {0};
    long long last = -1;
    const char *v;
    int ok = 0;

    rc_sc_new(ctx, s);
    if (rc_stream_start(ctx, s->workspace, s->thread, s->run, s->stream, &r) < 0)
        return 0;
    if (!rc_sc_status(ctx, &r, 201, "start of a new stream"))
        goto out;
    if (!r.json) {
        rc_fail(ctx, "start answer is not JSON: %.200s", r.body ? r.body : "");
        goto out;
    }
    v = rc_json_str(r.json, "channel");
    if (!v || strcmp(v, s->channel) != 0) {
        rc_expect_seen(ctx, s->channel, v ? v : "(no string \"channel\")");
        rc_fail(ctx, "start answered channel %s, expected %s", v ? v : "(none)", s->channel);
        goto out;
    }
    v = rc_json_str(r.json, "stream_id");
    if (!v || strcmp(v, s->stream) != 0) {
        rc_fail(ctx, "start answered stream_id %s, expected %s", v ? v : "(none)", s->stream);
        goto out;
    }
    if (!rc_json_int(r.json, "last_seq", &last) || last != 0) {
        rc_fail(ctx, "start answered last_seq %lld (or not an integer), expected 0", last);
        goto out;
    }
    ok = 1;
out:
    rc_http_resp_free(&r);
    return ok;
}

int rc_sc_authorize(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                    char *auth, size_t authlen)
{
    rc_http_resp r = {0};
    int st;
    if (auth && authlen)
        auth[0] = 0;
    if (rc_authorize(ctx, bearer, socket_id, channel, &r) < 0)
        return -1;
    st = r.status;
    if (st == 200 && auth && authlen) {
        const char *a = rc_json_str(r.json, "auth");
        if (a)
            snprintf(auth, authlen, "%s", a);
    }
    rc_http_resp_free(&r);
    return st;
}

static int chan_is(const rc_pmsg *m, const char *channel)
{
    return !m->channel || strcmp(m->channel, channel) == 0;
}

int rc_sc_try_subscribe(rc_pconn *pc, const char *channel, const char *auth, char *errtype,
                        size_t errlen)
{
    long long deadline = rc_now_ms() + 2000;
    if (errtype && errlen)
        errtype[0] = 0;
    if (rc_pusher_subscribe(pc, channel, auth, NULL) < 0)
        return -1;
    for (;;) {
        const rc_pmsg *m;
        long long left = deadline - rc_now_ms();
        if (left <= 0)
            return -1;
        if (rc_pusher_next(pc, (int)left, &m) != 1)
            return -1;
        if (!m->event)
            continue;
        if (!strcmp(m->event, "pusher_internal:subscription_succeeded") && m->channel &&
            !strcmp(m->channel, channel))
            return 1;
        if (!strcmp(m->event, "pusher:subscription_error") && chan_is(m, channel)) {
            const cJSON *d = m->data_parsed ? m->data_parsed : m->data;
            const char *ty = cJSON_IsObject(d) ? rc_json_str(d, "type") : NULL;
            if (errtype && errlen)
                snprintf(errtype, errlen, "%s", ty ? ty : "");
            return 0;
        }
        if (!strcmp(m->event, "pusher:error")) {
            if (errtype && errlen)
                snprintf(errtype, errlen, "pusher:error");
            return 0;
        }
    }
}

rc_pconn *rc_sc_member_sub(rc_ctx *ctx, const char *channel, const rc_user *u)
{
    char auth[256], et[64];
    int st, rv;
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return NULL;
    st = rc_sc_authorize(ctx, u->token, pc->socket_id, channel, auth, sizeof auth);
    if (st < 0)
        return NULL;
    if (st != 200 || !auth[0]) {
        rc_fail(ctx, "authorizer answered %d (auth \"%s\") to a member of %s for %s", st, auth,
                u->workspace, channel);
        return NULL;
    }
    rv = rc_sc_try_subscribe(pc, channel, auth, et, sizeof et);
    if (rv != 1) {
        rc_fail(ctx, "server %s a member's subscription to %s with the authorizer's signature%s%s",
                rv == 0 ? "refused" : "did not confirm", channel, et[0] ? ": " : "", et);
        return NULL;
    }
    return pc;
}

rc_pconn *rc_sc_start_sub(rc_ctx *ctx, rc_sc_stream *s)
{
    if (!rc_sc_start(ctx, s))
        return NULL;
    return rc_sc_member_sub(ctx, s->channel, &rc_target_of(ctx)->member);
}

int rc_sc_ctl(rc_ctx *ctx, const char *method, const char *subpath, const char *body,
              rc_http_resp *resp)
{
    char path[512];
    snprintf(path, sizeof path, "/apps/%s%s", rc_target_of(ctx)->app_id, subpath);
    return rc_api(ctx, method, path, NULL, body, resp);
}

long long rc_sc_token(rc_ctx *ctx, const char *stream, const char *token)
{
    rc_http_resp r = {0};
    long long f = -1, l = -1, out = -1;
    if (rc_stream_token(ctx, stream, token, &r) < 0)
        return -1;
    if (!rc_sc_status(ctx, &r, 200, "token on an open stream"))
        goto done;
    if (!rc_json_int(r.json, "first_seq", &f) || !rc_json_int(r.json, "last_seq", &l) || f != l ||
        f < 1) {
        rc_fail(ctx, "token answer must carry integer first_seq == last_seq >= 1: %.200s",
                r.body ? r.body : "");
        goto done;
    }
    out = f;
done:
    rc_http_resp_free(&r);
    return out;
}

int rc_sc_send_each(rc_ctx *ctx, const char *stream, const char *const *tokens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rc_sc_token(ctx, stream, tokens[i]) < 0)
            return 0;
    return 1;
}

int rc_sc_send_same(rc_ctx *ctx, const char *stream, const char *token, int n)
{
    for (int i = 0; i < n; i++)
        if (rc_sc_token(ctx, stream, token) < 0)
            return 0;
    return 1;
}

int rc_sc_tokens_req(rc_ctx *ctx, const char *stream, const char *const *tokens, size_t n,
                     rc_http_resp *resp)
{
    char sub[160];
    char *body;
    int rv;
    cJSON *o = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(o, "tokens");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(tokens[i]));
    body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!body) {
        rc_error(ctx, "out of memory building a tokens body");
        return -1;
    }
    snprintf(sub, sizeof sub, "/streams/%s/tokens", stream);
    rv = rc_sc_ctl(ctx, "POST", sub, body, resp);
    free(body);
    return rv;
}

int rc_sc_tokens(rc_ctx *ctx, const char *stream, const char *const *tokens, size_t n,
                 long long *first, long long *last)
{
    rc_http_resp r = {0};
    long long f = -1, l = -1;
    int ok = 0;
    if (rc_sc_tokens_req(ctx, stream, tokens, n, &r) < 0)
        return 0;
    if (!rc_sc_status(ctx, &r, 200, "tokens batch on an open stream"))
        goto done;
    if (!rc_json_int(r.json, "first_seq", &f) || !rc_json_int(r.json, "last_seq", &l) || f < 1 ||
        l - f + 1 != (long long)n) {
        rc_fail(ctx,
                "a batch of %zu tokens must answer integers first_seq >= 1 and last_seq = "
                "first_seq + %zu: %.200s",
                n, n ? n - 1 : 0, r.body ? r.body : "");
        goto done;
    }
    if (first)
        *first = f;
    if (last)
        *last = l;
    ok = 1;
done:
    rc_http_resp_free(&r);
    return ok;
}

int rc_sc_valid_reason(const char *r)
{
    return r && (!strcmp(r, "completed") || !strcmp(r, "cancelled") || !strcmp(r, "failed"));
}

int rc_sc_end_req(rc_ctx *ctx, const char *stream, const char *reason, rc_http_resp *resp)
{
    char sub[160];
    if (reason)
        return rc_stream_end(ctx, stream, reason, resp);
    snprintf(sub, sizeof sub, "/streams/%s/end", stream);
    return rc_sc_ctl(ctx, "POST", sub, "{}", resp);
}

int rc_sc_end(rc_ctx *ctx, const char *stream, const char *reason, int *already,
              long long *last_seq, char *reason_out, size_t reason_len)
{
    rc_http_resp r = {0};
    long long l = -1;
    const cJSON *ae, *en;
    const char *rs, *sid;
    int ok = 0;
    if (rc_sc_end_req(ctx, stream, reason, &r) < 0)
        return 0;
    if (!rc_sc_status(ctx, &r, 200, "end of a started stream"))
        goto done;
    ae = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "already_ended") : NULL;
    en = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "ended") : NULL;
    rs = rc_json_str(r.json, "reason");
    sid = rc_json_str(r.json, "stream_id");
    if (!cJSON_IsTrue(en) || !cJSON_IsBool(ae) || !rc_json_int(r.json, "last_seq", &l) || l < 0 ||
        !rc_sc_valid_reason(rs) || !sid || strcmp(sid, stream) != 0) {
        rc_fail(ctx,
                "end answer must be {stream_id, ended: true, already_ended: bool, last_seq: "
                "int >= 0, reason: completed|cancelled|failed}: %.300s",
                r.body ? r.body : "");
        goto done;
    }
    if (already)
        *already = cJSON_IsTrue(ae);
    if (last_seq)
        *last_seq = l;
    if (reason_out && reason_len)
        snprintf(reason_out, reason_len, "%s", rs);
    ok = 1;
done:
    rc_http_resp_free(&r);
    return ok;
}

int rc_sc_json_str(const char *s, char *out, size_t outlen)
{
    cJSON *j = cJSON_CreateString(s);
    char *p = j ? cJSON_PrintUnformatted(j) : NULL;
    int rv = -1;
    if (p && strlen(p) < outlen) {
        memcpy(out, p, strlen(p) + 1);
        rv = 0;
    }
    free(p);
    cJSON_Delete(j);
    return rv;
}

int rc_sc_get_status(rc_ctx *ctx, const char *stream)
{
    rc_http_resp r = {0};
    if (rc_stream_get(ctx, stream, &r) < 0)
        return -1;
    int st = r.status;
    rc_http_resp_free(&r);
    return st;
}
