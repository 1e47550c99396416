/* Section 17: cache channels (cache-, private-cache-, presence-cache-,
 * private-encrypted-cache-). A new subscriber gets the channel's last HTTP API event right
 * after pusher_internal:subscription_succeeded, or pusher:cache_miss when nothing is kept;
 * an event is kept for the server's cache_ttl (Pusher: at most 30 minutes).
 *
 * A server without cache channels treats cache- names as public: nothing follows
 * subscription_succeeded. Unless the server profile declares cache-channels, such silence is
 * UNSUPPORTED when the server also never delivers a cached event (probed on a fresh channel),
 * and a FAIL when it does (then it has the feature and broke this rule). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "wire/clock.h"

/* The next message about channel after pc's subscription_succeeded (ping/pong and other
 * channels skipped): 1 with *out, 0 when nothing came within RC_WAIT_MS, -1 after rc_fail
 * (closed). */
static int next_on(rc_ctx *ctx, rc_pconn *pc, const char *who, const char *channel,
                   const rc_pmsg **out)
{
    for (;;) {
        int rc = rc_pusher_next(pc, RC_WAIT_MS, out);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            rc_fail(ctx, "%s: connection closed (code %d)", who, rc_ws_close_code(pc->ws));
            return -1;
        }
        const rc_pmsg *m = *out;
        if (m->event &&
            (strcmp(m->event, "pusher:ping") == 0 || strcmp(m->event, "pusher:pong") == 0))
            continue;
        if (m->channel && strcmp(m->channel, channel) == 0)
            return 1;
    }
}

/* Connects and subscribes to channel (signed as needed, channel_data for presence) and reads
 * what follows subscription_succeeded: 1 with *out, 0 nothing, -1 after a verdict. */
static int subscribe_then(rc_ctx *ctx, const char *who, const char *channel, const char *cd,
                          const rc_pmsg **out)
{
    rc_pconn *pc = rc_conn_sub_as(ctx, who, channel, cd, NULL);
    if (!pc)
        return -1;
    return next_on(ctx, pc, who, channel, out);
}

/* Nothing followed subscription_succeeded where the spec wants something: UNSUPPORTED or
 * FAIL (see the file comment). */
static void silent(rc_ctx *ctx, const char *who, const char *channel, const char *wanted)
{
    if (rc_target_of(ctx)->server.caps[RC_CAP_CACHE] != RC_CAP_YES) {
        char probe[64];
        const rc_pmsg *m;
        rc_chan(ctx, "cache-probe-", probe, sizeof probe);
        if (!rc_publish(ctx, probe, "probe", "kept?"))
            return;
        int rc = subscribe_then(ctx, "probe subscriber", probe, NULL, &m);
        if (rc < 0)
            return;
        if (rc == 0 || !m->event || strcmp(m->event, "probe") != 0) {
            rc_unsupported(ctx,
                           "no cache channels: nothing follows subscription_succeeded on "
                           "%s and no event is kept (declare cache-channels to have this "
                           "judged)",
                           channel);
            return;
        }
    }
    rc_expect_seen(ctx, wanted, "nothing after pusher_internal:subscription_succeeded");
    rc_fail(ctx, "%s: nothing followed subscription_succeeded on %s", who, channel);
}

/* Requires m to be the cached event name/data on channel. */
static int expect_cached(rc_ctx *ctx, const rc_pmsg *m, const char *who, const char *channel,
                         const char *name, const char *data)
{
    if (m->event && strcmp(m->event, "pusher:cache_miss") == 0) {
        rc_expect_seen(ctx, name, m->raw);
        rc_fail(ctx, "%s: pusher:cache_miss on %s although %s was published before", who, channel,
                name);
        return 0;
    }
    return rc_check_event(ctx, m, who, name, channel, data);
}

/* Requires m to be pusher:cache_miss on channel. */
static int expect_miss(rc_ctx *ctx, const rc_pmsg *m, const char *who, const char *channel)
{
    if (m->event && strcmp(m->event, "pusher:cache_miss") == 0)
        return 1;
    rc_expect_seen(ctx, "pusher:cache_miss", m->raw);
    rc_fail(ctx, "%s: expected pusher:cache_miss on %s right after subscription_succeeded", who,
            channel);
    return 0;
}

/* protocol §17.2: nothing kept: pusher:cache_miss */
static void run_cache_miss(rc_ctx *ctx)
{
    char ch[64];
    const rc_pmsg *m;
    rc_chan(ctx, "cache-miss-", ch, sizeof ch);
    int rc = subscribe_then(ctx, "first subscriber", ch, NULL, &m);
    if (rc == 0)
        silent(ctx, "first subscriber", ch, "pusher:cache_miss");
    else if (rc == 1)
        expect_miss(ctx, m, "first subscriber", ch);
}

/* Publishes first then last to channel and requires a new subscriber to get last. */
static void last_kept(rc_ctx *ctx, const char *channel, const char *cd)
{
    const rc_pmsg *m;
    if (!rc_publish(ctx, channel, "state", "{\"v\":1}") ||
        !rc_publish(ctx, channel, "state", "{\"v\":2, \"note\":\"the last one\"}"))
        return;
    int rc = subscribe_then(ctx, "new subscriber", channel, cd, &m);
    if (rc == 0)
        silent(ctx, "new subscriber", channel, "the last event, state {\"v\":2,...}");
    else if (rc == 1)
        expect_cached(ctx, m, "new subscriber", channel, "state",
                      "{\"v\":2, \"note\":\"the last one\"}");
}

/* protocol §17.1: the last event, byte for byte, right after subscription_succeeded */
static void run_last_event(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "cache-last-", ch, sizeof ch);
    last_kept(ctx, ch, NULL);
}

/* protocol §17.1: private and encrypted cache channels cache too */
static void run_private_types(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "private-cache-", ch, sizeof ch);
    last_kept(ctx, ch, NULL);
    if (!rc_ok(ctx))
        return;
    rc_chan(ctx, "private-encrypted-cache-", ch, sizeof ch);
    last_kept(ctx, ch, NULL);
}

/* protocol §17.1: presence cache channels cache too, after the member list */
static void run_presence_type(rc_ctx *ctx)
{
    char ch[64], uid[32];
    rc_chan(ctx, "presence-cache-", ch, sizeof ch);
    char *cd = rc_presence_user(ctx, "Cache Reader", uid, sizeof uid);
    if (!cd)
        return;
    last_kept(ctx, ch, cd);
    free(cd);
}

/* protocol §17.3: an event is kept for cache_ttl, then pusher:cache_miss */
static void run_ttl(rc_ctx *ctx)
{
    long ttl = rc_target_of(ctx)->server.cache_ttl_s;
    if (ttl <= 0) {
        rc_skip(ctx, "the server declares no cache_ttl (server profile limits.cache_ttl or "
                     "--limits), so the expiry cannot be waited for");
        return;
    }
    if (!rc_allow_wait(ctx, ttl * 1000 + 1000, "waiting for a cached event to expire"))
        return;
    char ch[64];
    const rc_pmsg *m;
    rc_chan(ctx, "cache-ttl-", ch, sizeof ch);
    if (!rc_publish(ctx, ch, "state", "\"soon gone\""))
        return;
    int rc = subscribe_then(ctx, "subscriber within the ttl", ch, NULL, &m);
    if (rc == 0)
        silent(ctx, "subscriber within the ttl", ch, "the cached event");
    if (rc != 1 ||
        !expect_cached(ctx, m, "subscriber within the ttl", ch, "state", "\"soon gone\""))
        return;
    /* 500 ms past the ttl, for rounding of the server's clock or its key expiry */
    rw_sleep_ms((int)(ttl * 1000 + 500));
    rc = subscribe_then(ctx, "subscriber after the ttl", ch, NULL, &m);
    if (rc == 0) {
        rc_expect_seen(ctx, "pusher:cache_miss", "nothing");
        rc_fail(ctx, "subscriber after the ttl: nothing followed subscription_succeeded on %s", ch);
    } else if (rc == 1) {
        expect_miss(ctx, m, "subscriber after the ttl", ch);
    }
}

const rc_case rc_cases_s17_cache[] = {
    /* protocol §17.2: nothing kept: pusher:cache_miss */
    {
        .id = "pusher/17.2/cache-miss",
        .section = "17.2",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a cache channel with nothing kept answers pusher:cache_miss",
        .requirement = "Subscribing to a cache channel that keeps no event is answered with "
                       "pusher_internal:subscription_succeeded and then "
                       "{\"event\":\"pusher:cache_miss\",\"channel\":C}.",
        .tags = "needs:cache-channels needs:http-api",
        .run = run_cache_miss,
    },
    /* protocol §17.1: the last event right after subscription_succeeded */
    {
        .id = "pusher/17.1/last-event",
        .section = "17.1",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a new subscriber gets the cache channel's last event first",
        .requirement = "After two HTTP API events on a cache- channel, a new subscriber gets the "
                       "second (name and data byte for byte) right after its "
                       "subscription_succeeded.",
        .tags = "needs:cache-channels needs:http-api",
        .run = run_last_event,
    },
    /* protocol §17.1: private-cache- and private-encrypted-cache- */
    {
        .id = "pusher/17.1/private-and-encrypted",
        .section = "17.1",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "private and encrypted cache channels keep their last event",
        .requirement = "private-cache- and private-encrypted-cache- channels deliver their last "
                       "event to a new (authorized) subscriber like cache- channels.",
        .tags = "needs:cache-channels needs:http-api",
        .run = run_private_types,
    },
    /* protocol §17.1: presence-cache- */
    {
        .id = "pusher/17.1/presence",
        .section = "17.1",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "presence cache channels keep their last event",
        .requirement = "A presence-cache- channel delivers its last event to a new member right "
                       "after the subscription_succeeded that carries the member list.",
        .tags = "needs:cache-channels needs:http-api needs:presence",
        .run = run_presence_type,
    },
    /* protocol §17.3: kept for cache_ttl */
    {
        .id = "pusher/17.3/ttl",
        .section = "17.3",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a cached event is kept for the server's cache_ttl, then cache_miss",
        .requirement = "A cache channel's last event is delivered to subscribers within the "
                       "server's cache_ttl and, once that has passed with no new event, "
                       "pusher:cache_miss is.",
        .tags = "needs:cache-channels needs:http-api timing-dependent",
        .run = run_ttl,
    },
    {0},
};
