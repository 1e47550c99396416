/* Stream profile: the stream events refused through the Pusher HTTP API on a stream channel
 * (9.3), so that only the control API numbers tokens and ends streams; and the control API's
 * cap on open streams (12.1.6). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "reserved.h"
#include "stream_common.h"

static void run_stream_names(rc_ctx *ctx)
{
    rc_sc_stream s;
    rc_sc_new(ctx, &s);
    rc_pconn *sub = rc_sc_member_sub(ctx, s.channel, &rc_target_of(ctx)->member);
    if (!sub)
        return;
    char tok[400], end[400];
    snprintf(
        tok, sizeof tok,
        "{\\\"workspace_id\\\":\\\"%s\\\",\\\"thread_id\\\":\\\"%s\\\",\\\"run_id\\\":\\\"%s\\\","
        "\\\"stream_id\\\":\\\"%s\\\",\\\"seq\\\":999,\\\"token\\\":\\\"forged\\\"}",
        s.workspace, s.thread, s.run, s.stream);
    snprintf(
        end, sizeof end,
        "{\\\"workspace_id\\\":\\\"%s\\\",\\\"thread_id\\\":\\\"%s\\\",\\\"run_id\\\":\\\"%s\\\","
        "\\\"stream_id\\\":\\\"%s\\\",\\\"last_seq\\\":999,\\\"reason\\\":\\\"completed\\\"}",
        s.workspace, s.thread, s.run, s.stream);
    if (rc_reserved_refused(ctx, sub, s.channel, "thread.token.streamed", tok))
        rc_reserved_refused(ctx, sub, s.channel, "thread.stream.ended", end);
}

/* POST /apps/{limit app}/streams (sid NULL: .../streams/{end}/end). Status, or -1. */
static int limit_ctl(rc_ctx *ctx, const rc_limits *l, const char *sid, const char *end,
                     rc_http_resp *r)
{
    char path[256], body[400];
    if (end)
        snprintf(path, sizeof path, "/apps/%s/streams/%s/end", l->app_id, end);
    else
        snprintf(path, sizeof path, "/apps/%s/streams", l->app_id);
    snprintf(body, sizeof body,
             "{\"workspace_id\":\"%s\",\"thread_id\":\"cap\",\"run_id\":\"r\","
             "\"stream_id\":\"%s\"}",
             rc_target_of(ctx)->member.workspace, sid ? sid : "");
    if (rc_api_as(ctx, l->key, l->secret, "POST", path, NULL, end ? "{}" : body, r) != 0)
        return -1;
    return r->status;
}

static void run_open_cap(rc_ctx *ctx)
{
    const rc_limits *l = &rc_target_of(ctx)->limits;
    if (!l->known || l->max_open_streams <= 0 || l->max_open_streams > 20) {
        rc_skip(ctx, "no --limits, or the limit app's max_open_streams is not in 1..20");
        return;
    }
    /* the limit app's request rate counts in one-second windows: start in a fresh one */
    usleep(1100 * 1000);
    char base[13], sid[24][40];
    rc_random_id(ctx, base);
    long n = l->max_open_streams;
    rc_http_resp r = {0};
    for (long i = 0; i <= n && rc_ok(ctx); i++) {
        snprintf(sid[i], sizeof sid[i], "cap-%s-%ld", base, i);
        int st = limit_ctl(ctx, l, sid[i], NULL, &r);
        if (st < 0)
            return;
        if (i < n && st != 201) {
            rc_expect_seen(ctx, "201", r.body);
            rc_fail(ctx, "start %ld of max_open_streams %ld answered %d", i + 1, n, st);
        } else if (i == n && st >= 200 && st < 300) {
            rc_expect_seen(ctx, "a refusal (429), nothing created", r.body);
            rc_fail(ctx, "a start over max_open_streams %ld was accepted: %d", n, st);
        } else if (i == n && st != 429) {
            rc_expect_seen(ctx, "429", r.body);
            rc_fail_should(ctx, "a start over max_open_streams was refused with %d, not 429", st);
        }
        rc_http_resp_free(&r);
    }
    /* an end frees a place */
    if (rc_ok(ctx) && limit_ctl(ctx, l, NULL, sid[0], &r) == 200) {
        rc_http_resp_free(&r);
        int st = limit_ctl(ctx, l, sid[n], NULL, &r);
        if (st != 201) {
            rc_expect_seen(ctx, "201 once a stream ended", r.body);
            rc_fail(ctx, "after an end, a start under max_open_streams answered %d", st);
        }
    }
    rc_http_resp_free(&r);
    for (long i = 1; i <= n; i++) /* leave the limit app without open streams */
        if (limit_ctl(ctx, l, NULL, sid[i], &r) >= 0)
            rc_http_resp_free(&r);
}

const rc_case rc_cases_stream_http_api[] = {
    {"stream/9.3/http-api-stream-events", "9.3", RC_SHOULD,
     "thread.token.streamed / thread.stream.ended on a stream channel refused by the HTTP API",
     "9.3.1: a server SHOULD refuse with 400 a Pusher HTTP API event (POST /events, "
     "/batch_events) named thread.token.streamed or thread.stream.ended on a stream channel, "
     "since it would carry any seq and bypass numbering (10) and the end rule (11). SHOULD, "
     "never MUST (9.3.2): a deployment built from third-party parts (soketi plus an app that "
     "numbers tokens itself and publishes them through the HTTP API) sends its tokens exactly "
     "this way and gets NON-STRICT here, not FAIL.",
     "needs:authorizer needs:http-api", 0, run_stream_names},
    {"stream/12.1/open-stream-cap", "12.1", RC_MUST,
     "a start over the app's open-stream cap is refused (429); an end frees a place",
     "12.1.6: a start that would exceed a server's cap on open streams MUST NOT be answered 2xx "
     "and creates nothing, and SHOULD be answered 429; once a stream ends its place is free. "
     "Checked on the --limits app with its max_open_streams.",
     "needs:control-api needs:limits", 8000, run_open_cap},
    {NULL, NULL, RC_MUST, NULL, NULL, NULL, 0, NULL},
};
