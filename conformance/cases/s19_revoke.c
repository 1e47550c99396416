/* Stream profile, section 19: revocation of workspace access. A member removed from a
 * workspace through the membership endpoint (19.1) loses every live subscription to the
 * workspace's channels at once (19.3) and gets no new authorization (19.4); a signature the
 * authorizer gave before the revocation no longer subscribes. Optional (needs:revocation): a
 * server without the endpoint (404, 405, 501) is UNSUPPORTED. The cases use a fresh
 * workspace granted at runtime, so the configured memberships other cases rely on stay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "stream_common.h"
#include "wire/clock.h"

#define UID 130

/* The user id the authorizer signs for u: the user_id of its presence channel_data (8.1.4).
 * 1, or 0 after rc_skip / rc_error. */
static int user_id_of(rc_ctx *ctx, const rc_user *u, char *out, size_t outlen)
{
    char ch[RC_SC_CHAN], id[13];
    rc_http_resp r = {0};
    cJSON *cd = NULL;
    const char *s, *uid;
    rc_random_id(ctx, id);
    snprintf(ch, sizeof ch, "presence-workspace.%s.thread.u%s", u->workspace, id);
    if (rc_authorize(ctx, u->token, "1234.5678", ch, &r) < 0)
        return 0;
    s = r.status == 200 ? rc_json_str(r.json, "channel_data") : NULL;
    cd = s ? cJSON_Parse(s) : NULL;
    uid = rc_json_str(cd, "user_id");
    if (uid)
        snprintf(out, outlen, "%s", uid);
    else
        rc_skip(ctx,
                "the user id of %s is needed and comes from the presence twin's "
                "channel_data (8.1.4); the authorizer answered %d",
                u->token, r.status);
    cJSON_Delete(cd);
    rc_http_resp_free(&r);
    return uid != NULL;
}

/* POST /apps/{id}/workspaces/{ws}/members {"user_id":user,"member":member}: the status, or
 * -1 after rc_error. The answer's body is checked for 200 (SHOULD-level shape). */
static int set_member(rc_ctx *ctx, const char *ws, const char *user, int member)
{
    char path[160], q[2 * UID + 8], body[sizeof q + 32];
    rc_http_resp r = {0};
    if (rc_sc_json_str(user, q, sizeof q) != 0)
        return -1;
    snprintf(path, sizeof path, "/workspaces/%s/members", ws);
    snprintf(body, sizeof body, "{\"user_id\":%s,\"member\":%s}", q, member ? "true" : "false");
    if (rc_sc_ctl(ctx, "POST", path, body, &r) < 0)
        return -1;
    int st = r.status;
    const cJSON *m = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "member") : NULL;
    if (st == 200 && (!cJSON_IsBool(m) || cJSON_IsTrue(m) != (member != 0)))
        rc_fail_should(ctx, "the membership answer should carry \"member\":%s: %.200s",
                       member ? "true" : "false", r.body ? r.body : "");
    rc_http_resp_free(&r);
    return st;
}

/* Grants user the fresh workspace ws: 1, or 0 after a report (UNSUPPORTED when the server
 * has no membership endpoint and does not declare the capability). */
static int grant(rc_ctx *ctx, const char *ws, const char *user)
{
    int st = set_member(ctx, ws, user, 1);
    if (st < 0)
        return 0;
    if ((st == 404 || st == 405 || st == 501) &&
        rc_target_of(ctx)->server.caps[RC_CAP_REVOCATION] != RC_CAP_YES) {
        rc_unsupported(ctx, "no membership endpoint: POST .../workspaces/%s/members answered %d",
                       ws, st);
        return 0;
    }
    if (st != 200)
        rc_fail(ctx, "granting %s the workspace %s must answer 200, got %d", user, ws, st);
    return st == 200;
}

/* The users' ids, a fresh workspace granted to `who` users (1: member, 2: both) and a
 * started stream in it. 1, or 0 after a report. */
static int setup(rc_ctx *ctx, rc_sc_stream *s, char *uid_m, char *uid_o, int who)
{
    const rc_target *t = rc_target_of(ctx);
    rc_http_resp r = {0};
    char id[13];
    if (!user_id_of(ctx, &t->member, uid_m, UID) ||
        (who == 2 && !user_id_of(ctx, &t->other, uid_o, UID)))
        return 0;
    rc_sc_new(ctx, s);
    rc_random_id(ctx, id);
    snprintf(s->workspace, sizeof s->workspace, "rv%s", id);
    snprintf(s->channel, sizeof s->channel, "private-workspace.%s.thread.%s", s->workspace,
             s->thread);
    if (!grant(ctx, s->workspace, uid_m) || (who == 2 && !grant(ctx, s->workspace, uid_o)))
        return 0;
    if (rc_stream_start(ctx, s->workspace, s->thread, s->run, s->stream, &r) < 0)
        return 0;
    int ok = rc_sc_status(ctx, &r, 201, "start of a stream in a granted workspace");
    rc_http_resp_free(&r);
    return ok;
}

/* Reads pc for ms: FAIL on any token of s; *notice 1 once pusher:subscription_error with
 * status 403 for s's channel came. */
static void revoked_reads(rc_ctx *ctx, rc_pconn *pc, const rc_sc_stream *s, const char *who, int ms,
                          int *notice)
{
    int64_t deadline = rw_deadline_ns(ms);
    const rc_pmsg *m;
    int left;
    while ((left = rw_left_ms(deadline)) > 0 && rc_pusher_next(pc, left, &m) == 1) {
        if (!m->event || !m->channel || strcmp(m->channel, s->channel) != 0)
            continue;
        if (strcmp(m->event, "pusher:subscription_error") == 0) {
            long long st = -1;
            *notice |= rc_json_int(rc_payload(m), "status", &st) && st == 403;
        } else if (strcmp(m->event, "thread.stream.ended") != 0) {
            rc_expect_seen(ctx, "nothing of the channel after the revocation answered", m->raw);
            rc_fail(ctx, "%s (revoked) received %s on %s after the revocation answered: %.200s",
                    who, m->event, s->channel, m->raw);
            return;
        }
    }
}

/* protocol §19.3: a revocation ends every live subscription of the user at once */
static void revoke_ends_live(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    char uid_m[UID], uid_o[UID];
    rc_sc_stream s;
    rc_sc_recv ra = {0}, rb = {0}, ro = {0}, ro2 = {0};
    rc_pconn *a, *b, *o;
    int na = 0, nb = 0;
    if (!setup(ctx, &s, uid_m, uid_o, 2) || !(a = rc_sc_member_sub(ctx, s.channel, &t->member)) ||
        !(b = rc_sc_member_sub(ctx, s.channel, &t->member)) ||
        !(o = rc_sc_member_sub(ctx, s.channel, &t->other)))
        return;
    if (rc_sc_token(ctx, s.stream, "before") < 0 ||
        !rc_sc_expect(ctx, a, &s, "member (1st connection)", &ra, 1, 0, 2000) ||
        !rc_sc_expect(ctx, b, &s, "member (2nd connection)", &rb, 1, 0, 2000) ||
        !rc_sc_expect(ctx, o, &s, "other member", &ro, 1, 0, 2000))
        goto out;
    int st = set_member(ctx, s.workspace, uid_m, 0);
    if (st != 200) {
        if (st >= 0)
            rc_fail(ctx, "revoking %s's access to %s must answer 200, got %d", uid_m, s.workspace,
                    st);
        goto out;
    }
    if (rc_sc_token(ctx, s.stream, "after") < 0 ||
        !rc_sc_expect(ctx, o, &s, "other member (not revoked)", &ro2, 1, 0, 2000))
        goto out;
    revoked_reads(ctx, a, &s, "member's 1st connection", RC_SC_LISTEN_MS, &na);
    revoked_reads(ctx, b, &s, "member's 2nd connection", 100, &nb);
    if (rc_ok(ctx) && (!na || !nb))
        rc_fail_should(ctx,
                       "each revoked connection should get pusher:subscription_error with "
                       "status 403 for %s (1st: %s, 2nd: %s)",
                       s.channel, na ? "yes" : "no", nb ? "yes" : "no");
out:
    rc_sc_recv_free(&ra);
    rc_sc_recv_free(&rb);
    rc_sc_recv_free(&ro);
    rc_sc_recv_free(&ro2);
}

/* After a grant answered: the member's connection subscribed to channel with a signature
 * the authorizer gives it, or NULL after a report. 19.4 point 3 asks for the grant to take
 * effect on every node once answered (SHOULD); a node that learns it a moment later refuses
 * meanwhile, so a refusal is asked again for up to GRANT_LAG_MS and reported NON-STRICT. */
#define GRANT_LAG_MS 1000
static rc_pconn *granted_sub(rc_ctx *ctx, const char *channel, const rc_user *u)
{
    char auth[256], et[64];
    rc_pconn *pc = rc_pusher_connect(ctx);
    if (!pc)
        return NULL;
    long long t0 = rc_now_ms(), waited = 0;
    int st;
    while ((st = rc_sc_authorize(ctx, u->token, pc->socket_id, channel, auth, sizeof auth)) ==
               403 &&
           (waited = rc_now_ms() - t0) < GRANT_LAG_MS)
        rw_sleep_ms(50);
    if (st < 0)
        return NULL;
    if (st != 200 || !auth[0]) {
        rc_fail(ctx,
                "after the grant answered 200 the authorizer must sign for the member again: "
                "it answered %d (auth \"%s\") for %s, still %lld ms later",
                st, auth, channel, waited);
        return NULL;
    }
    if (waited > 0)
        rc_fail_should(ctx,
                       "a grant should take effect on the authorizer once answered: it answered "
                       "403 for %lld ms after the grant answered 200",
                       waited);
    int rv = rc_sc_try_subscribe(pc, channel, auth, et, sizeof et);
    if (rv != 1) {
        rc_fail(ctx, "server %s the subscription to %s with a signature given after the grant%s%s",
                rv == 0 ? "refused" : "did not confirm", channel, et[0] ? ": " : "", et);
        return NULL;
    }
    return pc;
}

/* protocol §19.4: no new authorization, and no subscription with an older signature */
static void revoke_refuses_new(rc_ctx *ctx)
{
    const rc_target *t = rc_target_of(ctx);
    char uid_m[UID], old[256], fresh[256], et[64];
    rc_sc_stream s;
    rc_sc_recv rv = {0};
    rc_pconn *pc, *again;
    if (!setup(ctx, &s, uid_m, NULL, 1) || !(pc = rc_pusher_connect(ctx)))
        return;
    int st = rc_sc_authorize(ctx, t->member.token, pc->socket_id, s.channel, old, sizeof old);
    RC_CHECK(ctx, st == 200 && old[0], "a granted member must be authorized for %s, got %d",
             s.channel, st);
    st = set_member(ctx, s.workspace, uid_m, 0);
    RC_CHECK(ctx, st == 200 || st < 0, "revoking %s's access to %s must answer 200, got %d", uid_m,
             s.workspace, st);
    if (st < 0)
        return;
    st = rc_sc_authorize(ctx, t->member.token, pc->socket_id, s.channel, fresh, sizeof fresh);
    RC_CHECK(ctx, st == 403 || st < 0,
             "the authorizer must refuse a revoked member with 403, got %d (auth \"%s\")", st,
             fresh);
    int sub = rc_sc_try_subscribe(pc, s.channel, old, et, sizeof et);
    RC_CHECK(ctx, sub != 1,
             "a signature given before the revocation must no longer subscribe %s, but the "
             "server confirmed the subscription",
             s.channel);
    if (rc_sc_token(ctx, s.stream, "x") < 0 || !rc_sc_expect_silence(ctx, pc, &s, "revoked", 0))
        return;
    /* Granted again, the member is authorized and subscribes as before. */
    st = set_member(ctx, s.workspace, uid_m, 1);
    RC_CHECK(ctx, st == 200 || st < 0, "granting %s access again must answer 200, got %d", uid_m,
             st);
    if (st < 0 || !(again = granted_sub(ctx, s.channel, &t->member)))
        return;
    if (rc_sc_token(ctx, s.stream, "y") >= 0)
        rc_sc_expect(ctx, again, &s, "member granted again", &rv, 1, 0, 2000);
    rc_sc_recv_free(&rv);
}

#define TAGS "needs:control-api needs:authorizer needs:revocation"

const rc_case rc_cases_s19_revoke[] = {
    /* protocol §19.3: a revocation ends every live subscription of the user at once */
    {
        .id = "stream/19.3/revoke-ends-live",
        .section = "19.3",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a revoked member's live subscriptions end; others in the workspace keep theirs",
        .requirement = "Once the revocation has answered, no token of the workspace reaches "
                       "any connection of the revoked user; other members keep receiving. "
                       "Each ended subscription SHOULD get pusher:subscription_error, status "
                       "403.",
        .tags = TAGS,
        .run = revoke_ends_live,
    },
    /* protocol §19.4: no new authorization, and no subscription with an older signature */
    {
        .id = "stream/19.4/revoke-refuses-new",
        .section = "19.4",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a revoked member is refused by the authorizer and by an older signature",
        .requirement = "After the revocation the authorizer answers 403 for the user, a "
                       "signature it gave before no longer subscribes, and a grant gives "
                       "access back.",
        .tags = TAGS,
        .run = revoke_refuses_new,
    },
    {0},
};
