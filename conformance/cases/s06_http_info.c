/* Pusher profile, section 6.2.4 / 6.3.3: the info attributes of trigger answers.
 * */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* entry must hold key == want, and not the attribute that does not apply (absent_key). */
static int check_entry(rc_ctx *ctx, const cJSON *entry, const char *where, const char *key,
                       long long want, const char *absent_key, const char *body)
{
    long long n = -1;
    if (!cJSON_IsObject(entry) || !rc_json_int(entry, key, &n) || n != want) {
        char exp[96];
        snprintf(exp, sizeof exp, "%s: {\"%s\":%lld}", where, key, want);
        rc_expect_seen(ctx, exp, body);
        rc_fail(ctx, "%s: %s is not %lld", where, key, want);
        return 0;
    }
    if (absent_key && cJSON_GetObjectItemCaseSensitive(entry, absent_key)) {
        rc_expect_seen(ctx, "no attribute that does not apply to the channel type", body);
        rc_fail(ctx, "%s carries %s, which does not apply to that channel type", where, absent_key);
        return 0;
    }
    return 1;
}

static int presence_pair(rc_ctx *ctx, const char *ch)
{
    char id[13], u[2][32];
    rc_random_id(ctx, id);
    int ok = 1;
    for (int i = 0; i < 2 && ok; i++) {
        snprintf(u[i], sizeof u[i], "u-%s-%d", id, i);
        char *cd = rc_presence_data(u[i], "Info");
        ok = cd && rc_conn_sub(ctx, ch, cd);
        if (!cd)
            rc_error(ctx, "out of memory");
        free(cd);
    }
    return ok;
}

static void trigger_info(rc_ctx *ctx)
{
    char pub[64], pres[64], path[160];
    rc_chan(ctx, "info-", pub, sizeof pub);
    rc_chan(ctx, "presence-info-", pres, sizeof pres);
    if (!rc_conn_sub(ctx, pub, NULL) || !rc_conn_sub(ctx, pub, NULL) || !presence_pair(ctx, pres))
        return;
    char body[512];
    snprintf(body, sizeof body,
             "{\"name\":\"counted\",\"channels\":[\"%s\",\"%s\"],\"data\":\"x\","
             "\"info\":\"subscription_count,user_count\"}",
             pub, pres);
    rc_app_path(ctx, "/events", path, sizeof path);
    rc_http_resp r = {0};
    if (rc_api(ctx, "POST", path, NULL, body, &r) != 0)
        return;
    if (rc_expect_status(ctx, &r, 200, "trigger with info")) {
        const cJSON *chs = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "channels") : NULL;
        if (!cJSON_IsObject(chs)) {
            rc_expect_seen(ctx, "{\"channels\":{...}}", r.body);
            rc_fail(ctx, "the trigger answer with info has no channels object");
        } else if (check_entry(ctx, cJSON_GetObjectItemCaseSensitive(chs, pub), pub,
                               "subscription_count", 2, "user_count", r.body)) {
            check_entry(ctx, cJSON_GetObjectItemCaseSensitive(chs, pres), pres, "user_count", 2,
                        "subscription_count", r.body);
        }
    }
    rc_http_resp_free(&r);
    if (!rc_ok(ctx))
        return;
    /* Batch: entries aligned with the items, {} for the item that asked nothing. */
    snprintf(body, sizeof body,
             "{\"batch\":[{\"name\":\"a\",\"channel\":\"%s\",\"data\":\"1\"},"
             "{\"name\":\"b\",\"channel\":\"%s\",\"data\":\"2\",\"info\":\"subscription_count\"}]}",
             pub, pub);
    rc_app_path(ctx, "/batch_events", path, sizeof path);
    if (rc_api(ctx, "POST", path, NULL, body, &r) != 0)
        return;
    if (rc_expect_status(ctx, &r, 200, "batch with info")) {
        const cJSON *b = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "batch") : NULL;
        if (!cJSON_IsArray(b) || cJSON_GetArraySize(b) != 2 ||
            !cJSON_IsObject(cJSON_GetArrayItem(b, 0)) || cJSON_GetArrayItem(b, 0)->child) {
            rc_expect_seen(ctx, "{\"batch\":[{},{\"subscription_count\":2}]}", r.body);
            rc_fail(ctx, "the batch answer is not index-aligned with {} for the plain item");
        } else {
            check_entry(ctx, cJSON_GetArrayItem(b, 1), "batch item 2", "subscription_count", 2,
                        NULL, r.body);
        }
    }
    rc_http_resp_free(&r);
}

const rc_case rc_cases_s06_http_info[] = {
    /* protocol §6.2: trigger answers report the info attributes asked for */
    {
        .id = "pusher/6.2/info-attributes",
        .section = "6.2",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "trigger answers report the info attributes asked for",
        .requirement =
            "With info, a trigger answers {\"channels\":{C:{subscription_count|user_count}}} per "
            "channel type (attributes that do not apply left out), and a batch answers an "
            "index-aligned {\"batch\":[...]} with {} for items without info.",
        .tags = "needs:http-api needs:presence",
        .run = trigger_info,
    },
    {0},
};
