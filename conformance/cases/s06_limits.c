/* Per-app limits (docs/protocol.md 2.1, 2.5, 4.6, 6.6): connection quota, origin allowlist,
 * subscriptions per connection, HTTP requests per second. These need limits low enough to
 * reach in a case, so they run against a separate app whose credentials and limits the suite
 * reads from the server's config (--limits FILE); without it they SKIP (needs:limits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define QUICK_MS  3000
#define MAX_CONNS 200 /* the quota case opens max_connections sockets: keep it small */

static const rc_limits *limits_or_skip(rc_ctx *ctx)
{
    const rc_limits *l = &rc_target_of(ctx)->limits;
    if (!l->known) {
        rc_skip(ctx, "the limit app is not known (run with --limits FILE)");
        return NULL;
    }
    return l;
}

static void limits_path(const rc_limits *l, char *out, size_t outlen)
{
    snprintf(out, outlen, "/app/%s?protocol=7&client=rehome-conform", l->key);
}

/* What the first message of a new connection to the limit app was. */
enum { FIRST_ESTABLISHED, FIRST_ERROR, FIRST_CLOSED, FIRST_OTHER, FIRST_NONE };

/* Opens a connection to the limit app and reads its first message; *code gets the
 * pusher:error code, or the close code when the server closed without one. */
static int open_first(rc_ctx *ctx, const rc_limits *l, const char *headers, rc_pconn **out,
                      long long *code)
{
    char path[256];
    limits_path(l, path, sizeof path);
    *code = 0;
    rc_pconn *pc = rc_pusher_open(ctx, path, headers);
    *out = pc;
    if (!pc)
        return FIRST_NONE;
    const rc_pmsg *m;
    int r = rc_pusher_next(pc, QUICK_MS, &m);
    if (r < 0) {
        *code = rc_ws_close_code(pc->ws);
        return FIRST_CLOSED;
    }
    if (r == 0)
        return FIRST_NONE;
    if (m->event && strcmp(m->event, "pusher:connection_established") == 0)
        return FIRST_ESTABLISHED;
    if (rc_error_code(m, code))
        return FIRST_ERROR;
    return FIRST_OTHER;
}

/* open_first for a connection the case needs, not the one it tests: connections of the limit
 * case before this one may still be closing on the server's side, so a quota refusal (4004)
 * is retried for up to a second and a half before it counts. */
static int open_room(rc_ctx *ctx, const rc_limits *l, const char *headers, rc_pconn **out,
                     long long *code)
{
    for (int attempt = 0;; attempt++) {
        int f = open_first(ctx, l, headers, out, code);
        if (!((f == FIRST_ERROR || f == FIRST_CLOSED) && *code == 4004) || attempt >= 15)
            return f;
        rc_log(ctx, "the limit app is at its connection quota; retrying in 100 ms");
        rc_pusher_close(*out);
        usleep(100000);
    }
}

/* After a refusal's pusher:error: the connection must close with want (or at least close). */
static void expect_refusal(rc_ctx *ctx, rc_pconn *pc, int first, long long code, long long want,
                           const char *what)
{
    char seen[96];
    if (first == FIRST_ESTABLISHED) {
        rc_fail(ctx, "%s: got pusher:connection_established", what);
        snprintf(seen, sizeof seen, "connection_established");
        rc_expect_seen(ctx, "pusher:error and close", seen);
        return;
    }
    if (first == FIRST_CLOSED) {
        if (code != want)
            rc_fail(ctx, "%s: closed with %lld, want pusher:error/close %lld", what, code, want);
        else
            rc_fail_should(ctx, "%s: closed with %lld but no pusher:error first", what, code);
        return;
    }
    if (first != FIRST_ERROR || code != want) {
        snprintf(seen, sizeof seen, first == FIRST_ERROR ? "pusher:error %lld" : "no error", code);
        rc_fail(ctx, "%s: want pusher:error %lld, got %s", what, want, seen);
        rc_expect_seen(ctx, want == 4004 ? "pusher:error 4004" : "pusher:error 4009", seen);
        return;
    }
    const rc_pmsg *m;
    int r = rc_pusher_next(pc, QUICK_MS, &m);
    if (r >= 0) {
        rc_fail_should(ctx, "%s: connection not closed after pusher:error %lld", what, want);
        return;
    }
    int cc = rc_ws_close_code(pc->ws);
    if (cc != want)
        rc_fail_should(ctx, "%s: close code %d after pusher:error %lld", what, cc, want);
}

static void connection_quota(rc_ctx *ctx)
{
    const rc_limits *l = limits_or_skip(ctx);
    if (!l)
        return;
    if (l->max_connections <= 0 || l->max_connections > MAX_CONNS) {
        rc_skip(ctx, "the limit app's max_connections is not in 1..%d", MAX_CONNS);
        return;
    }
    rc_pconn *first = NULL;
    long long code;
    for (long i = 0; i < l->max_connections; i++) {
        rc_pconn *pc;
        int f = open_room(ctx, l, NULL, &pc, &code);
        RC_CHECK(ctx, f == FIRST_ESTABLISHED,
                 "connection %ld of max_connections %ld refused (first message kind %d, code "
                 "%lld)",
                 i + 1, l->max_connections, f, code);
        if (!first)
            first = pc;
    }
    rc_pconn *over;
    int f = open_first(ctx, l, NULL, &over, &code);
    expect_refusal(ctx, over, f, code, 4004, "a connection over max_connections");
    if (!rc_ok(ctx))
        return;
    /* The quota counts open connections: one closed frees a place. */
    rc_pusher_close(first);
    for (int attempt = 0;; attempt++) {
        rc_pconn *pc;
        f = open_first(ctx, l, NULL, &pc, &code);
        if (f == FIRST_ESTABLISHED)
            return;
        RC_CHECK(ctx, attempt < 10,
                 "after closing one of %ld connections a new one is still refused (code %lld)",
                 l->max_connections, code);
        usleep(100000);
    }
}

static void origin_allowlist(rc_ctx *ctx)
{
    const rc_limits *l = limits_or_skip(ctx);
    if (!l)
        return;
    if (!l->allowed_origin[0]) {
        rc_skip(ctx, "the limit app allows every origin (no allowed_origins entry)");
        return;
    }
    char hdr[320];
    rc_pconn *pc;
    long long code;
    snprintf(hdr, sizeof hdr, "Origin: %s\r\n", l->allowed_origin);
    int f = open_room(ctx, l, hdr, &pc, &code);
    RC_CHECK(ctx, f == FIRST_ESTABLISHED, "an allowed Origin (%s) was refused (code %lld)",
             l->allowed_origin, code);
    f = open_room(ctx, l, NULL, &pc, &code);
    RC_CHECK(ctx, f == FIRST_ESTABLISHED, "a client sending no Origin was refused (code %lld)",
             code);
    f = open_room(ctx, l, "Origin: https://rc-foreign.invalid\r\n", &pc, &code);
    expect_refusal(ctx, pc, f, code, 4009, "Origin https://rc-foreign.invalid");
}

static int limits_publish(rc_ctx *ctx, const rc_limits *l, const char *channel, const char *data,
                          rc_http_resp *resp)
{
    char path[128], body[512];
    snprintf(path, sizeof path, "/apps/%s/events", l->app_id);
    snprintf(body, sizeof body, "{\"name\":\"rc-limit\",\"channel\":\"%s\",\"data\":\"%s\"}",
             channel, data);
    return rc_api_as(ctx, l->key, l->secret, "POST", path, NULL, body, resp);
}

static void subscription_limit(rc_ctx *ctx)
{
    const rc_limits *l = limits_or_skip(ctx);
    if (!l)
        return;
    if (l->max_subscriptions <= 0 || l->max_subscriptions > 1000) {
        rc_skip(ctx, "the limit app's max_subscriptions is not in 1..1000");
        return;
    }
    rc_pconn *pc;
    long long code;
    RC_CHECK(ctx, open_room(ctx, l, NULL, &pc, &code) == FIRST_ESTABLISHED,
             "cannot connect to the limit app (code %lld)", code);
    char first[64] = "", ch[64];
    for (long i = 0; i < l->max_subscriptions; i++) {
        rc_chan(ctx, "rc-lim-", ch, sizeof ch);
        if (!first[0])
            snprintf(first, sizeof first, "%s", ch);
        RC_TRY(ctx, rc_pusher_subscribe(pc, ch, NULL, NULL) == 0, "send failed");
        RC_CHECK(
            ctx,
            rc_await(ctx, pc, "subscriber", "pusher_internal:subscription_succeeded", ch, NULL),
            "subscription %ld of max_subscriptions %ld refused", i + 1, l->max_subscriptions);
    }
    char over[64];
    rc_chan(ctx, "rc-lim-", over, sizeof over);
    RC_TRY(ctx, rc_pusher_subscribe(pc, over, NULL, NULL) == 0, "send failed");
    const rc_pmsg *m;
    int r = rc_pusher_next(pc, QUICK_MS, &m);
    RC_CHECK(ctx, r == 1, "subscription over max_subscriptions: no answer (%s)",
             r == 0 ? "timeout" : "connection closed");
    RC_CHECK(ctx, rc_is_refusal(m, over) || (m->event && strcmp(m->event, "pusher:error") == 0),
             "subscription over max_subscriptions (%ld) was not refused: %s", l->max_subscriptions,
             m->raw);
    /* Refused means not subscribed: an event on that channel must not arrive. */
    rc_http_resp resp;
    int st = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        RC_TRY(ctx, limits_publish(ctx, l, over, "after", &resp) == 0, "publish failed");
        st = resp.status;
        rc_http_resp_free(&resp);
        if (st != 429)
            break;
        sleep(1);
    }
    /* without a published event the silence below would prove nothing */
    RC_TRY(ctx, st == 200, "the probe event on the refused channel was not published (%d)", st);
    RC_CHECK(ctx, rc_quiet(ctx, pc, "refused subscriber", over, RC_QUIET_MS * 2),
             "an event reached a refused subscription");
    /* The limit counts current subscriptions: one unsubscribed frees a place. */
    RC_TRY(ctx, rc_send_unsubscribe(ctx, pc, first), "send failed");
    RC_TRY(ctx, rc_pusher_subscribe(pc, over, NULL, NULL) == 0, "send failed");
    rc_await(ctx, pc, "subscriber after unsubscribe", "pusher_internal:subscription_succeeded",
             over, NULL);
}

static void http_rate_limit(rc_ctx *ctx)
{
    const rc_limits *l = limits_or_skip(ctx);
    if (!l)
        return;
    long max = l->http_requests_per_sec;
    if (max <= 0 || max > 100) {
        rc_skip(ctx, "the limit app's http_requests_per_sec is not in 1..100");
        return;
    }
    rc_pconn *pc;
    long long code;
    RC_CHECK(ctx, open_room(ctx, l, NULL, &pc, &code) == FIRST_ESTABLISHED,
             "cannot connect to the limit app (code %lld)", code);
    char ch[64];
    rc_chan(ctx, "rc-rate-", ch, sizeof ch);
    RC_TRY(ctx, rc_pusher_subscribe(pc, ch, NULL, NULL) == 0, "send failed");
    RC_CHECK(ctx,
             rc_await(ctx, pc, "subscriber", "pusher_internal:subscription_succeeded", ch, NULL),
             "subscription refused");
    /* Requests as fast as they go until one is refused. A server may count in fixed windows,
     * so up to 2*max may pass in any one second without a breach; more is the proof. */
    long n = 10 * max + 1, ok = 0, limited = 0;
    int retry_after = 0;
    int64_t ok_ms[1001];
    for (long i = 0; i < n && rc_ok(ctx) && !limited; i++) {
        char data[16];
        snprintf(data, sizeof data, "%ld", i);
        rc_http_resp resp;
        RC_TRY(ctx, limits_publish(ctx, l, ch, data, &resp) == 0, "publish failed");
        if (resp.status == 200) {
            ok_ms[ok++] = rc_now_ms();
        } else if (resp.status == 429) {
            limited++;
            char ra[32] = "";
            long long jc = 0;
            if (!rc_http_header(&resp, "Retry-After", ra, sizeof ra) || atoi(ra) < 1)
                rc_fail_should(ctx, "429 without a Retry-After of whole seconds (got \"%s\")", ra);
            else
                retry_after = atoi(ra);
            if (!rc_json_int(resp.json, "code", &jc) || jc != 429)
                rc_fail_should(ctx, "429 body is not {\"error\":..,\"code\":429}: %s", resp.body);
        } else {
            rc_fail(ctx, "request %ld answered %d, want 200 or 429: %s", i, resp.status, resp.body);
        }
        rc_http_resp_free(&resp);
    }
    if (!rc_ok(ctx))
        return;
    if (!limited) {
        long most = 0; /* the most requests accepted within one second */
        for (long a = 0, b = 0; b < ok; b++) {
            while (ok_ms[b] - ok_ms[a] >= 1000)
                a++;
            most = b - a + 1 > most ? b - a + 1 : most;
        }
        RC_CHECK(ctx, most <= 2 * max,
                 "%ld requests accepted within one second by an app limited to %ld per second; "
                 "none answered 429",
                 most, max);
        rc_skip(ctx, "requests too slow to reach the limit (at most %ld in one second)", most);
        return;
    }
    /* Refused requests publish nothing: exactly ok events arrive. */
    long got = 0;
    const rc_pmsg *m;
    while (rc_pusher_next(pc, RC_QUIET_MS * 2, &m) == 1)
        if (m->event && strcmp(m->event, "rc-limit") == 0)
            got++;
    RC_CHECK(ctx, got == ok, "%ld requests accepted, %ld answered 429, but %ld events delivered",
             ok, limited, got);
    /* After Retry-After seconds the app may publish again. */
    if (retry_after > 0 && retry_after <= 5 && rc_allow_wait(ctx, retry_after * 1000L, "retry"))
        sleep((unsigned)retry_after);
    rc_http_resp resp;
    RC_TRY(ctx, limits_publish(ctx, l, ch, "again", &resp) == 0, "publish failed");
    int st = resp.status;
    rc_http_resp_free(&resp);
    RC_CHECK(ctx, st == 200, "after waiting Retry-After (%d s) a request got %d", retry_after, st);
}

const rc_case rc_cases_s06_limits[] = {
    /* protocol §2.1: An Origin outside the allowlist gets 4009 */
    {
        .id = "pusher/2.1/origin-allowlist",
        .section = "2.1",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "An Origin outside the allowlist gets 4009",
        .requirement =
            "With allowed_origins set, an upgrade whose Origin is not listed gets pusher:error "
            "4009 "
            "and close 4009 (no connection_established); a listed Origin and no Origin connect.",
        .tags = "needs:limits",
        .timeout_ms = 10000,
        .run = origin_allowlist,
    },
    /* protocol §2.5: Connections over max_connections get 4004 */
    {
        .id = "pusher/2.5/connection-quota-4004",
        .section = "2.5",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "Connections over max_connections get 4004",
        .requirement = "An app at max_connections refuses the next connection with pusher:error "
                       "4004 and close 4004; closing one frees a place.",
        .tags = "needs:limits",
        .timeout_ms = 20000,
        .run = connection_quota,
    },
    /* protocol §4.6: Subscriptions over the limit are refused */
    {
        .id = "pusher/4.6/subscription-limit",
        .section = "4.6",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "Subscriptions over the limit are refused",
        .requirement =
            "A connection holding max_subscriptions channels is refused the next subscription "
            "(pusher:subscription_error LimitReached), is not subscribed, stays open, and may "
            "subscribe again after an unsubscribe.",
        .tags = "needs:limits",
        .timeout_ms = 15000,
        .run = subscription_limit,
    },
    /* protocol §6.6: HTTP requests over the app rate get 429 */
    {
        .id = "pusher/6.6/rate-limit-429",
        .section = "6.6",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "HTTP requests over the app rate get 429",
        .requirement =
            "Signed requests over http_requests_per_sec in one second get 429 with Retry-After and "
            "{\"error\",\"code\":429}, publish nothing, and the app may publish again after "
            "Retry-After.",
        .tags = "needs:limits",
        .timeout_ms = 20000,
        .run = http_rate_limit,
    },
    {0},
};
