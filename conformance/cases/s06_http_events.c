/* Pusher profile, section 6: publishing through the HTTP API (events byte for byte, several
 * channels, batches, socket_id exclusion, order). Signing (6.1) is in s06_http_api.c, 6.4 in
 * s06_queries.c, 6.6 in s06_http_limits.c and s06_limits.c, the info attributes in
 * s06_http_info.c, exclusion in batches and on presence channels (6.9) in s06_exclusion.c. A
 * rejected publish must also have no effect: the subscriber's next message has to be a valid
 * event published afterwards (rc_next_is_probe). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void run_exact(rc_ctx *ctx)
{
    static const struct {
        const char *name, *data;
    } ev[] = {
        {"App\\Events\\OrderShipped", "  {\"text\" : \"h\xc3\xa9llo \\\"quoted\\\" back\\\\slash / "
                                      "\\u00fc \\u2028 \xe2\x80\xa8\","
                                      "\"n\":[1,2.50,-3e2],\"nested\":{\"a\":null, \"b\":{}}}  "},
        {"token.delta", "just text, not JSON \xe2\x9c\x93 \"quotes\" and \\backslashes\\"},
        {"empty-data", ""},
    };
    char ch[64];
    rc_chan(ctx, "exact-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    if (!sub)
        return;
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++) {
        rc_http_resp r = {0};
        const char *c = ch;
        /* The first goes out as pusher-http-php sends one channel: "channel", singular. */
        if (rc_publish_req(ctx, &c, 1, i == 0, ev[i].name, ev[i].data, NULL, &r) != 0)
            return;
        /* a 2xx whose body names an error is a refusal too (soketi answers its refusals so) */
        int ok = rc_http_success(&r) && !(r.json && rc_json_str(r.json, "error"));
        if (!ok) {
            rc_expect_seen(ctx, "HTTP 200 with {} (or {\"ok\":true})", r.body ? r.body : "");
            /* Empty data is valid but soketi treats it as missing. */
            if (ev[i].data[0] == '\0')
                rc_fail_should(ctx, "publishing empty data was refused: HTTP %d", r.status);
            else
                rc_fail(ctx, "publishing %s was refused: HTTP %d", ev[i].name, r.status);
        }
        rc_http_resp_free(&r);
        if (!ok)
            return;
        const rc_pmsg *m;
        if (!rc_next(ctx, sub, "subscriber", &m) ||
            !rc_check_event(ctx, m, "subscriber", ev[i].name, ch, ev[i].data))
            return;
    }
}

static void run_multi_channel(rc_ctx *ctx)
{
    char c[3][64];
    const char *chs[3];
    for (int i = 0; i < 3; i++) {
        rc_chan(ctx, "multi-", c[i], sizeof c[i]);
        chs[i] = c[i];
    }
    rc_pconn *x = rc_conn_sub(ctx, chs[0], NULL);
    if (!x || !rc_subscribe_expect_ok(ctx, x, "subscriber of two", chs[1], NULL, NULL))
        return;
    rc_pconn *y = rc_conn_sub(ctx, chs[2], NULL);
    if (!y)
        return;
    const char *data = "{\"fan\":\"out\"}";
    const char *names[2] = {"multi", "end"};
    for (int k = 0; k < 2; k++) {
        rc_http_resp r = {0};
        if (rc_publish_req(ctx, chs, 3, 0, names[k], data, NULL, &r) != 0)
            return;
        int ok = rc_http_success(&r);
        if (!ok) {
            rc_expect_seen(ctx, "HTTP 200", r.body ? r.body : "");
            rc_fail(ctx, "publishing to 3 channels was refused: HTTP %d", r.status);
        }
        rc_http_resp_free(&r);
        if (!ok)
            return;
    }
    /* Everything from the first publish precedes the "end" marks, so duplicates show up. */
    struct {
        rc_pconn *pc;
        const char *who;
        int first, n;
    } rx[2] = {{x, "subscriber of two channels", 0, 2}, {y, "subscriber of one channel", 2, 1}};
    for (int s = 0; s < 2; s++) {
        int got[3] = {0}, ends = 0;
        while (ends < rx[s].n) {
            const rc_pmsg *m;
            if (!rc_next(ctx, rx[s].pc, rx[s].who, &m))
                return;
            int idx = -1;
            for (int i = rx[s].first; i < rx[s].first + rx[s].n; i++)
                if (m->channel && strcmp(m->channel, chs[i]) == 0)
                    idx = i;
            if (idx < 0 || !m->event) {
                rc_expect_seen(ctx, "multi/end on the subscribed channels", m->raw);
                rc_fail(ctx, "%s: unexpected message", rx[s].who);
                return;
            }
            if (strcmp(m->event, "end") == 0) {
                ends++;
                continue;
            }
            if (!rc_check_event(ctx, m, rx[s].who, "multi", chs[idx], data))
                return;
            got[idx]++;
        }
        for (int i = rx[s].first; i < rx[s].first + rx[s].n; i++) {
            if (got[i] != 1) {
                rc_fail(ctx, "%s: got the event %d times on %s (once expected)", rx[s].who, got[i],
                        chs[i]);
                return;
            }
        }
    }
}

static void run_batch(rc_ctx *ctx)
{
    char a[64], b[64];
    rc_chan(ctx, "batch-a-", a, sizeof a);
    rc_chan(ctx, "batch-b-", b, sizeof b);
    rc_pconn *sub = rc_conn_sub(ctx, a, NULL);
    if (!sub || !rc_subscribe_expect_ok(ctx, sub, "subscriber", b, NULL, NULL))
        return;
    static const char *const names[] = {"first", "second", "third", "fourth", "fifth"};
    const char *chans[] = {a, a, b, a, a};
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o ? cJSON_AddArrayToObject(o, "batch") : NULL;
    for (int i = 0; arr && i < 5; i++) {
        cJSON *it = cJSON_CreateObject();
        char d[32];
        snprintf(d, sizeof d, "{\"i\":%d}", i);
        cJSON_AddStringToObject(it, "name", names[i]);
        cJSON_AddStringToObject(it, "channel", chans[i]);
        cJSON_AddStringToObject(it, "data", d);
        cJSON_AddItemToArray(arr, it);
    }
    char *body = arr ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!body) {
        rc_error(ctx, "out of memory");
        return;
    }
    int ok = rc_post_app(ctx, "/batch_events", body);
    free(body);
    if (!ok)
        return;
    for (int i = 0; i < 5; i++) {
        char d[32];
        snprintf(d, sizeof d, "{\"i\":%d}", i);
        const rc_pmsg *m;
        if (!rc_next(ctx, sub, "subscriber", &m) ||
            !rc_check_event(ctx, m, "subscriber (batch order)", names[i], chans[i], d))
            return;
    }
}

static void run_exclusion(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "excl-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!b)
        return;
    rc_http_resp r = {0};
    const char *c = ch;
    if (rc_publish_req(ctx, &c, 1, 0, "not-for-a", "x", a->socket_id, &r) != 0)
        return;
    int ok = rc_http_success(&r);
    if (!ok) {
        rc_expect_seen(ctx, "HTTP 200", r.body ? r.body : "");
        rc_fail(ctx, "publishing with socket_id was refused: HTTP %d", r.status);
    }
    rc_http_resp_free(&r);
    const rc_pmsg *m;
    if (!ok || !rc_await(ctx, b, "other subscriber", "not-for-a", ch, &m) ||
        !rc_check_event(ctx, m, "other subscriber", "not-for-a", ch, "x"))
        return;
    if (!rc_quiet(ctx, a, "excluded socket", ch, RC_QUIET_MS))
        return;
    /* The exclusion applies to that one event only. */
    if (!rc_next_is_probe(ctx, a, "excluded socket, next event", ch) ||
        !rc_await(ctx, b, "other subscriber", "probe", ch, NULL))
        return;
    /* A well-formed socket_id of no connection excludes nobody. */
    if (rc_publish_req(ctx, &c, 1, 0, "for-all", "y", "1.1", &r) != 0)
        return;
    ok = rc_http_success(&r);
    if (!ok) {
        rc_expect_seen(ctx, "HTTP 200", r.body ? r.body : "");
        rc_fail(ctx, "publishing with an unknown socket_id was refused: HTTP %d", r.status);
    }
    rc_http_resp_free(&r);
    rc_pconn *both[2] = {a, b};
    for (int i = 0; ok && i < 2; i++) {
        const char *who = i ? "other subscriber" : "formerly excluded socket";
        if (!rc_next(ctx, both[i], who, &m) || !rc_check_event(ctx, m, who, "for-all", ch, "y"))
            return;
    }
    if (!ok)
        return;
    /* A malformed socket_id SHOULD be refused with 400 (Reverb only checks it is a string);
     * once refused, it must have published nothing. */
    if (rc_publish_req(ctx, &c, 1, 0, "bad-socket", "z", "not-a-socket", &r) != 0)
        return;
    int status = r.status;
    rc_http_resp_free(&r);
    if (status != 400) {
        rc_fail_should(ctx, "a trigger with socket_id \"not-a-socket\" was answered %d, not 400",
                       status);
        return;
    }
    rc_next_is_probe(ctx, b, "other subscriber (after a malformed socket_id)", ch);
}

static void run_order(rc_ctx *ctx)
{
    enum { N = 50 };
    char ch[64];
    rc_chan(ctx, "order-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    if (!sub)
        return;
    for (int i = 0; i < N; i++) {
        char d[16];
        snprintf(d, sizeof d, "%d", i);
        if (!rc_publish(ctx, ch, "seq", d))
            return;
    }
    for (int i = 0; i < N; i++) {
        char d[16];
        snprintf(d, sizeof d, "%d", i);
        const rc_pmsg *m;
        if (!rc_next(ctx, sub, "subscriber", &m))
            return;
        if (!rc_check_event(ctx, m, "subscriber (publish order)", "seq", ch, d))
            return;
    }
}

#define HTTP "needs:http-api"

const rc_case rc_cases_s06_http_events[] = {
    /* protocol §6.2: a published event arrives with name, channel and data byte for byte */
    {
        .id = "pusher/6.2/event-delivered-exact",
        .section = "6.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a published event arrives with name, channel and data byte for byte",
        .requirement =
            "POST /apps/{id}/events answers 200 with a JSON object and delivers {\"event\":name, "
            "\"channel\":C, \"data\":D} where D is exactly the data string given (not re-encoded).",
        .tags = HTTP,
        .run = run_exact,
    },
    /* protocol §6.2: an event to several channels reaches each subscriber once per channel */
    {
        .id = "pusher/6.2/several-channels",
        .section = "6.2",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "an event to several channels reaches each subscriber once per channel",
        .requirement = "An event published to several channels is delivered once on each channel "
                       "to each of its subscribers.",
        .tags = HTTP,
        .run = run_multi_channel,
    },
    /* protocol §6.3: batch_events are delivered, in order */
    {
        .id = "pusher/6.3/batch-in-order",
        .section = "6.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "batch_events are delivered, in order",
        .requirement = "POST /apps/{id}/batch_events delivers each item to its channel, in the "
                       "order of the batch.",
        .tags = HTTP,
        .run = run_batch,
    },
    /* protocol §6.5: socket_id excludes that connection only */
    {
        .id = "pusher/6.5/socket-id-exclusion",
        .section = "6.5",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "socket_id excludes that connection only",
        .requirement =
            "An event published with socket_id is not delivered to that connection, is delivered "
            "to "
            "the channel's other subscribers, and later events reach the excluded one again; a "
            "socket_id naming no connection excludes nobody; a malformed one is refused (SHOULD).",
        .tags = HTTP,
        .run = run_exclusion,
    },
    /* protocol §6.7: sequential publishes arrive in publish order */
    {
        .id = "pusher/6.7/per-publisher-order",
        .section = "6.7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "sequential publishes arrive in publish order",
        .requirement = "Events published one after the other by one publisher to one channel are "
                       "delivered to a subscriber in that order.",
        .tags = HTTP,
        .run = run_order,
    },
    {0},
};
