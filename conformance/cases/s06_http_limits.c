/* Pusher profile, section 6.6: the HTTP API's limits and status codes (channels per event,
 * events per batch, data size, data type). A refused request delivers nothing (MUST); its
 * status, and a limit other than Pusher's, are SHOULD: soketi answers its refusals with 200
 * and the error in the body, a server divergence that contract.md 2 makes NON-STRICT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

/* A 2xx answer to a request that had to be refused: NON-STRICT either way, since clients
 * that check the status take such a refusal for a success (6.6.2) and a server that published
 * it has a larger limit than the spec's (14.1). */
static void judge_success_answer(rc_ctx *ctx, const rc_http_resp *r, int want, rc_pconn *sub,
                                 const char *ch, const char *what)
{
    char exp[32], seen[512];
    snprintf(exp, sizeof exp, "HTTP %d", want);
    snprintf(seen, sizeof seen, "HTTP %d %.400s", r->status, r->body ? r->body : "");
    if (!rc_publish(ctx, ch, "probe", "after"))
        return;
    const rc_pmsg *m;
    if (!rc_next(ctx, sub, "subscriber", &m))
        return;
    rc_expect_seen(ctx, exp, seen);
    if (m->event && strcmp(m->event, "probe") == 0)
        rc_fail_should(ctx,
                       "%s: refused (nothing delivered) but answered HTTP %d, a success status",
                       what, r->status);
    else
        rc_fail_should(ctx, "%s: accepted and delivered (HTTP %d), not answered %d", what,
                       r->status, want);
}

/* POSTs body to /apps/{id}<suffix>. want 200: it must succeed (a refusal is a SHOULD-level
 * slip: the limits are SHOULD). Otherwise it must be refused: the exact status is SHOULD, a
 * 2xx is judged by judge_success_answer, and the subscriber's next message must be a probe
 * published afterwards (MUST: a refused request has no effect). 1 when all held. */
static int post_expect(rc_ctx *ctx, const char *suffix, const char *body, int want, rc_pconn *sub,
                       const char *ch, const char *what)
{
    char path[160];
    rc_app_path(ctx, suffix, path, sizeof path);
    rc_http_resp r = {0};
    if (rc_api(ctx, "POST", path, NULL, body, &r) != 0)
        return 0;
    int ok = r.status == want;
    if (!ok && want != 200 && r.status >= 200 && r.status < 300) {
        judge_success_answer(ctx, &r, want, sub, ch, what);
        rc_http_resp_free(&r);
        return 0;
    }
    if (!ok) {
        char exp[32], seen[512];
        snprintf(exp, sizeof exp, "HTTP %d", want);
        snprintf(seen, sizeof seen, "HTTP %d %.400s", r.status, r.body ? r.body : "");
        rc_expect_seen(ctx, exp, seen);
        rc_fail_should(ctx, "%s: expected HTTP %d, got %d", what, want, r.status);
    }
    rc_http_resp_free(&r);
    if (want == 200)
        return ok;
    return rc_next_is_probe(ctx, sub, "subscriber", ch) && ok;
}

static char *events_body(const char *const *chs, int n, const char *name, const char *data)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o ? cJSON_AddArrayToObject(o, "channels") : NULL;
    for (int i = 0; arr && i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(chs[i]));
    if (o) {
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "data", data);
    }
    char *s = arr ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}

static void too_many_channels(rc_ctx *ctx)
{
    enum { N = 101 };
    char names[N][40], id[13];
    const char *chs[N];
    rc_random_id(ctx, id);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "many-%s-%d", id, i);
        chs[i] = names[i];
    }
    rc_pconn *sub = rc_conn_sub(ctx, chs[0], NULL);
    if (!sub)
        return;
    char *over = events_body(chs, N, "too-many", "x");
    char *max = events_body(chs, N - 1, "hundred", "y");
    if (!over || !max) {
        rc_error(ctx, "out of memory");
    } else if (post_expect(ctx, "/events", over, 400, sub, chs[0], "event to 101 channels") &&
               post_expect(ctx, "/events", max, 200, sub, chs[0], "event to 100 channels")) {
        const rc_pmsg *m;
        if (rc_next(ctx, sub, "subscriber", &m))
            rc_check_event(ctx, m, "subscriber", "hundred", chs[0], "y");
    }
    free(over);
    free(max);
}

static char *batch_body(const char *ch, int n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = o ? cJSON_AddArrayToObject(o, "batch") : NULL;
    for (int i = 0; arr && i < n; i++) {
        cJSON *it = cJSON_CreateObject();
        char d[16];
        snprintf(d, sizeof d, "%d", i);
        cJSON_AddStringToObject(it, "name", "item");
        cJSON_AddStringToObject(it, "channel", ch);
        cJSON_AddStringToObject(it, "data", d);
        cJSON_AddItemToArray(arr, it);
    }
    char *s = arr ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}

static void batch_too_large(rc_ctx *ctx)
{
    char ch[64];
    rc_chan(ctx, "bigbatch-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    if (!sub)
        return;
    char *over = batch_body(ch, 11), *max = batch_body(ch, 10);
    if (!over || !max) {
        rc_error(ctx, "out of memory");
    } else if (post_expect(ctx, "/batch_events", over, 400, sub, ch, "batch of 11") &&
               post_expect(ctx, "/batch_events", max, 200, sub, ch, "batch of 10")) {
        for (int i = 0; i < 10; i++) {
            char d[16];
            snprintf(d, sizeof d, "%d", i);
            const rc_pmsg *m;
            if (!rc_next(ctx, sub, "subscriber", &m) ||
                !rc_check_event(ctx, m, "subscriber (batch of 10)", "item", ch, d))
                break;
        }
    }
    free(over);
    free(max);
}

static void data_too_large(rc_ctx *ctx)
{
    /* The server's declared limit, else this specification's (Pusher's) 10240: the contract
     * names no size, so a server with another limit is only NON-STRICT here. */
    const long declared = rc_target_of(ctx)->server.max_event_bytes;
    const long LIMIT = declared > 0 ? declared : 10240;
    char ch[64], over_what[64], max_what[64];
    rc_chan(ctx, "big-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    char *data = malloc(LIMIT + 2);
    if (!sub || !data) {
        if (sub)
            rc_error(ctx, "out of memory");
        free(data);
        return;
    }
    for (long i = 0; i <= LIMIT; i++)
        data[i] = (char)('a' + i % 26);
    data[LIMIT + 1] = '\0';
    snprintf(over_what, sizeof over_what, "%ld bytes of data", LIMIT + 1);
    snprintf(max_what, sizeof max_what, "%ld bytes of data", LIMIT);
    const char *c = ch;
    char *over = events_body(&c, 1, "big", data);
    data[LIMIT] = '\0';
    char *max = events_body(&c, 1, "big", data);
    if (!over || !max) {
        rc_error(ctx, "out of memory");
    } else if (post_expect(ctx, "/events", over, 413, sub, ch, over_what) &&
               post_expect(ctx, "/events", max, 200, sub, ch, max_what)) {
        const rc_pmsg *m;
        if (rc_next(ctx, sub, "subscriber", &m))
            rc_check_event(ctx, m, "subscriber", "big", ch, data);
    }
    free(over);
    free(max);
    free(data);
}

static void data_not_string(rc_ctx *ctx)
{
    char ch[64], body[256];
    rc_chan(ctx, "typed-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    if (!sub)
        return;
    static const char *const bad[] = {"{\"a\":1}", "42", "[\"x\"]", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "{\"name\":\"typed\",\"channels\":[\"%s\"],\"data\":%s}", ch,
                 bad[i]);
        char what[64];
        snprintf(what, sizeof what, "data %s", bad[i]);
        if (!post_expect(ctx, "/events", body, 400, sub, ch, what))
            return;
    }
}

const rc_case rc_cases_s06_http_limits[] = {
    /* protocol §6.6: an event to more than 100 channels is refused */
    {
        .id = "pusher/6.6/too-many-channels-400",
        .section = "6.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "an event to more than 100 channels is refused",
        .requirement =
            "POST /apps/{id}/events accepts up to 100 channels and answers 400 (SHOULD), "
            "delivering nothing, for more; a refusal SHOULD NOT be answered with a 2xx status "
            "(soketi answers 200 with the error in its body).",
        .tags = "needs:http-api",
        .run = too_many_channels,
    },
    /* protocol §6.6: a batch of more than 10 events is refused */
    {
        .id = "pusher/6.6/batch-too-large-400",
        .section = "6.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a batch of more than 10 events is refused",
        .requirement =
            "POST /apps/{id}/batch_events accepts up to 10 items and answers 400 (SHOULD), "
            "delivering nothing, for more; a refusal SHOULD NOT be answered with a 2xx status "
            "(soketi answers 200 with the error in its body).",
        .tags = "needs:http-api",
        .run = batch_too_large,
    },
    /* protocol §6.6: event data over the server's limit is refused with 413 */
    {
        .id = "pusher/6.6/data-too-large-413",
        .section = "6.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "event data over the server's limit is refused with 413",
        .requirement = "Event data up to the server's limit (declared as limits.max_event_bytes, "
                       "else 10240) is delivered intact; larger data is answered 413 (SHOULD) and "
                       "not delivered; a refusal is never answered with a 2xx status.",
        .tags = "needs:http-api",
        .run = data_too_large,
    },
    /* protocol §6.6: event data must be a string */
    {
        .id = "pusher/6.6/data-not-string-400",
        .section = "6.6",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "event data must be a string",
        .requirement =
            "An event whose data is not a JSON string (object, number) is answered 400 (SHOULD) "
            "and not delivered; a refusal is never answered with a 2xx status.",
        .tags = "needs:http-api",
        .run = data_not_string,
    },
    {0},
};
