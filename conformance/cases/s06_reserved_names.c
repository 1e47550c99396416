/* Pusher profile, section 6.2.6 (the rest of 6.2 is in s06_http_events.c): event names
 * reserved for the protocol (pusher:, pusher_internal:) refused by the HTTP API. */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "reserved.h"

/* One refused request: status and what a subscriber of ch must (not) see. */
static int refused(rc_ctx *ctx, const char *what, const char *path, const char *body)
{
    rc_http_resp r = {0};
    if (rc_api(ctx, "POST", path, NULL, body, &r) != 0)
        return 0;
    int ok = 1;
    if (r.status >= 200 && r.status < 300) {
        rc_expect_seen(ctx, "HTTP 400 with an error body, nothing published", r.body);
        rc_fail(ctx, "%s was accepted: HTTP %d %.200s", what, r.status, r.body ? r.body : "");
        ok = 0;
    } else if (r.status != 400) {
        rc_expect_seen(ctx, "HTTP 400", r.body);
        rc_fail_should(ctx, "%s was refused with %d, not 400", what, r.status);
    }
    rc_http_resp_free(&r);
    return ok;
}

int rc_reserved_refused(rc_ctx *ctx, rc_pconn *sub, const char *ch, const char *name,
                        const char *data)
{
    char body[1024], path[160], what[320];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"channel\":\"%s\",\"data\":\"%s\"}", name, ch,
             data);
    snprintf(what, sizeof what, "POST /events with event %s on %s", name, ch);
    rc_app_path(ctx, "/events", path, sizeof path);
    if (!refused(ctx, what, path, body))
        return 0;
    snprintf(body, sizeof body,
             "{\"batch\":[{\"name\":\"%s\",\"channel\":\"%s\",\"data\":\"%s\"}]}", name, ch, data);
    snprintf(what, sizeof what, "POST /batch_events with event %s on %s", name, ch);
    rc_app_path(ctx, "/batch_events", path, sizeof path);
    if (!refused(ctx, what, path, body))
        return 0;
    return rc_next_is_probe(ctx, sub, "subscriber (after the refused requests)", ch);
}

static void run_reserved(rc_ctx *ctx)
{
    static const char *const names[] = {"pusher:connection_established",
                                        "pusher_internal:member_added", "pusher:x"};
    char ch[64];
    rc_chan(ctx, "reserved-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    if (!sub)
        return;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!rc_reserved_refused(ctx, sub, ch, names[i], "{}"))
            return;
}

const rc_case rc_cases_s06_reserved_names[] = {
    /* protocol §6.2: events named pusher:... or pusher_internal:... are refused by the HTTP API */
    {
        .id = "pusher/6.2/reserved-event-names",
        .section = "6.2",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "events named pusher:... or pusher_internal:... are refused by the HTTP API",
        .requirement =
            "6.2.6: an event name starting with pusher: or pusher_internal: SHOULD be refused "
            "with 400 by POST /events and POST /batch_events, and a refused request "
            "MUST NOT publish anything (6.6.3): a subscriber's library takes such an "
            "event for the server's own.",
        .tags = "needs:http-api",
        .run = run_reserved,
    },
    {0},
};
