/* Pusher profile, section 6.9 (on 6.5): socket_id exclusion where Laravel's toOthers() puts it: in
 * batch items, in triggers naming several channels, and on presence channels. The excluded
 * connection's next message must be a later probe; the other subscriber gets everything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* b (not excluded) must get name on ch with data d. 1 ok. */
static int gets(rc_ctx *ctx, rc_pconn *b, const char *name, const char *ch, const char *d)
{
    const rc_pmsg *m;
    return rc_await(ctx, b, "other subscriber", name, ch, &m) &&
           rc_check_event(ctx, m, "other subscriber", name, ch, d);
}

/* protocol §6.9: a batch item's socket_id excludes that connection from that item only */
static void run_batch(rc_ctx *ctx)
{
    char ch[64], body[512];
    rc_chan(ctx, "excl-batch-", ch, sizeof ch);
    rc_pconn *a = rc_conn_sub(ctx, ch, NULL), *b = a ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!b)
        return;
    snprintf(body, sizeof body,
             "{\"batch\":[{\"name\":\"skip-me\",\"channel\":\"%s\",\"data\":\"1\",\"socket_id\":"
             "\"%s\"},{\"name\":\"for-all\",\"channel\":\"%s\",\"data\":\"2\"}]}",
             ch, a->socket_id, ch);
    if (!rc_post_app(ctx, "/batch_events", body) || !gets(ctx, b, "skip-me", ch, "1") ||
        !gets(ctx, b, "for-all", ch, "2"))
        return;
    const rc_pmsg *m;
    if (!rc_next(ctx, a, "excluded subscriber", &m))
        return;
    if (!m->event || strcmp(m->event, "for-all") != 0) {
        rc_expect_seen(ctx, "for-all (the item without socket_id), nothing before it", m->raw);
        rc_fail(ctx, "the connection named by a batch item's socket_id received %s",
                m->event ? m->event : "a message");
    }
}

/* protocol §6.9: socket_id excludes the connection on every channel of the trigger */
static void run_multi(rc_ctx *ctx)
{
    char c1[64], c2[64], body[512];
    rc_chan(ctx, "excl-m1-", c1, sizeof c1);
    rc_chan(ctx, "excl-m2-", c2, sizeof c2);
    rc_pconn *a = rc_conn_sub(ctx, c1, NULL), *b = a ? rc_conn_sub(ctx, c1, NULL) : NULL;
    if (!b || !rc_subscribe_expect_ok(ctx, a, "excluded subscriber", c2, NULL, NULL) ||
        !rc_subscribe_expect_ok(ctx, b, "other subscriber", c2, NULL, NULL))
        return;
    snprintf(
        body, sizeof body,
        "{\"name\":\"others\",\"channels\":[\"%s\",\"%s\"],\"data\":\"x\",\"socket_id\":\"%s\"}",
        c1, c2, a->socket_id);
    if (rc_post_app(ctx, "/events", body) && gets(ctx, b, "others", c1, "x") &&
        gets(ctx, b, "others", c2, "x") && rc_next_is_probe(ctx, a, "excluded subscriber", c2))
        rc_next_is_probe(ctx, a, "excluded subscriber", c1);
}

/* protocol §6.9: exclusion holds on presence channels (toOthers() from a member's page) */
static void run_presence(rc_ctx *ctx)
{
    char ch[64], body[512];
    rc_chan(ctx, "presence-excl-", ch, sizeof ch);
    char *d1 = rc_presence_data("excl-1", "a"), *d2 = rc_presence_data("excl-2", "b");
    rc_pconn *a = NULL, *b = NULL;
    if (!d1 || !d2) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    if (!(a = rc_conn_sub(ctx, ch, d1)) || !(b = rc_conn_sub(ctx, ch, d2)) ||
        !rc_await(ctx, a, "excluded member", "pusher_internal:member_added", ch, NULL))
        goto out;
    snprintf(body, sizeof body,
             "{\"name\":\"others\",\"channel\":\"%s\",\"data\":\"x\",\"socket_id\":\"%s\"}", ch,
             a->socket_id);
    if (rc_post_app(ctx, "/events", body) && gets(ctx, b, "others", ch, "x"))
        rc_next_is_probe(ctx, a, "excluded member", ch);
out:
    free(d1);
    free(d2);
}

const rc_case rc_cases_s06_exclusion[] = {
    {
        .id = "pusher/6.9/exclusion-in-batch",
        .section = "6.9",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a batch item's socket_id excludes that connection from that item",
        .requirement = "When a trigger (6.2 or a batch item) has socket_id, the connection with "
                       "that id MUST NOT receive the event, and every other subscriber MUST "
                       "receive it (6.9.1).",
        .tags = "needs:http-api",
        .run = run_batch,
    },
    {
        .id = "pusher/6.9/exclusion-multi-channel",
        .section = "6.9",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "socket_id excludes the connection on every channel of a trigger",
        .requirement = "A trigger naming several channels with socket_id reaches every other "
                       "subscriber of each channel and not the excluded connection on any (6.9.1).",
        .tags = "needs:http-api",
        .run = run_multi,
    },
    {
        .id = "pusher/6.9/exclusion-presence",
        .section = "6.9",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "socket_id exclusion on a presence channel",
        .requirement = "socket_id exclusion holds on presence channels: the excluded member gets "
                       "nothing, the others get the event (6.9.1; Laravel's toOthers()).",
        .tags = "needs:http-api needs:presence",
        .run = run_presence,
    },
    {0},
};
