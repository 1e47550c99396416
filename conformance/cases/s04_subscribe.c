/* Pusher profile, sections 4.1, 4.2, 4.4, 4.5: subscribe, private-channel auth,
 * unsubscribe, and the guarantee that a refused socket receives nothing.
 *
 * Every refusal case runs with a correctly subscribed control connection on the same channel,
 * so "the refused socket got nothing" is measured after an event provably went out. */
#include <stdio.h>
#include <string.h>

#include "common.h"

static void run_public(rc_ctx *ctx)
{
    char ch[64], ch2[64], data2[96];
    rc_chan(ctx, "pub-", ch, sizeof ch);
    rc_chan(ctx, "pub-str-", ch2, sizeof ch2);
    rc_pconn *pc = rc_conn(ctx);
    if (!pc)
        return;
    /* pusher-js sends "auth":"" for public channels; it must be ignored. */
    if (!rc_send_subscribe(ctx, pc, ch, "", NULL))
        return;
    const rc_pmsg *m;
    if (!rc_await(ctx, pc, "subscriber", "pusher_internal:subscription_succeeded", ch, &m))
        return;
    /* Reverb sends data "{}", soketi no data at all; both mean "no payload". */
    const cJSON *d = m->data;
    int empty = !d ||
                (cJSON_IsString(d) && m->data_parsed && cJSON_IsObject(m->data_parsed) &&
                 !m->data_parsed->child) ||
                (cJSON_IsObject(d) && !d->child);
    if (!empty) {
        rc_expect_seen(ctx, "data \"{}\" or no data", m->raw);
        rc_fail_should(ctx, "subscription_succeeded for a public channel carries a payload");
    }
    /* data may also be a JSON string holding the object. */
    snprintf(data2, sizeof data2, "\"{\\\"channel\\\":\\\"%s\\\"}\"", ch2);
    if (rc_pusher_send(pc, "pusher:subscribe", NULL, data2) != 0) {
        rc_fail(ctx, "sending pusher:subscribe failed (connection closed)");
        return;
    }
    if (!rc_await(ctx, pc, "subscriber (data as a string)",
                  "pusher_internal:subscription_succeeded", ch2, NULL))
        return;
    const char *data = "{\"hello\":\"public\"}";
    const char *chans[2] = {ch, ch2};
    for (int i = 0; i < 2; i++) {
        if (!rc_publish(ctx, chans[i], "greeting", data))
            return;
        if (!rc_next(ctx, pc, "subscriber", &m) ||
            !rc_check_event(ctx, m, "subscriber", "greeting", chans[i], data))
            return;
    }
}

static void run_resubscribe(rc_ctx *ctx)
{
    char ch[64], path[256];
    rc_chan(ctx, "resub-", ch, sizeof ch);
    rc_pconn *pc = rc_conn(ctx);
    if (!pc)
        return;
    if (!rc_subscribe_expect_ok(ctx, pc, "subscriber", ch, NULL, NULL) ||
        !rc_subscribe_expect_ok(ctx, pc, "subscriber (again)", ch, NULL, NULL))
        return;
    if (!rc_publish_reaches(ctx, pc, "subscriber", ch, "once", "once"))
        return;
    if (!rc_quiet(ctx, pc, "subscriber (second copy)", ch, RC_QUIET_MS))
        return;
    snprintf(path, sizeof path, "/apps/%s/channels/%s", rc_target_of(ctx)->app_id, ch);
    rc_http_resp r = {0};
    if (rc_api(ctx, "GET", path, "info=subscription_count", NULL, &r) != 0)
        return;
    long long n = -1;
    if (!rc_expect_status(ctx, &r, 200, "GET channel")) {
        rc_http_resp_free(&r);
        return;
    }
    if (!rc_json_int(r.json, "subscription_count", &n)) {
        rc_expect_seen(ctx, "subscription_count 1", r.body);
        rc_fail_should(ctx, "GET channel?info=subscription_count gave no subscription_count");
    } else if (n != 1) {
        rc_expect_seen(ctx, "subscription_count 1", r.body);
        rc_fail(ctx, "one connection subscribed twice counts as %lld subscriptions", n);
    }
    rc_http_resp_free(&r);
}

static void run_private_ok(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-ok-", ch, sizeof ch);
    rc_pconn *pc = rc_conn_sub(ctx, ch, NULL);
    if (!pc)
        return;
    rc_publish_reaches(ctx, pc, "subscriber", ch, "private-event", "{\"secret\":true}");
}

enum bad_auth { NO_AUTH, MALFORMED, WRONG_KEY, OTHER_SOCKET, OTHER_CHANNEL, OTHER_SECRET };

/* The refused connection must get a refusal, none of the channel's events, and stay open. */
static void refused(rc_ctx *ctx, enum bad_auth how)
{
    char ch[64], other[64], auth[256];
    rc_chan(ctx, "private-r-", ch, sizeof ch);
    rc_pconn *control = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *pc = control ? rc_conn(ctx) : NULL;
    if (!pc)
        return;
    const char *tries[4] = {NULL};
    size_t ntries = 1;
    char bad[3][256];
    switch (how) {
    case NO_AUTH:
        break;
    case MALFORMED: {
        const char *key = rc_target_of(ctx)->app_key;
        if (!rc_sign_auth(ctx, NULL, NULL, pc->socket_id, ch, NULL, auth, sizeof auth))
            return;
        snprintf(bad[0], sizeof bad[0], "%s:", key);
        snprintf(bad[1], sizeof bad[1], "%s:%s", key,
                 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
        snprintf(bad[2], sizeof bad[2], "%.*s", (int)strlen(auth) - 1, auth);
        tries[0] = "garbage";
        tries[1] = bad[0];
        tries[2] = bad[1];
        tries[3] = bad[2];
        ntries = 4;
        break;
    }
    case WRONG_KEY:
        if (!rc_sign_auth(ctx, "not-the-app-key", NULL, pc->socket_id, ch, NULL, auth, sizeof auth))
            return;
        tries[0] = auth;
        break;
    case OTHER_SOCKET:
        /* Signed for the control connection, which is connected right now. */
        if (!rc_sign_auth(ctx, NULL, NULL, control->socket_id, ch, NULL, auth, sizeof auth))
            return;
        tries[0] = auth;
        break;
    case OTHER_CHANNEL:
        rc_chan(ctx, "private-elsewhere-", other, sizeof other);
        if (!rc_sign_auth(ctx, NULL, NULL, pc->socket_id, other, NULL, auth, sizeof auth))
            return;
        tries[0] = auth;
        break;
    case OTHER_SECRET:
        if (!rc_sign_auth(ctx, NULL, "not-the-app-secret", pc->socket_id, ch, NULL, auth,
                          sizeof auth))
            return;
        tries[0] = auth;
        break;
    }
    for (size_t i = 0; i < ntries; i++) {
        rc_log(ctx, "subscribing with auth %s", tries[i] ? tries[i] : "(none)");
        if (!rc_send_subscribe(ctx, pc, ch, tries[i], NULL) ||
            !rc_await_refusal(ctx, pc, "refused connection", ch))
            return;
    }
    if (!rc_only_control_gets(ctx, ch, control, &pc, 1) ||
        !rc_barrier(ctx, pc, "refused connection", ch))
        return;
    /* The refused connection stays usable for other channels. */
    rc_chan(ctx, "after-refusal-", other, sizeof other);
    rc_subscribe_expect_ok(ctx, pc, "refused connection (another channel)", other, NULL, NULL);
}

static void run_no_auth(rc_ctx *ctx)
{
    refused(ctx, NO_AUTH);
}
static void run_malformed(rc_ctx *ctx)
{
    refused(ctx, MALFORMED);
}
static void run_wrong_key(rc_ctx *ctx)
{
    refused(ctx, WRONG_KEY);
}
static void run_other_socket(rc_ctx *ctx)
{
    refused(ctx, OTHER_SOCKET);
}
static void run_other_channel(rc_ctx *ctx)
{
    refused(ctx, OTHER_CHANNEL);
}
static void run_other_secret(rc_ctx *ctx)
{
    refused(ctx, OTHER_SECRET);
}

static void run_unsubscribe_stops(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "unsub-", ch, sizeof ch);
    rc_pconn *control = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *pc = control ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!pc || !rc_send_unsubscribe(ctx, pc, ch))
        return;
    /* No reply is due: the pong must be the next thing the connection sees. */
    if (!rc_barrier(ctx, pc, "unsubscribed connection", NULL))
        return;
    rc_only_control_gets(ctx, ch, control, &pc, 1);
}

static void run_unsubscribe_unknown(rc_ctx *ctx)
{
    char keep[64], drop[64], never[64];
    rc_chan(ctx, "keep-", keep, sizeof keep);
    rc_chan(ctx, "drop-", drop, sizeof drop);
    rc_chan(ctx, "never-", never, sizeof never);
    rc_pconn *pc = rc_conn(ctx);
    if (!pc || !rc_subscribe_expect_ok(ctx, pc, "subscriber", keep, NULL, NULL) ||
        !rc_subscribe_expect_ok(ctx, pc, "subscriber", drop, NULL, NULL))
        return;
    if (!rc_send_unsubscribe(ctx, pc, never) ||
        !rc_barrier(ctx, pc, "after unsubscribing an unknown channel", NULL))
        return;
    if (!rc_send_unsubscribe(ctx, pc, drop) ||
        !rc_barrier(ctx, pc, "after unsubscribing a channel", NULL))
        return;
    /* Published in this order, so a leak on drop would arrive before the event on keep. */
    if (!rc_publish(ctx, drop, "dropped", "x") || !rc_publish(ctx, keep, "kept", "y"))
        return;
    const rc_pmsg *m;
    if (!rc_next(ctx, pc, "subscriber", &m))
        return;
    if (m->channel && strcmp(m->channel, drop) == 0) {
        rc_expect_seen(ctx, "nothing on the unsubscribed channel", m->raw);
        rc_fail(ctx, "an event on the unsubscribed channel %s was delivered", drop);
        return;
    }
    rc_check_event(ctx, m, "subscriber", "kept", keep, "y");
}

static void run_refused_not_counted(rc_ctx *ctx)
{
    char ch[64], path[256];
    rc_chan(ctx, "private-count-", ch, sizeof ch);
    rc_pconn *control = rc_conn_sub(ctx, ch, NULL);
    char earlier[64];
    rc_chan(ctx, "earlier-", earlier, sizeof earlier);
    rc_pconn *a = control ? rc_conn_sub(ctx, earlier, NULL) : NULL;
    rc_pconn *b = a ? rc_conn(ctx) : NULL;
    if (!b)
        return;
    char auth[256];
    if (!rc_sign_auth(ctx, NULL, NULL, control->socket_id, ch, NULL, auth, sizeof auth))
        return;
    if (!rc_send_subscribe(ctx, a, ch, NULL, NULL) ||
        !rc_await_refusal(ctx, a, "connection without auth", ch) ||
        !rc_send_subscribe(ctx, b, ch, auth, NULL) ||
        !rc_await_refusal(ctx, b, "connection with another socket's auth", ch))
        return;
    snprintf(path, sizeof path, "/apps/%s/channels/%s", rc_target_of(ctx)->app_id, ch);
    rc_http_resp r = {0};
    if (rc_api(ctx, "GET", path, "info=subscription_count", NULL, &r) != 0)
        return;
    long long n = -1;
    if (rc_expect_status(ctx, &r, 200, "GET channel")) {
        if (!rc_json_int(r.json, "subscription_count", &n)) {
            rc_expect_seen(ctx, "subscription_count 1", r.body);
            rc_fail_should(ctx, "GET channel?info=subscription_count gave no subscription_count");
        } else if (n != 1) {
            rc_expect_seen(ctx, "subscription_count 1", r.body);
            rc_fail(ctx, "refused subscriptions are counted: subscription_count %lld", n);
        }
    }
    rc_http_resp_free(&r);
    if (!rc_ok(ctx))
        return;
    rc_pconn *victims[2] = {a, b};
    if (!rc_only_control_gets(ctx, ch, control, victims, 2))
        return;
    /* The refusal did not undo a's earlier subscription. */
    rc_publish_reaches(ctx, a, "refused connection (earlier channel)", earlier, "still-here", "z");
}

#define REFUSAL_REQ(what)                                                                          \
    "A private-channel subscription " what " is refused (pusher:subscription_error or "            \
    "pusher:error 4009), the connection stays open and can subscribe to other channels, and "      \
    "it receives none of the channel's events."

const rc_case rc_cases_s04_subscribe[] = {
    /* protocol §4.1: public subscribe -> subscription_succeeded, then events */
    {
        .id = "pusher/4.1/public-subscribe",
        .section = "4.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "public subscribe -> subscription_succeeded, then events",
        .requirement =
            "Subscribing to a public channel (data as an object, \"auth\":\"\" ignored, or data as "
            "a "
            "JSON string) yields pusher_internal:subscription_succeeded naming the channel (data "
            "\"{}\" or none), after which the channel's events are delivered.",
        .tags = "needs:http-api",
        .run = run_public,
    },
    /* protocol §4.1: subscribing twice yields one subscription */
    {
        .id = "pusher/4.1/resubscribe",
        .section = "4.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "subscribing twice yields one subscription",
        .requirement =
            "Re-subscribing an already subscribed channel answers subscription_succeeded again and "
            "leaves one subscription: each event is delivered once and counted once.",
        .tags = "needs:http-api",
        .run = run_resubscribe,
    },
    /* protocol §4.2: private subscribe with a correct signature succeeds */
    {
        .id = "pusher/4.2/private-signed-accepted",
        .section = "4.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "private subscribe with a correct signature succeeds",
        .requirement = "A private-channel subscription whose auth is key:HMAC-SHA256(secret, "
                       "socket_id:channel) succeeds and receives the channel's events.",
        .tags = "needs:http-api",
        .run = run_private_ok,
    },
    /* protocol §4.2: private subscribe without auth is refused */
    {
        .id = "pusher/4.2/private-no-auth-refused",
        .section = "4.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "private subscribe without auth is refused",
        .requirement = REFUSAL_REQ("without auth"),
        .tags = "needs:http-api",
        .run = run_no_auth,
    },
    /* protocol §4.2: private subscribe with malformed auth is refused */
    {
        .id = "pusher/4.2/private-malformed-auth-refused",
        .section = "4.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "private subscribe with malformed auth is refused",
        .requirement = REFUSAL_REQ("whose auth is not key:64-hex-digits"),
        .tags = "needs:http-api",
        .run = run_malformed,
    },
    /* protocol §4.2: private subscribe with a correct HMAC under another key is refused */
    {
        .id = "pusher/4.2/private-wrong-key-refused",
        .section = "4.2",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "private subscribe with a correct HMAC under another key is refused",
        .requirement =
            REFUSAL_REQ("whose auth carries another key before the ':' (Reverb ignores the key)"),
        .tags = "needs:http-api",
        .run = run_wrong_key,
    },
    /* protocol §4.2: a signature made for another connected socket is refused */
    {
        .id = "pusher/4.2/private-other-socket-refused",
        .section = "4.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a signature made for another connected socket is refused",
        .requirement = REFUSAL_REQ("with a signature made for another connected socket_id"),
        .tags = "needs:http-api",
        .run = run_other_socket,
    },
    /* protocol §4.2: a signature made for another channel is refused */
    {
        .id = "pusher/4.2/private-other-channel-refused",
        .section = "4.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a signature made for another channel is refused",
        .requirement = REFUSAL_REQ("with a signature made for another channel"),
        .tags = "needs:http-api",
        .run = run_other_channel,
    },
    /* protocol §4.2: a signature made with another secret is refused */
    {
        .id = "pusher/4.2/private-other-secret-refused",
        .section = "4.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a signature made with another secret is refused",
        .requirement = REFUSAL_REQ("with a signature made with a secret other than the app's"),
        .tags = "needs:http-api",
        .run = run_other_secret,
    },
    /* protocol §4.4: unsubscribe gets no reply and stops delivery at once */
    {
        .id = "pusher/4.4/unsubscribe-stops-delivery",
        .section = "4.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "unsubscribe gets no reply and stops delivery at once",
        .requirement =
            "pusher:unsubscribe has no reply, and once processed the connection receives no more "
            "events of that channel.",
        .tags = "needs:http-api",
        .run = run_unsubscribe_stops,
    },
    /* protocol §4.4: unsubscribing an unknown channel is ignored */
    {
        .id = "pusher/4.4/unsubscribe-unknown-ignored",
        .section = "4.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "unsubscribing an unknown channel is ignored",
        .requirement = "Unsubscribing from a channel the connection is not subscribed to is "
                       "ignored: no error, and the connection's other subscriptions keep working; "
                       "unsubscribing one channel stops only that channel.",
        .tags = "needs:http-api",
        .run = run_unsubscribe_unknown,
    },
    /* protocol §4.5: refused sockets are neither counted nor served */
    {
        .id = "pusher/4.5/refused-not-subscribed",
        .section = "4.5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "refused sockets are neither counted nor served",
        .requirement =
            "A refused socket is not subscribed: it is not counted in subscription_count and "
            "receives "
            "none of the channel's events; an earlier subscription to another channel survives.",
        .tags = "needs:http-api",
        .run = run_refused_not_counted,
    },
    {0},
};
