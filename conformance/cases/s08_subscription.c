/* Stream profile, section 8.2: the server's check of stream-channel subscriptions: only a
 * valid signature for this socket and this exact channel subscribes, and a refused socket
 * receives none of the channel's events. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto/sign.h"
#include "stream_common.h"

static void member_receives(rc_ctx *ctx)
{
    static const char *const toks[6] = {"The", " quick", " brown", " fox", " jumps", "."};
    rc_sc_stream s;
    rc_sc_recv r = {0};
    rc_pconn *pc = rc_sc_start_sub(ctx, &s);
    if (!pc || !rc_sc_send_each(ctx, s.stream, toks, 6))
        return;
    if (rc_sc_expect(ctx, pc, &s, "member", &r, 6, 0, 3000))
        rc_sc_check_seqs(ctx, "member", &r, 1, 6, toks);
    rc_sc_recv_free(&r);
}

/* Starts a stream with a legitimate member subscriber, lets `attempt` try to get an outsider
 * connection subscribed (it must be refused), sends tokens and checks the member receives them
 * while the outsider receives none. */
typedef int (*attempt_fn)(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *member, rc_pconn *outsider);

static void refused_gets_nothing(rc_ctx *ctx, attempt_fn attempt)
{
    static const char *const toks[3] = {"secret-1", "secret-2", "secret-3"};
    rc_sc_stream s;
    rc_sc_recv r = {0};
    rc_pconn *m = rc_sc_start_sub(ctx, &s);
    rc_pconn *o = m ? rc_pusher_connect(ctx) : NULL;
    if (!o || !attempt(ctx, &s, m, o) || !rc_sc_send_each(ctx, s.stream, toks, 3))
        return;
    if (rc_sc_expect(ctx, m, &s, "member", &r, 3, 0, 3000) &&
        rc_sc_check_seqs(ctx, "member", &r, 1, 3, toks))
        rc_sc_expect_silence(ctx, o, &s, "the refused connection", 0);
    rc_sc_recv_free(&r);
}

static int refused(rc_ctx *ctx, rc_pconn *o, const char *channel, const char *auth,
                   const char *label)
{
    char et[64];
    int rv = rc_sc_try_subscribe(o, channel, auth, et, sizeof et);
    if (rv == 1) {
        rc_fail(ctx, "subscription with %s was accepted", label);
        return 0;
    }
    if (rv < 0) {
        rc_fail(ctx, "subscription with %s got no pusher:subscription_error", label);
        return 0;
    }
    if (strcmp(et, "AuthError") != 0)
        rc_fail_should(ctx,
                       "refusal of a subscription with %s should have type AuthError, got "
                       "\"%s\"",
                       label, et);
    return 1;
}

static int try_no_auth(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *m, rc_pconn *o)
{
    char bad[200];
    (void)m;
    snprintf(bad, sizeof bad, "%s:%s", rc_target_of(ctx)->app_key, "not-a-signature");
    return refused(ctx, o, s->channel, NULL, "no auth") &&
           refused(ctx, o, s->channel, "", "an empty auth") &&
           refused(ctx, o, s->channel, bad, "a malformed auth");
}

static int try_other_socket(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *m, rc_pconn *o)
{
    char auth[256];
    int st = rc_sc_authorize(ctx, rc_target_of(ctx)->member.token, m->socket_id, s->channel, auth,
                             sizeof auth);
    if (st != 200) {
        rc_fail(ctx, "authorizer answered %d to a member", st);
        return 0;
    }
    return refused(ctx, o, s->channel, auth, "the signature the authorizer gave another socket");
}

static int try_other_thread(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *m, rc_pconn *o)
{
    rc_sc_stream s2;
    char auth[256];
    int st;
    (void)m;
    rc_sc_new(ctx, &s2);
    st = rc_sc_authorize(ctx, rc_target_of(ctx)->member.token, o->socket_id, s2.channel, auth,
                         sizeof auth);
    if (st != 200) {
        rc_fail(ctx, "authorizer answered %d to a member", st);
        return 0;
    }
    return refused(ctx, o, s->channel, auth, "a signature for another thread's channel");
}

static int try_non_member(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *m, rc_pconn *o)
{
    const rc_target *t = rc_target_of(ctx);
    char auth[256], own[RC_SC_CHAN];
    int st;
    (void)m;
    st = rc_sc_authorize(ctx, t->other.token, o->socket_id, s->channel, auth, sizeof auth);
    if (st != 403) {
        rc_fail(ctx, "authorizer answered %d (auth \"%s\") to a non-member, expected 403", st,
                auth);
        return 0;
    }
    /* The non-member's own workspace, same thread id: a genuine signature, wrong channel. */
    snprintf(own, sizeof own, "private-workspace.%s.thread.%s", t->other.workspace, s->thread);
    st = rc_sc_authorize(ctx, t->other.token, o->socket_id, own, auth, sizeof auth);
    if (st != 200) {
        rc_fail(ctx, "authorizer answered %d to a user for its own workspace", st);
        return 0;
    }
    return refused(ctx, o, s->channel, NULL, "no auth (non-member)") &&
           refused(ctx, o, s->channel, auth, "the non-member's signature for its own workspace");
}

static int try_wrong_key(rc_ctx *ctx, const rc_sc_stream *s, rc_pconn *m, rc_pconn *o)
{
    const rc_target *t = rc_target_of(ctx);
    char auth[256], sig[256];
    const char *colon;
    (void)m;
    rh_sign_channel(t->app_key, "not-the-app-secret", o->socket_id, s->channel, NULL, auth,
                    sizeof auth);
    if (!refused(ctx, o, s->channel, auth, "a signature made with another secret"))
        return 0;
    rh_sign_channel(t->app_key, t->app_secret, o->socket_id, s->channel, NULL, sig, sizeof sig);
    colon = strchr(sig, ':');
    snprintf(auth, sizeof auth, "other-key%s", colon ? colon : ":");
    return refused(ctx, o, s->channel, auth, "a valid signature under another key");
}

static void no_auth(rc_ctx *ctx)
{
    refused_gets_nothing(ctx, try_no_auth);
}
static void other_socket(rc_ctx *ctx)
{
    refused_gets_nothing(ctx, try_other_socket);
}
static void other_thread(rc_ctx *ctx)
{
    refused_gets_nothing(ctx, try_other_thread);
}
static void non_member_nothing(rc_ctx *ctx)
{
    refused_gets_nothing(ctx, try_non_member);
}
static void wrong_key(rc_ctx *ctx)
{
    refused_gets_nothing(ctx, try_wrong_key);
}

#define AUTHZ "needs:authorizer"
#define BOTH  "needs:control-api needs:authorizer"

const rc_case rc_cases_s08_subscription[] = {
    /* protocol §8.2: a member subscribed via the authorizer receives the stream's tokens */
    {
        .id = "stream/8.2/member-receives",
        .section = "8.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a member subscribed via the authorizer receives the stream's tokens",
        .requirement = "A member subscribed with the authorizer's signature for its socket and the "
                       "exact channel receives every token of the thread's stream.",
        .tags = BOTH,
        .run = member_receives,
    },
    /* protocol §8.2: missing, empty or malformed auth is refused and receives nothing */
    {
        .id = "stream/8.2/no-auth-refused",
        .section = "8.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "missing, empty or malformed auth is refused and receives nothing",
        .requirement =
            "The server refuses a subscription whose signature is missing or malformed; a refused "
            "socket receives none of the channel's events.",
        .tags = BOTH,
        .run = no_auth,
    },
    /* protocol §8.2: the signature given to another socket is refused and receives nothing */
    {
        .id = "stream/8.2/other-socket-signature",
        .section = "8.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "the signature given to another socket is refused and receives nothing",
        .requirement = "A subscriber may join only with a valid signature for its own socket; a "
                       "signature made for another socket is refused and the refused socket "
                       "receives none of the channel's events.",
        .tags = BOTH,
        .run = other_socket,
    },
    /* protocol §8.2: a signature for another thread's channel is refused and receives nothing */
    {
        .id = "stream/8.2/other-thread-signature",
        .section = "8.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a signature for another thread's channel is refused and receives nothing",
        .requirement =
            "A subscriber may join only with a valid signature for that exact channel; a signature "
            "for "
            "another channel is refused and the refused socket receives none of its events.",
        .tags = BOTH,
        .run = other_thread,
    },
    /* protocol §8.2: a non-member gets no signature and no tokens */
    {
        .id = "stream/8.2/non-member-gets-nothing",
        .section = "8.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a non-member gets no signature and no tokens",
        .requirement = "The authorizer refuses a non-member (403); whatever the non-member then "
                       "sends (no auth, its own workspace's signature) is refused and it receives "
                       "none of the stream's tokens.",
        .tags = BOTH,
        .run = non_member_nothing,
    },
    /* protocol §8.2: signatures made with another key or secret are refused */
    {
        .id = "stream/8.2/wrong-key-or-secret",
        .section = "8.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "signatures made with another key or secret are refused",
        .requirement = "The server refuses a subscription whose signature was made with another "
                       "key or secret; the refused socket receives none of the channel's events.",
        .tags = BOTH,
        .run = wrong_key,
    },
    {0},
};
