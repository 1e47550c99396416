/* Pusher profile, section 20.2 and 20.3: each webhook type with its fields, and the
 * signature. Every case names fresh channels and looks only for webhooks about them, so the
 * receiver may be shared with any other case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "proto/sign.h"
#include "webhook_common.h"

/* One subscriber on a fresh channel named from prefix, then the webhook name about it. */
static void expect_on_subscribe(rc_ctx *ctx, const char *prefix, const char *name)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64];
    rc_chan(ctx, prefix, ch, sizeof ch);
    if (!rc_conn_sub(ctx, ch, NULL))
        return;
    rc_wh_expect(ctx, from, name, ch, NULL, rc_wh_due_ms(ctx), NULL, NULL);
}

/* protocol §20.2: channel_occupied {name, channel} at the first subscriber */
static void run_occupied(rc_ctx *ctx)
{
    expect_on_subscribe(ctx, "wh-occ-", "channel_occupied");
}

/* protocol §20.2: channel_vacated {name, channel} after the last subscriber left */
static void run_vacated(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64];
    rc_chan(ctx, "wh-vac-", ch, sizeof ch);
    int wait = rc_wh_delay_ms(ctx) + rc_wh_due_ms(ctx);
    if (!rc_allow_wait(ctx, wait, "the webhook delay"))
        return;
    rc_pconn *pc = rc_conn_sub(ctx, ch, NULL);
    if (!pc || !rc_send_unsubscribe(ctx, pc, ch) || !rc_sync(ctx, pc, "subscriber"))
        return;
    rc_wh_expect(ctx, from, "channel_vacated", ch, NULL, wait, NULL, NULL);
}

/* protocol §20.2: cache_miss {name, channel} when a subscriber joins a cache channel with
 * nothing kept (a fresh name keeps nothing) */
static void run_cache_miss(rc_ctx *ctx)
{
    expect_on_subscribe(ctx, "cache-wh-miss-", "cache_miss");
}

/* protocol §20.2: subscription_count {name, channel, subscription_count} when a counted
 * channel's count changes: a fresh channel's first subscriber makes it 1 */
static void run_subscription_count(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64];
    rc_chan(ctx, "wh-count-", ch, sizeof ch);
    rc_pconn *pc = rc_conn_sub_counted(ctx, "subscriber", ch, NULL);
    if (!pc)
        return;
    const rc_pmsg *m = NULL;
    if (rc_target_of(ctx)->server.caps[RC_CAP_SUBSCRIPTION_COUNT] != RC_CAP_YES &&
        rc_pusher_wait(pc, "pusher_internal:subscription_count", ch, RC_WAIT_MS, &m) != 1) {
        rc_unsupported(ctx,
                       "no pusher_internal:subscription_count on %s: the server does not "
                       "count subscriptions (21), so it has no such webhook to send",
                       ch);
        return;
    }
    cJSON *ev = NULL;
    if (!rc_wh_expect(ctx, from, "subscription_count", ch, NULL, rc_wh_due_ms(ctx), &ev, NULL))
        return;
    long long n = -1;
    if (!rc_json_int(ev, "subscription_count", &n) || n != 1) {
        char *seen = cJSON_PrintUnformatted(ev);
        rc_fail(ctx, "expected subscription_count 1 for a channel with one subscriber, seen %s",
                seen ? seen : "(unprintable)");
        cJSON_free(seen);
    }
    cJSON_Delete(ev);
}

/* The user_id of ev must be want (a string, 20.2.2). */
static void check_user(rc_ctx *ctx, const cJSON *ev, const char *want, const char *what)
{
    const char *u = rc_json_str(ev, "user_id");
    if (!u || strcmp(u, want) != 0) {
        char *seen = cJSON_PrintUnformatted(ev);
        rc_expect_seen(ctx, want, seen ? seen : "?");
        rc_fail(ctx, "%s webhook: user_id is not \"%s\"", what, want);
        free(seen);
    }
}

/* A presence subscriber of a fresh channel as a fresh user; NULL after rc_error/rc_fail. */
static rc_pconn *presence_member(rc_ctx *ctx, char *ch, size_t chlen, char *user, size_t ulen)
{
    rc_chan(ctx, "presence-wh-", ch, chlen);
    char *data = rc_presence_user(ctx, "Webhook", user, ulen);
    if (!data)
        return NULL;
    rc_pconn *pc = rc_conn_sub(ctx, ch, data);
    free(data);
    return pc;
}

/* Finds name for ch, any user_id, and checks the user_id: the fault that blanks it must make
 * the case fail rather than time out on a filter. */
static void expect_member(rc_ctx *ctx, size_t from, const char *name, const char *ch,
                          const char *user, int ms)
{
    cJSON *ev = NULL;
    if (rc_wh_expect(ctx, from, name, ch, NULL, ms, &ev, NULL))
        check_user(ctx, ev, user, name);
    cJSON_Delete(ev);
}

/* protocol §20.2: member_added {name, channel, user_id} at the user's first connection */
static void run_member_added(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64], user[32];
    if (!presence_member(ctx, ch, sizeof ch, user, sizeof user))
        return;
    expect_member(ctx, from, "member_added", ch, user, rc_wh_due_ms(ctx));
}

/* protocol §20.2: member_removed {name, channel, user_id} after the user's last connection */
static void run_member_removed(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64], user[32];
    int wait = rc_wh_delay_ms(ctx) + rc_wh_due_ms(ctx);
    if (!rc_allow_wait(ctx, wait, "the webhook delay"))
        return;
    rc_pconn *pc = presence_member(ctx, ch, sizeof ch, user, sizeof user);
    if (!pc || !rc_send_unsubscribe(ctx, pc, ch) || !rc_sync(ctx, pc, "member"))
        return;
    expect_member(ctx, from, "member_removed", ch, user, wait);
}

/* protocol §20.2: client_event {name, channel, event, data, socket_id} */
static void run_client_event(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64], data[64], quoted[80];
    rc_chan(ctx, "private-wh-ce-", ch, sizeof ch);
    rc_pconn *tx = rc_conn_sub(ctx, ch, NULL), *rx = tx ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!rx)
        return;
    snprintf(data, sizeof data, "typing-%s", ch + strlen(ch) - 12);
    snprintf(quoted, sizeof quoted, "\"%s\"", data);
    RC_TRY(ctx, rc_pusher_send(tx, "client-typing", ch, quoted) == 0, "send failed");
    if (!rc_await(ctx, rx, "receiver", "client-typing", ch, NULL))
        return;
    cJSON *ev = NULL;
    if (!rc_wh_expect(ctx, from, "client_event", ch, NULL, rc_wh_due_ms(ctx), &ev, NULL))
        return;
    const char *e = rc_json_str(ev, "event"), *d = rc_json_str(ev, "data");
    const char *s = rc_json_str(ev, "socket_id");
    char *seen = cJSON_PrintUnformatted(ev);
    if (!e || strcmp(e, "client-typing") || !d || strcmp(d, data) || !s ||
        strcmp(s, tx->socket_id)) {
        char exp[256];
        snprintf(exp, sizeof exp,
                 "{\"name\":\"client_event\",\"channel\":\"%s\",\"event\":\"client-typing\","
                 "\"data\":\"%s\",\"socket_id\":\"%s\"}",
                 ch, data, tx->socket_id);
        rc_expect_seen(ctx, exp, seen ? seen : "?");
        rc_fail(ctx, "client_event webhook: event, data or socket_id is not what was sent");
    }
    free(seen);
    cJSON_Delete(ev);
}

/* protocol §20.3: X-Pusher-Key and X-Pusher-Signature = hex HMAC-SHA256(secret, body) */
static void run_signature(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    const rc_target *t = rc_target_of(ctx);
    size_t from = rc_whrecv_count(r);
    char ch[64];
    rc_chan(ctx, "wh-sig-", ch, sizeof ch);
    if (!rc_conn_sub(ctx, ch, NULL))
        return;
    rc_whpost p;
    if (!rc_wh_expect(ctx, from, "channel_occupied", ch, NULL, rc_wh_due_ms(ctx), NULL, &p))
        return;
    char want[RH_SIGN_HEX];
    rh_sign_hmac_hex(t->app_secret, p.body, p.body_len, want);
    if (strcmp(p.key, t->app_key) != 0) {
        rc_expect_seen(ctx, t->app_key, p.key[0] ? p.key : "no X-Pusher-Key");
        rc_fail(ctx, "X-Pusher-Key is not the app key");
    } else if (strcasecmp(p.signature, want) != 0) {
        rc_expect_seen(ctx, want, p.signature[0] ? p.signature : "no X-Pusher-Signature");
        rc_fail(ctx, "X-Pusher-Signature is not hex HMAC-SHA256 of the body with the app secret");
    }
    rc_whpost_clear(&p);
}

const rc_case rc_cases_s20_webhooks[] = {
    /* protocol §20.2: subscription_count */
    {
        .id = "pusher/20.2/subscription-count",
        .section = "20.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "subscription_count webhook when a counted channel's count changes",
        .requirement = "A server that sends subscription counts MUST send subscription_count "
                       "{name, channel, subscription_count} when a channel's count changes.",
        .tags = "needs:webhooks needs:subscription-count",
        .run = run_subscription_count,
    },
    /* protocol §20.2: cache_miss */
    {
        .id = "pusher/20.2/cache-miss",
        .section = "20.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "cache_miss webhook when a cache channel has nothing kept",
        .requirement = "A server that offers cache channels MUST send cache_miss {name, channel} "
                       "when a subscriber joins a cache channel that keeps no event.",
        .tags = "needs:webhooks needs:cache-channels",
        .run = run_cache_miss,
    },
    /* protocol §20.2: channel_occupied */
    {
        .id = "pusher/20.2/channel-occupied",
        .section = "20.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "channel_occupied webhook at the first subscriber",
        .requirement = "A server MUST send channel_occupied {name, channel} when a channel gets "
                       "its first subscriber.",
        .tags = "needs:webhooks",
        .run = run_occupied,
    },
    /* protocol §20.2: channel_vacated */
    {
        .id = "pusher/20.2/channel-vacated",
        .section = "20.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "channel_vacated webhook after the last subscriber left",
        .requirement = "A server MUST send channel_vacated {name, channel} when its last "
                       "subscriber leaves.",
        .tags = "needs:webhooks",
        .timeout_ms = 12000,
        .run = run_vacated,
    },
    /* protocol §20.2: member_added */
    {
        .id = "pusher/20.2/member-added",
        .section = "20.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "member_added webhook with the user_id",
        .requirement = "A server MUST send member_added {name, channel, user_id} when a user's "
                       "first connection joins a presence channel.",
        .tags = "needs:webhooks needs:presence",
        .run = run_member_added,
    },
    /* protocol §20.2: member_removed */
    {
        .id = "pusher/20.2/member-removed",
        .section = "20.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "member_removed webhook with the user_id",
        .requirement = "A server MUST send member_removed {name, channel, user_id} when the "
                       "user's last connection leaves a presence channel.",
        .tags = "needs:webhooks needs:presence",
        .timeout_ms = 12000,
        .run = run_member_removed,
    },
    /* protocol §20.2: client_event */
    {
        .id = "pusher/20.2/client-event",
        .section = "20.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "client_event webhook with event, data and the sender's socket_id",
        .requirement = "A server MUST send client_event {name, channel, event, data, socket_id} "
                       "for every relayed client event, data the string the client sent, "
                       "socket_id the sender's.",
        .tags = "needs:webhooks needs:client-events",
        .run = run_client_event,
    },
    /* protocol §20.3: signature */
    {
        .id = "pusher/20.3/signature",
        .section = "20.3",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "webhooks carry X-Pusher-Key and the body's HMAC-SHA256 signature",
        .requirement = "Every webhook MUST carry X-Pusher-Key: <app key> and X-Pusher-Signature: "
                       "hex(HMAC-SHA256(app secret, body)) over the exact bytes of the body.",
        .tags = "needs:webhooks",
        .run = run_signature,
    },
    {0},
};
