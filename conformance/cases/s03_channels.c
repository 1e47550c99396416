/* Pusher profile, section 3: channel names.
 *
 * Valid names are proven usable end to end (subscribe, then an HTTP API event arrives with
 * its data intact); invalid names must be refused while the connection stays usable. */
#include <stdio.h>
#include <string.h>

#include "common.h"

#define ALLOWED "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-=@,.;"

/* Subscribes to a valid channel name and shows an event published to it arrives intact. */
static void usable(rc_ctx *ctx, const char *channel)
{
    rc_pconn *pc = rc_conn_sub(ctx, channel, NULL);
    if (!pc)
        return;
    rc_publish_reaches(ctx, pc, "subscriber", channel, "name-check",
                       "{\"check\":\"channel-name\"}");
}

/* Each name must be refused, and the connection must survive every refusal. */
static void refused_all(rc_ctx *ctx, const char *const *names, size_t n)
{
    rc_pconn *pc = rc_conn(ctx);
    if (!pc)
        return;
    for (size_t i = 0; i < n; i++) {
        rc_log(ctx, "subscribing to invalid name \"%s\"", names[i]);
        if (!rc_send_subscribe(ctx, pc, names[i], NULL, NULL))
            return;
        if (!rc_await_refusal(ctx, pc, "subscriber", names[i]))
            return;
    }
    rc_barrier(ctx, pc, "subscriber", NULL);
}

static void run_allowed_chars(rc_ctx *ctx)
{
    char ch[128];
    rc_chan(ctx, ALLOWED "-", ch, sizeof ch);
    usable(ctx, ch);
}

static void make_len(rc_ctx *ctx, char *out, size_t len)
{
    rc_chan(ctx, "len-", out, len + 1);
    for (size_t i = strlen(out); i < len; i++)
        out[i] = 'x';
    out[len] = '\0';
}

static void run_len_164(rc_ctx *ctx)
{
    char ch[165];
    make_len(ctx, ch, 164);
    usable(ctx, ch);
}

static void run_len_165(rc_ctx *ctx)
{
    char ch[166];
    make_len(ctx, ch, 165);
    const char *names[] = {ch};
    refused_all(ctx, names, 1);
}

static void run_forbidden(rc_ctx *ctx)
{
    static const char *const bad[] = {" sp", "*",        "/", "!", ":", "\"", "\\", "%20", "+",
                                      "?",   "\xc3\xa4", "<", "~", "'", "(",  "[",  "{",   "\t"};
    enum { N = sizeof bad / sizeof bad[0] };
    char names[N][64];
    const char *ptrs[N];
    for (size_t i = 0; i < N; i++) {
        char id[13];
        rc_random_id(ctx, id);
        snprintf(names[i], sizeof names[i], "bad%s%s", bad[i], id);
        ptrs[i] = names[i];
    }
    refused_all(ctx, ptrs, N);
}

static void run_empty(rc_ctx *ctx)
{
    const char *names[] = {""};
    refused_all(ctx, names, 1);
}

static void run_hash(rc_ctx *ctx)
{
    char mid[64], lead[64];
    rc_chan(ctx, "a#b-", mid, sizeof mid);
    rc_chan(ctx, "#server-to-user-", lead, sizeof lead);
    rc_pconn *pc = rc_conn(ctx);
    if (!pc)
        return;
    if (!rc_send_subscribe(ctx, pc, mid, NULL, NULL) ||
        !rc_await_refusal(ctx, pc, "subscriber", mid))
        return;
    /* soketi lets '#' lead a name; Pusher reserves it for server-to-user channels. */
    if (!rc_send_subscribe(ctx, pc, lead, NULL, NULL))
        return;
    for (;;) {
        const rc_pmsg *m = NULL;
        int rc = rc_pusher_next(pc, RC_WAIT_MS, &m);
        if (rc != 1) {
            rc_fail_should(ctx, "no answer to a subscription to the reserved name %s", lead);
            return;
        }
        if (rc_is_refusal(m, lead))
            break;
        if (m->event && strcmp(m->event, "pusher_internal:subscription_succeeded") == 0) {
            rc_expect_seen(ctx, "a refusal", m->raw);
            rc_fail_should(ctx, "a client could subscribe to the reserved name %s", lead);
            return;
        }
    }
    rc_barrier(ctx, pc, "subscriber", NULL);
}

const rc_case rc_cases_s03_channels[] = {
    /* protocol §3.1: a name using every allowed character is accepted and usable */
    {
        .id = "pusher/3.1/allowed-chars-accepted",
        .section = "3.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a name using every allowed character is accepted and usable",
        .requirement =
            "Channel names consist of A-Z a-z 0-9 _ - = @ , . ; and such a name can be subscribed "
            "and receives the events published to it.",
        .tags = "needs:http-api",
        .run = run_allowed_chars,
    },
    /* protocol §3.1: a 164-byte name is accepted and usable */
    {
        .id = "pusher/3.1/length-164-accepted",
        .section = "3.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a 164-byte name is accepted and usable",
        .requirement = "Channel names of up to 164 bytes, prefix included, are accepted.",
        .tags = "needs:http-api",
        .run = run_len_164,
    },
    /* protocol §3.1: a 165-byte name is refused */
    {
        .id = "pusher/3.1/length-165-refused",
        .section = "3.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a 165-byte name is refused",
        .requirement =
            "A subscription to a channel name longer than 164 bytes is refused and the connection "
            "stays open.",
        .tags = "",
        .run = run_len_165,
    },
    /* protocol §3.1: names with characters outside the allowed set are refused */
    {
        .id = "pusher/3.1/forbidden-chars-refused",
        .section = "3.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "names with characters outside the allowed set are refused",
        .requirement = "A subscription to a name containing a byte outside [A-Za-z0-9_\\-=@,.;] is "
                       "refused and the connection stays open.",
        .tags = "",
        .run = run_forbidden,
    },
    /* protocol §3.1: the empty name is refused */
    {
        .id = "pusher/3.1/empty-refused",
        .section = "3.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "the empty name is refused",
        .requirement =
            "A subscription to the empty channel name is refused and the connection stays open.",
        .tags = "",
        .run = run_empty,
    },
    /* protocol §3.1: '#' is not allowed in client channel names */
    {
        .id = "pusher/3.1/hash-refused",
        .section = "3.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "'#' is not allowed in client channel names",
        .requirement =
            "'#' is reserved for server-side channels: a subscription to a name containing it is "
            "refused (leading '#': SHOULD).",
        .tags = "",
        .run = run_hash,
    },
    {0},
};
