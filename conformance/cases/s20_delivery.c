/* Pusher profile, sections 20.4 to 20.6: how webhooks are delivered: batched, retried after
 * a failed answer, the vacate held back, and a slow receiver costing subscribers nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "webhook_common.h"
#include "wire/clock.h"

/* protocol §20.4.1: the events of a short window go out in one webhook */
static void run_batching(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    if (rc_target_of(ctx)->server.webhook_batch_ms < 0) {
        rc_unsupported(ctx, "the server profile declares no batching (webhooks.batch_ms 0)");
        return;
    }
    size_t from = rc_whrecv_count(r);
    char ch[3][64];
    rc_pconn *pc = rc_conn(ctx);
    if (!pc)
        return;
    for (int i = 0; i < 3; i++) {
        rc_chan(ctx, "wh-batch-", ch[i], sizeof ch[i]);
        if (!rc_send_subscribe(ctx, pc, ch[i], NULL, NULL))
            return;
    }
    long at[3];
    for (int i = 0; i < 3; i++) {
        at[i] =
            rc_wh_find(ctx, from, "channel_occupied", ch[i], NULL, rc_wh_due_ms(ctx), NULL, NULL);
        if (at[i] < 0) {
            rc_expect_seen(ctx, "channel_occupied for each of three channels", "one missing");
            rc_fail(ctx, "no channel_occupied webhook for %s", ch[i]);
            return;
        }
    }
    /* Another case's event may open a window just before these: two webhooks still show
     * batching, three (one per event) do not. */
    int posts = 1 + (at[1] != at[0]) + (at[2] != at[0] && at[2] != at[1]);
    if (posts == 3) {
        rc_expect_seen(ctx, "the three channel_occupied events in one or two webhooks",
                       "one webhook per event");
        rc_fail(ctx, "three subscriptions within milliseconds produced three webhooks: no "
                     "batching");
    }
}

/* protocol §20.4.3: a webhook answered 500 is sent again */
static void run_retry(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64];
    rc_chan(ctx, "wh-retry-", ch, sizeof ch);
    rc_whrecv_fail(r, ch, 1, 500);
    if (!rc_conn_sub(ctx, ch, NULL))
        return;
    rc_whpost p;
    long first = rc_wh_find(ctx, from, "channel_occupied", ch, NULL, rc_wh_due_ms(ctx), NULL, &p);
    if (first < 0) {
        if (rc_ok(ctx))
            rc_skip(ctx,
                    "no channel_occupied webhook for %s at all: the retry cannot be judged "
                    "(pusher/20.2/channel-occupied checks that one)",
                    ch);
        return;
    }
    int answered = p.answered;
    rc_whpost_clear(&p);
    RC_TRY(ctx, answered == 500, "the receiver answered %d, not 500", answered);
    int wait = 2 * rc_wh_due_ms(ctx) + 5000;
    if (!rc_allow_wait(ctx, wait, "a webhook retry"))
        return;
    if (rc_wh_find(ctx, (size_t)first + 1, "channel_occupied", ch, NULL, wait, NULL, NULL) < 0 &&
        rc_ok(ctx)) {
        rc_expect_seen(ctx, "the webhook sent again after the receiver answered 500",
                       "no second attempt");
        rc_fail(ctx,
                "the channel_occupied webhook for %s answered 500 was not retried within "
                "%d ms",
                ch, wait);
    }
}

/* protocol §20.5: a channel occupied again within the delay sends neither event */
static void run_delayed_vacate(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    int delay = rc_wh_delay_ms(ctx), due = rc_wh_due_ms(ctx);
    if (!delay) {
        rc_unsupported(ctx, "the server profile declares no delay (webhooks.delay_ms 0)");
        return;
    }
    if (!rc_allow_wait(ctx, 2L * (delay + due), "the webhook delay"))
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64];
    rc_chan(ctx, "wh-back-", ch, sizeof ch);
    rc_pconn *pc = rc_conn_sub(ctx, ch, NULL);
    if (!pc || !rc_wh_expect(ctx, from, "channel_occupied", ch, NULL, due, NULL, NULL))
        return;
    /* leave and come back at once: a page reload */
    if (!rc_send_unsubscribe(ctx, pc, ch) ||
        !rc_subscribe_expect_ok(ctx, pc, "subscriber", ch, NULL, NULL))
        return;
    long batch = rc_target_of(ctx)->server.webhook_batch_ms;
    rw_sleep_ms(delay + (batch > 0 ? (int)batch : 0) + RC_QUIET_MS + 200);
    int vacated = rc_wh_count(ctx, from, "channel_vacated", ch);
    int occupied = rc_wh_count(ctx, from, "channel_occupied", ch);
    if (vacated || occupied != 1) {
        char seen[96];
        snprintf(seen, sizeof seen, "%d channel_vacated, %d channel_occupied", vacated, occupied);
        rc_expect_seen(ctx, "no channel_vacated and one channel_occupied", seen);
        rc_fail(ctx, "a channel left and joined again at once was reported as vacated and "
                     "occupied");
        return;
    }
    /* and a real leave is still reported, after the delay */
    if (!rc_send_unsubscribe(ctx, pc, ch) || !rc_sync(ctx, pc, "subscriber"))
        return;
    rc_wh_expect(ctx, from, "channel_vacated", ch, NULL, delay + due, NULL, NULL);
}

/* protocol §20.6.3: a receiver that does not answer holds up no subscriber */
static void run_slow_receiver(rc_ctx *ctx)
{
    rc_whrecv *r = rc_wh_recv(ctx);
    if (!r)
        return;
    size_t from = rc_whrecv_count(r);
    char ch[64];
    rc_chan(ctx, "wh-slow-", ch, sizeof ch);
    rc_whrecv_hold(r, ch, 1500);
    rc_pconn *pc = rc_conn_sub(ctx, ch, NULL);
    if (!pc)
        return;
    if (rc_wh_find(ctx, from, "channel_occupied", ch, NULL, rc_wh_due_ms(ctx), NULL, NULL) < 0) {
        if (rc_ok(ctx))
            rc_skip(ctx,
                    "no channel_occupied webhook for %s: no webhook to hold "
                    "(pusher/20.2/channel-occupied checks that one)",
                    ch);
        return;
    }
    /* the receiver now holds that webhook unanswered for 1.5 s */
    int64_t t0 = rw_now_ns();
    if (!rc_publish(ctx, ch, "while-held", "x") ||
        !rc_await(ctx, pc, "subscriber", "while-held", ch, NULL))
        return;
    int ms = (int)((rw_now_ns() - t0) / 1000000);
    if (ms > 1000) {
        char seen[64];
        snprintf(seen, sizeof seen, "%d ms", ms);
        rc_expect_seen(ctx, "the event delivered as fast as without webhooks (< 1000 ms)", seen);
        rc_fail(ctx,
                "an event took %d ms to reach its subscriber while the webhook receiver was "
                "slow to answer",
                ms);
    }
}

const rc_case rc_cases_s20_delivery[] = {
    /* protocol §20.4.1: batching */
    {
        .id = "pusher/20.4/batching",
        .section = "20.4",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "events of a short window go out in one webhook",
        .requirement = "A server SHOULD gather the events of a short window into one webhook.",
        .tags = "needs:webhooks",
        .run = run_batching,
    },
    /* protocol §20.4.3: retries */
    {
        .id = "pusher/20.4/retry",
        .section = "20.4",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "a webhook answered 500 is sent again",
        .requirement = "On a status other than 2xx, or no answer, a server SHOULD send the same "
                       "webhook again with exponential backoff for up to 5 minutes.",
        .tags = "needs:webhooks",
        .timeout_ms = 15000,
        .serial = "a server sends one webhook POST at a time per target, so the failed answers "
                  "and their backoff hold up the webhooks other cases wait for.",
        .run = run_retry,
    },
    /* protocol §20.5: the delayed vacate */
    {
        .id = "pusher/20.5/delayed-vacate",
        .section = "20.5",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "leaving and coming back within the delay sends no vacated/occupied",
        .requirement = "A server SHOULD hold channel_vacated and member_removed for a few seconds "
                       "and send neither the held event nor the channel_occupied / member_added "
                       "that ends it when the channel is occupied again within that time.",
        .tags = "needs:webhooks",
        .timeout_ms = 15000,
        .run = run_delayed_vacate,
    },
    /* protocol §20.6.3: never blocking */
    {
        .id = "pusher/20.6/slow-receiver",
        .section = "20.6",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a slow webhook receiver holds up no subscriber",
        .requirement = "Sending webhooks MUST NOT hold up anything else: an unreachable, slow or "
                       "failing receiver costs nothing to subscribers.",
        .tags = "needs:webhooks",
        .serial = "the receiver holds one POST for 1.5 s, and a server sends one POST at a time "
                  "per target: other webhook cases would wait past their limit.",
        .run = run_slow_receiver,
    },
    {0},
};
