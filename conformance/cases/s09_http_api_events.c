/* Stream profile, section 9.3: the stream events refused through the Pusher HTTP API on a
 * stream channel, so that only the control API numbers tokens and ends streams. */
#include <stdio.h>
#include <string.h>

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

const rc_case rc_cases_s09_http_api_events[] = {
    /* protocol §9.3: thread.token.streamed / thread.stream.ended on a stream channel refused by the
       HTTP API */
    {
        .id = "stream/9.3/http-api-stream-events",
        .section = "9.3",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "thread.token.streamed / thread.stream.ended on a stream channel refused by the "
                 "HTTP API",
        .requirement =
            "9.3.1: a server SHOULD refuse with 400 a Pusher HTTP API event (POST /events, "
            "/batch_events) named thread.token.streamed or thread.stream.ended on a "
            "stream channel, since it would carry any seq and bypass numbering (10) and "
            "the end rule (11). SHOULD, never MUST (9.3.2): a deployment built from "
            "third-party parts (soketi plus an app that numbers tokens itself and "
            "publishes them through the HTTP API) sends its tokens exactly this way and "
            "gets NON-STRICT here, not FAIL.",
        .tags = "needs:authorizer needs:http-api",
        .run = run_stream_names,
    },
    {0},
};
