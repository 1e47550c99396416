/* Pusher profile, section 21: pusher_internal:subscription_count.
 *
 * Pusher sends it, when an app enabled it, to the subscribers of a non-presence channel each
 * time the number of connections subscribed changes (throttled on channels of more than 100;
 * these cases stay far below). The count is read from a data string holding
 * {"subscription_count":N} (an object is accepted as well). Counts other than the awaited one
 * may pass first: a server may send an intermediate or repeated count, only the awaited one
 * must come. A server that sends none at all lacks the capability (UNSUPPORTED) unless its
 * profile declared it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define COUNT_EVENT "pusher_internal:subscription_count"

/* The count m carries, or -1. */
static long long count_of(const rc_pmsg *m)
{
    long long n;
    return rc_json_int(rc_payload(m), "subscription_count", &n) ? n : -1;
}

/* Reports that no count of want came on ch (last: the last count seen, -2 none at all).
 * rc_unsupported instead when none came and may_lack (the capability was not declared). */
static void no_count(rc_ctx *ctx, const char *who, const char *ch, long long want, long long last,
                     int closed, int may_lack)
{
    if (may_lack && last == -2) {
        rc_unsupported(ctx,
                       "no %s on %s after a subscribe: the server does not send "
                       "subscription counts (Pusher's opt-in per app)",
                       COUNT_EVENT, ch);
        return;
    }
    char exp[128], seen[128];
    snprintf(exp, sizeof exp, "%s {\"subscription_count\":%lld} on %s", COUNT_EVENT, want, ch);
    if (last == -2)
        snprintf(seen, sizeof seen, "%s", closed ? "connection closed" : "no count (timeout)");
    else
        snprintf(seen, sizeof seen, "last count %lld", last);
    rc_expect_seen(ctx, exp, seen);
    rc_fail(ctx, "%s: no subscription_count of %lld on %s within %d ms", who, want, ch, RC_WAIT_MS);
}

/* Waits for a count of want on ch, skipping other counts. 1 seen; 0 after no_count. */
static int await_count(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *ch, long long want,
                       int may_lack)
{
    long long end = rc_now_ms() + RC_WAIT_MS;
    long long last = -2;
    for (;;) {
        long long left = end - rc_now_ms();
        const rc_pmsg *m = NULL;
        int rc = left > 0 ? rc_pusher_wait(pc, COUNT_EVENT, ch, (int)left, &m) : 0;
        if (rc != 1) {
            no_count(ctx, who, ch, want, last, rc < 0, may_lack);
            return 0;
        }
        last = count_of(m);
        if (last == want)
            return 1;
    }
}

static int declared(rc_ctx *ctx)
{
    return rc_target_of(ctx)->server.caps[RC_CAP_SUBSCRIPTION_COUNT] == RC_CAP_YES;
}

/* protocol §21.2, §21.3: the count follows joins and leaves, for every subscriber */
static void run_join_leave(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "count-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub_counted(ctx, "first subscriber", ch, NULL);
    if (!a || !await_count(ctx, a, "first subscriber", ch, 1, !declared(ctx)))
        return;
    rc_pconn *b = rc_conn_sub_counted(ctx, "second subscriber", ch, NULL);
    if (!b || !await_count(ctx, b, "second subscriber", ch, 2, 0) ||
        !await_count(ctx, a, "first subscriber", ch, 2, 0))
        return;
    rc_pusher_close(b);
    if (!await_count(ctx, a, "first subscriber (after the second closed)", ch, 1, 0))
        return;
    rc_pconn *c = rc_conn_sub(ctx, ch, NULL);
    if (!c || !await_count(ctx, a, "first subscriber", ch, 2, 0) ||
        !rc_send_unsubscribe(ctx, c, ch))
        return;
    await_count(ctx, a, "first subscriber (after an unsubscribe)", ch, 1, 0);
}

/* protocol §21.4: presence channels report members, not subscription counts */
static void run_not_presence(rc_ctx *ctx)
{
    char ch[64], pub[64];
    rc_chan(ctx, "presence-count-", ch, sizeof ch);
    rc_chan(ctx, "count-", pub, sizeof pub);
    char *d1 = rc_presence_data("count-u1", "one"), *d2 = rc_presence_data("count-u2", "two");
    if (!d1 || !d2) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    /* A public channel first shows the server sends counts at all. */
    rc_pconn *a = rc_conn_sub_counted(ctx, "first subscriber", pub, NULL);
    if (!a || !await_count(ctx, a, "subscriber", pub, 1, !declared(ctx)) ||
        !rc_subscribe_expect_ok(ctx, a, "first member", ch, d1, NULL))
        goto out;
    rc_pconn *b = rc_conn_sub_as(ctx, "second member", ch, d2, NULL);
    if (!b || !rc_await(ctx, a, "first member", "pusher_internal:member_added", ch, NULL) ||
        !rc_sync(ctx, b, "second member"))
        goto out;
    /* b's join was processed; a count for it would be on a's queue before the pong. */
    if (rc_pusher_send(a, "pusher:ping", NULL, "{}") != 0) {
        rc_fail(ctx, "first member: could not send pusher:ping");
        goto out;
    }
    for (;;) {
        const rc_pmsg *m = NULL;
        int rc = rc_pusher_next(a, RC_WAIT_MS, &m);
        if (rc != 1) {
            rc_expect_seen(ctx, "pusher:pong", rc == 0 ? "nothing (timeout)" : "connection closed");
            rc_fail(ctx, "first member: no pusher:pong");
            break;
        }
        if (m->event && strcmp(m->event, "pusher:pong") == 0)
            break;
        if (m->event && strcmp(m->event, COUNT_EVENT) == 0 && m->channel &&
            strcmp(m->channel, ch) == 0) {
            rc_expect_seen(ctx, "no subscription_count on a presence channel", m->raw);
            rc_fail_should(ctx, "a subscription_count was sent on presence channel %s", ch);
            break;
        }
    }
out:
    free(d1);
    free(d2);
}

const rc_case rc_cases_s21_subscription_count[] = {
    {
        .id = "pusher/21/count-follows-joins-and-leaves",
        .section = "21",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "subscription_count follows subscribes, closes and unsubscribes",
        .requirement = "A server that sends pusher_internal:subscription_count sends every "
                       "subscriber of the channel {\"subscription_count\":N}, N the connections "
                       "subscribed, after each subscribe, unsubscribe or close (21.2, 21.3).",
        .tags = "needs:subscription-count",
        .run = run_join_leave,
    },
    {
        .id = "pusher/21/none-on-presence",
        .section = "21",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "no subscription_count on presence channels",
        .requirement = "Presence channels get member events, not pusher_internal:"
                       "subscription_count (21.4; Pusher sends none there).",
        .tags = "needs:subscription-count needs:presence",
        .run = run_not_presence,
    },
    {0},
};
