/* Pusher profile, section 6.1: signing of HTTP API requests. A forged request (unsigned, a
 * wrong signature or key, a stale timestamp, a body not matching body_md5, an unknown app) must
 * have no effect: the subscriber's next message has to be a valid event published afterwards
 * (rc_next_is_probe); the status it is answered with is SHOULD. Publishing (6.2, 6.3, 6.5,
 * 6.7) is in s06_http_events.c, 6.4 in s06_queries.c, 6.6 in s06_http_limits.c and
 * s06_limits.c, the info attributes in s06_http_info.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "proto/httpsig.h"

enum sig_fault { UNSIGNED, BAD_SIGNATURE, WRONG_KEY, STALE, BODY_MD5, UNKNOWN_APP };

static char *event_body(const char *ch, const char *name, const char *data)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "name", name);
    cJSON *arr = cJSON_AddArrayToObject(o, "channels");
    if (arr)
        cJSON_AddItemToArray(arr, cJSON_CreateString(ch));
    cJSON_AddStringToObject(o, "data", data);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void sig_case(rc_ctx *ctx, enum sig_fault how)
{
    const rc_target *t = rc_target_of(ctx);
    char ch[64], path[160], url[2048], id[13];
    rc_chan(ctx, "sig-", ch, sizeof ch);
    rc_pconn *sub = rc_conn_sub(ctx, ch, NULL);
    if (!sub)
        return;
    char *body = event_body(ch, "forged", "must not arrive");
    char *other = event_body(ch, "forged", "another body");
    char *q = NULL;
    if (!body || !other) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    rc_random_id(ctx, id);
    if (how == UNKNOWN_APP)
        snprintf(path, sizeof path, "/apps/no-such-app-%s/events", id);
    else
        rc_app_path(ctx, "/events", path, sizeof path);
    long ts = (long)time(NULL) - (how == STALE ? 3600 : 0);
    const char *key = how == WRONG_KEY ? "not-the-app-key" : t->app_key;
    const char *signed_body = how == BODY_MD5 ? other : body;
    if (how != UNSIGNED) {
        q = rh_httpsig_build_query(key, t->app_secret, "POST", path, ts, signed_body,
                                   strlen(signed_body), NULL);
        if (!q) {
            rc_error(ctx, "out of memory signing");
            goto out;
        }
    }
    if (how == BAD_SIGNATURE) {
        char *sig = strstr(q, "auth_signature=");
        if (!sig) {
            rc_error(ctx, "signed query lacks auth_signature: %s", q);
            goto out;
        }
        char *last = sig + strlen("auth_signature=") + 63;
        *last = *last == '0' ? '1' : '0';
    }
    snprintf(url, sizeof url, "%s%s%s", path, q ? "?" : "", q ? q : "");
    rc_http_resp r = {0};
    if (rc_http(ctx, "POST", url, "Content-Type: application/json\r\n", body, strlen(body), &r) !=
        0)
        goto out;
    /* The status is the spec's choice (soketi answers 200 with the error in its body: a server
     * divergence, NON-STRICT by contract.md 2); that the forged request has no effect is the
     * contract's, checked by the probe whatever the status. */
    int ok = rc_expect_status_should(ctx, &r, how == UNKNOWN_APP ? 404 : 401, "forged publish");
    if (ok && (!r.json || !rc_json_str(r.json, "error"))) {
        rc_expect_seen(ctx, "{\"error\":\"...\",\"code\":N}", r.body);
        rc_fail_should(ctx, "the error answer is not a JSON body naming the error");
    }
    rc_http_resp_free(&r);
    rc_next_is_probe(ctx, sub, "subscriber (after the forged publish)", ch);
out:
    free(q);
    free(body);
    free(other);
}

static void run_unsigned(rc_ctx *ctx)
{
    sig_case(ctx, UNSIGNED);
}
static void run_bad_signature(rc_ctx *ctx)
{
    sig_case(ctx, BAD_SIGNATURE);
}
static void run_wrong_key(rc_ctx *ctx)
{
    sig_case(ctx, WRONG_KEY);
}
static void run_stale(rc_ctx *ctx)
{
    sig_case(ctx, STALE);
}
static void run_body_md5(rc_ctx *ctx)
{
    sig_case(ctx, BODY_MD5);
}
static void run_unknown_app(rc_ctx *ctx)
{
    sig_case(ctx, UNKNOWN_APP);
}

#define HTTP "needs:http-api"

const rc_case rc_cases_s06_http_api[] = {
    /* protocol §6.1: an unsigned request is refused with 401 */
    {
        .id = "pusher/6.1/unsigned-401",
        .section = "6.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "an unsigned request is refused with 401",
        .requirement =
            "An HTTP API request without auth_key, auth_timestamp, auth_version and "
            "auth_signature has no effect (MUST) and is answered 401 (SHOULD: soketi answers 200 "
            "with the error in its body).",
        .tags = HTTP,
        .run = run_unsigned,
    },
    /* protocol §6.1: a wrong auth_signature is refused with 401 */
    {
        .id = "pusher/6.1/bad-signature-401",
        .section = "6.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a wrong auth_signature is refused with 401",
        .requirement = "An HTTP API request whose auth_signature is not HMAC-SHA256(secret, "
                       "METHOD\\nPATH\\nQUERY) has no effect (MUST) and is answered 401 (SHOULD).",
        .tags = HTTP,
        .run = run_bad_signature,
    },
    /* protocol §6.1: an auth_key other than the app's is refused */
    {
        .id = "pusher/6.1/wrong-auth-key-401",
        .section = "6.1",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "an auth_key other than the app's is refused",
        .requirement = "An HTTP API request whose auth_key is not the app's key is answered 401 "
                       "and has no effect (Reverb and soketi do not check the key).",
        .tags = HTTP,
        .run = run_wrong_key,
    },
    /* protocol §6.1: a timestamp an hour old is refused */
    {
        .id = "pusher/6.1/stale-timestamp-401",
        .section = "6.1",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "a timestamp an hour old is refused",
        .requirement =
            "An HTTP API request whose auth_timestamp is more than 600 s from the server's time is "
            "answered 401 and has no effect (Reverb and soketi accept it).",
        .tags = HTTP,
        .run = run_stale,
    },
    /* protocol §6.1: a body not matching body_md5 is refused */
    {
        .id = "pusher/6.1/body-md5-mismatch-401",
        .section = "6.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a body not matching body_md5 is refused",
        .requirement = "An HTTP API request whose body is not the one body_md5 was computed over "
                       "has no effect (MUST) and is answered 401 (SHOULD).",
        .tags = HTTP,
        .run = run_body_md5,
    },
    /* protocol §6.1: an unknown app id is answered 404 */
    {
        .id = "pusher/6.1/unknown-app-404",
        .section = "6.1",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "an unknown app id is answered 404",
        .requirement =
            "An HTTP API request for an app id the server does not know has no effect on any app "
            "(MUST) and is answered 404 (SHOULD).",
        .tags = HTTP,
        .run = run_unknown_app,
    },
    {0},
};
