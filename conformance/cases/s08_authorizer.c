/* Stream profile, section 8.1: the authorizer (POST /broadcasting/auth): bearer tokens,
 * membership, channel and socket_id checks, form and JSON requests, the presence twin. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto/sign.h"
#include "stream_common.h"

/* Expects the authorizer to answer `want` and, unless 200, to carry no auth. With
 * order_only (a request that breaks two rules) another refusal (400, 401, 403) is only a
 * SHOULD-level slip: the contract gives each refusal its code but no order. 1 to go on. */
static int authz_check(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                       int want, const char *label, int order_only)
{
    char auth[256];
    int st = rc_sc_authorize(ctx, bearer, socket_id, channel, auth, sizeof auth);
    if (st < 0)
        return 0;
    if (st == want)
        return 1;
    if (order_only && (st == 400 || st == 401 || st == 403)) {
        rc_fail_should(ctx,
                       "authorizer, %s: expected %d (token, socket_id, channel in that order), "
                       "got %d",
                       label, want, st);
        return 1;
    }
    char e[16], g[300];
    snprintf(e, sizeof e, "%d", want);
    snprintf(g, sizeof g, "%d auth=\"%s\"", st, auth);
    rc_expect_seen(ctx, e, g);
    rc_fail(ctx, "authorizer, %s (socket_id \"%s\", channel \"%s\"): expected %d, got %d%s%s",
            label, socket_id, channel, want, st, auth[0] ? " with auth " : "", auth);
    return 0;
}

static int authz_expect(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                        int want, const char *label)
{
    return authz_check(ctx, bearer, socket_id, channel, want, label, 0);
}

/* The authorizer with a JSON body; returns the status and copies "auth" on 200. */
static int authz_json(rc_ctx *ctx, const char *bearer, const char *socket_id, const char *channel,
                      char *auth, size_t authlen)
{
    char hdr[300], body[600];
    rc_http_resp r = {0};
    int st;
    auth[0] = 0;
    snprintf(hdr, sizeof hdr, "%s%s%sContent-Type: application/json\r\n",
             bearer ? "Authorization: Bearer " : "", bearer ? bearer : "", bearer ? "\r\n" : "");
    snprintf(body, sizeof body, "{\"socket_id\":\"%s\",\"channel_name\":\"%s\"}", socket_id,
             channel);
    if (rc_http(ctx, "POST", rc_target_of(ctx)->auth_path, hdr, body, strlen(body), &r) < 0)
        return -1;
    st = r.status;
    if (st == 200) {
        const char *a = rc_json_str(r.json, "auth");
        if (a)
            snprintf(auth, authlen, "%s", a);
    }
    rc_http_resp_free(&r);
    return st;
}

static void bearer_required(rc_ctx *ctx)
{
    rc_sc_stream s;
    char bogus[40], id[13];
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    rc_sc_new(ctx, &s);
    rc_random_id(ctx, id);
    snprintf(bogus, sizeof bogus, "unknown-%s", id);
    if (authz_expect(ctx, NULL, pc->socket_id, s.channel, 401, "without a bearer token") &&
        authz_expect(ctx, "", pc->socket_id, s.channel, 401, "with an empty bearer token"))
        authz_expect(ctx, bogus, pc->socket_id, s.channel, 401, "with an unknown bearer token");
}

static void non_member(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    rc_sc_stream s;
    char other_ch[RC_SC_CHAN];
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    rc_sc_new(ctx, &s);
    snprintf(other_ch, sizeof other_ch, "private-workspace.%s.thread.%s", t->other.workspace,
             s.thread);
    /* The other user's token is good (it signs for its own workspace) ... */
    if (!authz_expect(ctx, t->other.token, pc->socket_id, other_ch, 200,
                      "a user for its own workspace"))
        return;
    /* ... but not for a workspace it is not a member of, nor is the member's for the other's. */
    if (authz_expect(ctx, t->other.token, pc->socket_id, s.channel, 403,
                     "a non-member of the channel's workspace"))
        authz_expect(ctx, t->member.token, pc->socket_id, other_ch, 403,
                     "a non-member of the channel's workspace");
}

static void malformed_channel(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    const char *w = t->member.workspace;
    char ch[12][240], id65[70];
    rc_sc_stream s;
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    rc_sc_new(ctx, &s);
    memset(id65, 'q', 65);
    id65[65] = 0;
    snprintf(ch[0], sizeof ch[0], "private-workspace.%s.thread.", w);
    snprintf(ch[1], sizeof ch[1], "private-workspace.%s", w);
    snprintf(ch[2], sizeof ch[2], "private-workspace..thread.%s", s.thread);
    snprintf(ch[3], sizeof ch[3], "private-workspace.%s.thread.a b", w);
    snprintf(ch[4], sizeof ch[4], "private-workspace.%s.thread.%s", w, id65);
    snprintf(ch[5], sizeof ch[5], "private-workspace.%s.thread.%s.extra", w, s.thread);
    snprintf(ch[6], sizeof ch[6], "workspace.%s.thread.%s", w, s.thread);
    snprintf(ch[7], sizeof ch[7], "private-%s.thread.%s", w, s.thread);
    snprintf(ch[8], sizeof ch[8], "private-workspace.%s.thread.t/1", w);
    /* the encrypted twin of a malformed stream channel (16.3 signs only well-formed twins) */
    snprintf(ch[9], sizeof ch[9], "private-encrypted-workspace.%s.thread.a b", w);
    snprintf(ch[10], sizeof ch[10], "private-workspace.%s.room.%s", w, s.thread);
    ch[11][0] = 0;
    for (int i = 0; i < 12; i++)
        if (!authz_expect(ctx, t->member.token, pc->socket_id, ch[i], 403,
                          "a member asking for a malformed channel"))
            return;
}

static void bad_socket_id(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    static const char *const bad_sockets[] = {"abc",  "1",    "1.", ".1",   "1.2.3",
                                              "-1.2", "1.2x", "",   "1 .2", "0x1.2"};
    char bad_ch[RC_SC_CHAN];
    rc_sc_stream s;
    rc_sc_new(ctx, &s);
    snprintf(bad_ch, sizeof bad_ch, "private-workspace.%s.thread.a b", s.workspace);
    for (size_t i = 0; i < sizeof bad_sockets / sizeof bad_sockets[0]; i++)
        if (!authz_expect(ctx, t->member.token, bad_sockets[i], s.channel, 400,
                          "a member with a malformed socket_id"))
            return;
    /* The order of the checks (token, then socket_id, then channel) is docs/protocol.md's:
     * the contract gives each refusal its code but no order, so another refusal is SHOULD. */
    if (authz_check(ctx, NULL, "abc", s.channel, 401, "no token and a malformed socket_id", 1))
        authz_check(ctx, t->member.token, "abc", bad_ch, 400,
                    "a malformed socket_id and a malformed channel", 1);
}

static void form_and_json(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    char auth_f[256], auth_j[256], et[64];
    rc_sc_stream s;
    rc_sc_recv r = {0};
    int st;
    rc_pconn *a = rc_pusher_connect(ctx), *b = a ? rc_pusher_connect(ctx) : NULL;
    if (!b || !rc_sc_start(ctx, &s))
        return;
    st = rc_sc_authorize(ctx, t->member.token, a->socket_id, s.channel, auth_f, sizeof auth_f);
    RC_CHECK(ctx, st == 200 && auth_f[0], "form-encoded request of a member: %d, auth \"%s\"", st,
             auth_f);
    RC_CHECK(ctx,
             rh_sign_verify_channel(t->app_key, t->app_secret, a->socket_id, s.channel, NULL,
                                    auth_f) == 0,
             "the authorizer's auth \"%s\" is not key:HMAC(secret, socket_id:channel)", auth_f);
    st = authz_json(ctx, t->member.token, b->socket_id, s.channel, auth_j, sizeof auth_j);
    RC_CHECK(ctx, st == 200 && auth_j[0], "JSON request of a member: %d, auth \"%s\"", st, auth_j);
    RC_CHECK(ctx,
             rh_sign_verify_channel(t->app_key, t->app_secret, b->socket_id, s.channel, NULL,
                                    auth_j) == 0,
             "the authorizer's auth \"%s\" (JSON body) is not key:HMAC(secret, socket_id:channel)",
             auth_j);
    /* JSON bodies get the same refusals as form-encoded ones. */
    st = authz_json(ctx, NULL, b->socket_id, s.channel, et, sizeof et);
    RC_CHECK(ctx, st == 401, "JSON request without a bearer token: expected 401, got %d", st);
    st = authz_json(ctx, t->other.token, b->socket_id, s.channel, et, sizeof et);
    RC_CHECK(ctx, st == 403, "JSON request of a non-member: expected 403, got %d", st);
    /* Both signatures are accepted by the server and both sockets receive the stream. */
    RC_CHECK(ctx, rc_sc_try_subscribe(a, s.channel, auth_f, et, sizeof et) == 1,
             "server refused the form-encoded authorizer's signature (%s)", et);
    RC_CHECK(ctx, rc_sc_try_subscribe(b, s.channel, auth_j, et, sizeof et) == 1,
             "server refused the JSON authorizer's signature (%s)", et);
    if (rc_sc_token(ctx, s.stream, "both") < 0)
        return;
    if (rc_sc_expect(ctx, a, &s, "form-authorized subscriber", &r, 1, 0, 3000)) {
        rc_sc_recv_free(&r);
        rc_sc_expect(ctx, b, &s, "JSON-authorized subscriber", &r, 1, 0, 3000);
    }
    rc_sc_recv_free(&r);
}

/* The presence twin presence-workspace.W.thread.T: signed for members with channel_data. */
static void presence_twin(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    char ch[RC_SC_CHAN], auth[256], cdata[512];
    rc_http_resp r = {0};
    const rc_pmsg *m = NULL;
    const char *a, *cd, *uid;
    cJSON *parsed;
    rc_sc_stream s;
    int rv;
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return;
    rc_sc_new(ctx, &s);
    snprintf(ch, sizeof ch, "presence-workspace.%s.thread.%s", s.workspace, s.thread);
    if (!authz_expect(ctx, t->other.token, pc->socket_id, ch, 403,
                      "a non-member asking for the presence twin"))
        return;
    RC_TRY(ctx, rc_authorize(ctx, t->member.token, pc->socket_id, ch, &r) == 0, "authorizer");
    a = rc_json_str(r.json, "auth");
    cd = rc_json_str(r.json, "channel_data");
    /* The presence twin is optional: an authorizer that refuses it even to a member does not
     * offer it, unless the server profile says it does. */
    if (r.status == 403 && t->server.caps[RC_CAP_PRESENCE_TWIN] != RC_CAP_YES) {
        rc_unsupported(ctx, "the authorizer refuses %s to a member (403): no presence twin", ch);
        rc_http_resp_free(&r);
        return;
    }
    if (r.status != 200 || !a || !cd) {
        rc_fail(ctx, "a member asking for %s must get 200 {auth, channel_data}: %d %.200s", ch,
                r.status, r.body ? r.body : "");
        rc_http_resp_free(&r);
        return;
    }
    snprintf(auth, sizeof auth, "%s", a);
    snprintf(cdata, sizeof cdata, "%s", cd);
    rc_http_resp_free(&r);
    parsed = cJSON_Parse(cdata);
    uid = parsed ? rc_json_str(parsed, "user_id") : NULL;
    if (!uid) {
        rc_fail(ctx, "channel_data must be a JSON string of an object with a string user_id: %s",
                cdata);
        cJSON_Delete(parsed);
        return;
    }
    cJSON_Delete(parsed);
    RC_CHECK(ctx,
             rh_sign_verify_channel(t->app_key, t->app_secret, pc->socket_id, ch, cdata, auth) == 0,
             "auth \"%s\" is not key:HMAC(secret, socket_id:channel:channel_data)", auth);
    RC_TRY(ctx, rc_pusher_subscribe(pc, ch, auth, cdata) == 0, "cannot send pusher:subscribe");
    rv = rc_pusher_wait(pc, "pusher_internal:subscription_succeeded", ch, 3000, &m);
    RC_CHECK(ctx, rv == 1, "the server did not accept the authorizer's presence signature for %s",
             ch);
}

#define AUTHZ "needs:authorizer"
#define BOTH  "needs:control-api needs:authorizer"

const rc_case rc_cases_s08_authorizer[] = {
    /* protocol §8.1: no, empty or unknown bearer token: 401 */
    {
        .id = "stream/8.1/bearer-required",
        .section = "8.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "no, empty or unknown bearer token: 401",
        .requirement = "The authorizer answers 401 to a request without a bearer token or with an "
                       "unknown one.",
        .tags = AUTHZ,
        .run = bearer_required,
    },
    /* protocol §8.1: a user outside the workspace: 403 */
    {
        .id = "stream/8.1/non-member-403",
        .section = "8.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a user outside the workspace: 403",
        .requirement = "The authorizer signs only for members of the channel's workspace W; a "
                       "non-member gets 403.",
        .tags = AUTHZ,
        .run = non_member,
    },
    /* protocol §8.1: a channel that is not a valid stream channel: 403 */
    {
        .id = "stream/8.1/malformed-channel-403",
        .section = "8.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a channel that is not a valid stream channel: 403",
        .requirement = "The authorizer answers 403 for a channel_name that is not a valid "
                       "private-workspace.W.thread.T (empty or long ids, other characters, extra "
                       "segments, other prefixes) and signs nothing.",
        .tags = AUTHZ,
        .timeout_ms = 10000,
        .run = malformed_channel,
    },
    /* protocol §8.1: a malformed socket_id: 400 (token before socket_id before channel SHOULD) */
    {
        .id = "stream/8.1/bad-socket-id-400",
        .section = "8.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a malformed socket_id: 400 (token before socket_id before channel SHOULD)",
        .requirement =
            "The authorizer answers 400 to a member with a malformed socket_id "
            "(^[0-9]+\\.[0-9]+$); docs/protocol.md orders the checks bearer token (401), socket_id "
            "(400), channel (403), membership (403), which is SHOULD when a request breaks two.",
        .tags = AUTHZ,
        .timeout_ms = 10000,
        .run = bad_socket_id,
    },
    /* protocol §8.1: form-encoded and JSON requests both get a signature the server accepts */
    {
        .id = "stream/8.1/form-and-json",
        .section = "8.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "form-encoded and JSON requests both get a signature the server accepts",
        .requirement = "The authorizer takes socket_id and channel_name form-encoded (as Laravel "
                       "Echo sends them) or as JSON, answers {\"auth\":\"key:signature\"} for a "
                       "member and refuses others alike; the server accepts its signatures.",
        .tags = BOTH,
        .run = form_and_json,
    },
    /* protocol §8.1: presence-workspace.W.thread.T: members get auth with channel_data, others 403
     */
    {
        .id = "stream/8.1/presence-twin",
        .section = "8.1",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "presence-workspace.W.thread.T: members get auth with channel_data, others 403",
        .requirement = "The authorizer signs the presence twin presence-workspace.W.thread.T for "
                       "members only, answering channel_data (the exact string signed) with the "
                       "auth; the server accepts it.",
        .tags = AUTHZ " needs:presence-twin",
        .run = presence_twin,
    },
    {0},
};
