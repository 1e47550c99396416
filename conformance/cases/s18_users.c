/* Pusher profile, section 18: user authentication. A connection signs in with pusher:signin
 * (user_data signed as "{socket_id}::user::{user_data}", 18.1); events on
 * #server-to-user-{id} reach every connection signed in as that user and no other (18.2);
 * terminate_connections closes exactly that user's connections (18.3). Optional
 * (needs:user-auth): a server that answers a valid signin with nothing within 2 s, or with
 * 4200 (an unknown pusher: event), is UNSUPPORTED. The suite signs user_data itself with the
 * app's secret, as the application's user-authentication endpoint would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"
#include "proto/message.h"
#include "proto/sign.h"

#define UD_MAX 256

/* Sends pusher:signin with user_data ud (bad: a signature for another socket). */
static int send_signin_ud(rc_ctx *ctx, rc_pconn *pc, const char *ud, int bad)
{
    const rc_target *t = rc_target_of(ctx);
    char auth[160], data[2 * UD_MAX + 200];
    if (rh_sign_user(t->app_key, t->app_secret, bad ? "1.1" : pc->socket_id, ud, auth,
                     sizeof auth) != 0) {
        rc_error(ctx, "signing user_data failed");
        return 0;
    }
    char *q = rh_json_quote(ud, strlen(ud));
    if (!q) {
        rc_error(ctx, "out of memory");
        return 0;
    }
    snprintf(data, sizeof data, "{\"auth\":\"%s\",\"user_data\":%s}", auth, q);
    free(q);
    return rc_pusher_send(pc, "pusher:signin", NULL, data) == 0;
}

/* Sends pusher:signin for user id (bad: a signature for another socket). */
static int send_signin(rc_ctx *ctx, rc_pconn *pc, const char *id, int bad)
{
    char ud[UD_MAX];
    snprintf(ud, sizeof ud, "{\"id\":\"%s\",\"user_info\":{\"name\":\"rc\"}}", id);
    return send_signin_ud(ctx, pc, ud, bad);
}

/* Connects and signs in as id (with user_data ud when not NULL): the connection, or NULL after a
 * report (UNSUPPORTED when the server shows it has no user authentication). */
static rc_pconn *signed_in_ud(rc_ctx *ctx, const char *id, const char *ud)
{
    rc_pconn *pc = rc_pusher_connect(ctx);
    const rc_pmsg *m;
    if (!pc || !(ud ? send_signin_ud(ctx, pc, ud, 0) : send_signin(ctx, pc, id, 0)))
        return NULL;
    for (;;) {
        int rv = rc_pusher_next(pc, 2000, &m);
        long long code = 0;
        if (rv == 0) {
            rc_unsupported(ctx, "no answer to pusher:signin within 2 s: no user authentication");
            return NULL;
        }
        if (rv < 0) {
            rc_fail(ctx, "the connection closed (code %d) after a correctly signed pusher:signin",
                    rc_ws_close_code(pc->ws));
            return NULL;
        }
        if (!m->event)
            continue;
        if (strcmp(m->event, "pusher:signin_success") == 0)
            return pc;
        if (strcmp(m->event, "pusher:error") == 0 && rc_error_code(m, &code) && code == 4200) {
            rc_unsupported(ctx, "pusher:signin answered 4200 (unknown event): no user "
                                "authentication");
            return NULL;
        }
        if (strcmp(m->event, "pusher:error") == 0) {
            rc_expect_seen(ctx, "pusher:signin_success", m->raw);
            rc_fail(ctx, "a correctly signed pusher:signin was refused: %.200s", m->raw);
            return NULL;
        }
    }
}

static rc_pconn *signed_in(rc_ctx *ctx, const char *id)
{
    return signed_in_ud(ctx, id, NULL);
}

/* protocol §18.1: signin_success for a good signature, 4009 for a bad one */
static void signin(rc_ctx *ctx)
{
    char id[16], rnd[13];
    rc_random_id(ctx, rnd);
    snprintf(id, sizeof id, "u%.12s", rnd);
    rc_pconn *ok = signed_in(ctx, id), *bad;
    const rc_pmsg *m;
    if (!ok || !(bad = rc_pusher_connect(ctx)) || !send_signin(ctx, bad, id, 1))
        return;
    long long code = 0;
    int rv;
    while ((rv = rc_pusher_next(bad, 2000, &m)) == 1 &&
           !(m->event && (strcmp(m->event, "pusher:error") == 0 ||
                          strcmp(m->event, "pusher:signin_success") == 0)))
        ;
    if (rv == 1 && strcmp(m->event, "pusher:signin_success") == 0)
        rc_fail(ctx, "pusher:signin with a signature for another socket was accepted");
    else if (rv == 1 && !(rc_error_code(m, &code) && code == 4009))
        rc_fail_should(ctx, "a refused signin should be pusher:error 4009: %.200s", m->raw);
    else if (rv == 0)
        rc_fail_should(ctx, "a refused signin should be answered with pusher:error 4009");
}

/* Publishes ev to #server-to-user-id. 1 ok. */
static int to_user(rc_ctx *ctx, const char *id, const char *ev)
{
    char ch[64];
    snprintf(ch, sizeof ch, "#server-to-user-%s", id);
    return rc_publish(ctx, ch, ev, "{\"x\":1}");
}

/* protocol §18.2: #server-to-user-{id} reaches every connection of id and no other */
static void server_to_user(rc_ctx *ctx)
{
    char a[16], b[16], rnd[13];
    rc_random_id(ctx, rnd);
    snprintf(a, sizeof a, "a%.12s", rnd);
    snprintf(b, sizeof b, "b%.12s", rnd);
    rc_pconn *a1 = signed_in(ctx, a), *a2, *b1, *anon;
    if (!a1 || !(a2 = signed_in(ctx, a)) || !(b1 = signed_in(ctx, b)) ||
        !(anon = rc_pusher_connect(ctx)) || !to_user(ctx, a, "to-a"))
        return;
    if (!rc_await(ctx, a1, "user's 1st connection", "to-a", NULL, NULL) ||
        !rc_await(ctx, a2, "user's 2nd connection", "to-a", NULL, NULL))
        return;
    if (rc_quiet(ctx, b1, "another signed-in user", NULL, 300))
        rc_quiet(ctx, anon, "a connection that never signed in", NULL, 50);
}

/* protocol §18.3: terminate_connections closes exactly the user's connections */
static void terminate(rc_ctx *ctx)
{
    char a[16], b[16], rnd[13], suffix[64];
    rc_random_id(ctx, rnd);
    snprintf(a, sizeof a, "a%.12s", rnd);
    snprintf(b, sizeof b, "b%.12s", rnd);
    rc_pconn *a1 = signed_in(ctx, a), *a2, *b1;
    if (!a1 || !(a2 = signed_in(ctx, a)) || !(b1 = signed_in(ctx, b)))
        return;
    snprintf(suffix, sizeof suffix, "/users/%s/terminate_connections", a);
    if (!rc_post_app(ctx, suffix, "{}"))
        return;
    rc_pconn *mine[2] = {a1, a2};
    for (int i = 0; i < 2; i++) {
        const rc_pmsg *m;
        int rv;
        while ((rv = rc_pusher_next(mine[i], 2000, &m)) == 1)
            ;
        RC_CHECK(ctx, rv < 0,
                 "the user's connection %d was still open 2 s after "
                 "terminate_connections",
                 i + 1);
    }
    rc_sync(ctx, b1, "another user's connection");
}

#define WATCH_EV "pusher_internal:watchlist_events"

/* 1 when m is a watchlist_events message with an event called name listing id. */
static int watch_lists(const rc_pmsg *m, const char *name, const char *id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(rc_payload(m), "events"))
    {
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(e, "user_ids"), *v;
        const char *n = rc_json_str(e, "name");
        if (!n || strcmp(n, name) != 0)
            continue;
        cJSON_ArrayForEach(v,
                           ids) if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0) return 1;
    }
    return 0;
}

/* Reads pc for up to 2 s until a watchlist event name listing id: 1 seen; 0 timeout (*any
 * set when some watchlist_events message came), -1 closed. */
static int await_watch(rc_pconn *pc, const char *name, const char *id, int *any)
{
    const rc_pmsg *m;
    int rv;
    while ((rv = rc_pusher_wait(pc, WATCH_EV, NULL, 2000, &m)) == 1) {
        *any = 1;
        if (watch_lists(m, name, id))
            return 1;
    }
    return rv;
}

/* protocol §18.5: online when a watched user signs in, at sign-in for one already online,
 * offline when its last connection goes */
static void watchlist(rc_ctx *ctx)
{
    char a[16], b[16], rnd[13], ud[UD_MAX];
    int any = 0;
    rc_random_id(ctx, rnd);
    snprintf(a, sizeof a, "w%.12s", rnd);
    snprintf(b, sizeof b, "x%.12s", rnd);
    snprintf(ud, sizeof ud, "{\"id\":\"%s\",\"watchlist\":[\"%s\"]}", a, b);
    rc_pconn *a1 = signed_in_ud(ctx, a, ud), *a2, *b1;
    if (!a1 || !(b1 = signed_in(ctx, b)))
        return;
    int rv = await_watch(a1, "online", b, &any);
    if (rv == 0 && !any) {
        rc_unsupported(ctx, "no " WATCH_EV " within 2 s after a watched user signed in: "
                            "no watchlist events");
        return;
    }
    RC_CHECK(ctx, rv == 1,
             "expected " WATCH_EV " {\"name\":\"online\",\"user_ids\":[\"%s\"]} after the "
             "watched user signed in; seen %s",
             b, rv < 0 ? "the connection close" : "other watchlist events only");
    if (!(a2 = signed_in_ud(ctx, a, ud)))
        return;
    RC_CHECK(ctx, await_watch(a2, "online", b, &any) == 1,
             "expected, right after sign-in, " WATCH_EV " listing the watched user %s (online "
             "now) under \"online\"; seen none within 2 s",
             b);
    rc_pusher_close(b1);
    RC_CHECK(ctx, await_watch(a1, "offline", b, &any) == 1,
             "expected " WATCH_EV " {\"name\":\"offline\",\"user_ids\":[\"%s\"]} within 2 s "
             "after the watched user's only connection closed; seen none",
             b);
}

#define TAGS "needs:http-api needs:user-auth"

const rc_case rc_cases_s18_users[] = {
    /* protocol §18.1: signin_success for a good signature, 4009 for a bad one */
    {
        .id = "pusher/18.1/signin",
        .section = "18.1",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "pusher:signin: success for a valid signature, refused for another socket's",
        .requirement = "A pusher:signin whose auth signs \"{socket_id}::user::{user_data}\" is "
                       "answered pusher:signin_success; one signed for another socket is "
                       "refused (SHOULD: pusher:error 4009).",
        .tags = "needs:user-auth",
        .run = signin,
    },
    /* protocol §18.2: #server-to-user-{id} reaches every connection of id and no other */
    {
        .id = "pusher/18.2/server-to-user",
        .section = "18.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "an event on #server-to-user-{id} reaches each connection of that user only",
        .requirement = "An HTTP API event on #server-to-user-{id} is delivered to every "
                       "connection signed in as id, and to no other connection.",
        .tags = TAGS,
        .run = server_to_user,
    },
    /* protocol §18.3: terminate_connections closes exactly the user's connections */
    {
        .id = "pusher/18.3/terminate-connections",
        .section = "18.3",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "terminate_connections closes every connection of the user and no other",
        .requirement = "POST /apps/{id}/users/{user_id}/terminate_connections answers 200 and "
                       "closes every connection signed in as user_id; others stay open.",
        .tags = TAGS,
        .run = terminate,
    },
    /* protocol §18.5: watchlist online/offline events */
    {
        .id = "pusher/18.5/watchlist",
        .section = "18.5",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "watchlist events: online on sign-in and at once, offline when the user goes",
        .requirement = "A connection signed in with user_data.watchlist gets "
                       "pusher_internal:watchlist_events: \"online\" listing a watched user "
                       "when it signs in (and at sign-in for one online already), "
                       "\"offline\" when that user's last connection goes.",
        .tags = "needs:user-auth",
        .run = watchlist,
    },
    {0},
};
