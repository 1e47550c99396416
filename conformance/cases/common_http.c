/* rc_ (cases/common, HTTP API part): publishing through the HTTP API and checking the status
 * of its answers, for the case files of both profiles. Declared in common.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

void rc_app_path(rc_ctx *ctx, const char *suffix, char *out, size_t outlen)
{
    snprintf(out, outlen, "/apps/%s%s", rc_target_of(ctx)->app_id, suffix);
}

int rc_publish_req(rc_ctx *ctx, const char *const *channels, size_t n, int singular,
                   const char *name, const char *data, const char *socket_id, rc_http_resp *resp)
{
    char path[256];
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        rc_error(ctx, "out of memory building an events body");
        return -1;
    }
    cJSON_AddStringToObject(o, "name", name);
    if (singular && n == 1) {
        cJSON_AddStringToObject(o, "channel", channels[0]);
    } else {
        cJSON *arr = cJSON_AddArrayToObject(o, "channels");
        for (size_t i = 0; arr && i < n; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateString(channels[i]));
    }
    cJSON_AddStringToObject(o, "data", data);
    if (socket_id)
        cJSON_AddStringToObject(o, "socket_id", socket_id);
    char *body = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!body) {
        rc_error(ctx, "out of memory building an events body");
        return -1;
    }
    rc_app_path(ctx, "/events", path, sizeof path);
    int rc = rc_api(ctx, "POST", path, NULL, body, resp);
    free(body);
    return rc;
}

int rc_http_success(const rc_http_resp *resp)
{
    return resp->status == 200 && resp->json && cJSON_IsObject(resp->json);
}

int rc_post_app(rc_ctx *ctx, const char *suffix, const char *body)
{
    char path[256];
    rc_app_path(ctx, suffix, path, sizeof path);
    rc_http_resp r = {0};
    if (rc_api(ctx, "POST", path, NULL, body, &r) != 0)
        return 0;
    int ok = rc_http_success(&r);
    if (!ok) {
        rc_expect_seen(ctx, "200 and a JSON object", r.body ? r.body : "");
        rc_fail(ctx, "POST %s answered %d", path, r.status);
    }
    rc_http_resp_free(&r);
    return ok;
}

/* should: a SHOULD-level slip (rc_fail_should) instead of rc_fail. */
static int expect_status(rc_ctx *ctx, const rc_http_resp *resp, int status, const char *what,
                         int should)
{
    if (resp->status == status)
        return 1;
    char exp[32], seen[512];
    snprintf(exp, sizeof exp, "HTTP %d", status);
    snprintf(seen, sizeof seen, "HTTP %d %.400s", resp->status, resp->body ? resp->body : "");
    rc_expect_seen(ctx, exp, seen);
    if (should)
        rc_fail_should(ctx, "%s: expected HTTP %d, got %d", what, status, resp->status);
    else
        rc_fail(ctx, "%s: expected HTTP %d, got %d", what, status, resp->status);
    return 0;
}

int rc_expect_status(rc_ctx *ctx, const rc_http_resp *resp, int status, const char *what)
{
    return expect_status(ctx, resp, status, what, 0);
}

int rc_publish(rc_ctx *ctx, const char *channel, const char *name, const char *data)
{
    rc_http_resp r = {0};
    if (rc_publish_req(ctx, &channel, 1, 0, name, data, NULL, &r) != 0)
        return 0;
    int ok = rc_http_success(&r);
    if (!ok) {
        rc_expect_seen(ctx, "HTTP 200 with a JSON object", r.body ? r.body : "");
        rc_fail(ctx, "publishing %s to %s was refused: HTTP %d", name, channel, r.status);
    }
    rc_http_resp_free(&r);
    return ok;
}

int rc_expect_status_should(rc_ctx *ctx, const rc_http_resp *resp, int status, const char *what)
{
    return expect_status(ctx, resp, status, what, 1);
}
