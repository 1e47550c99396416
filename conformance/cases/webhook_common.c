/* Helpers of the webhook cases (docs/protocol.md section 20). */
#include "webhook_common.h"

#include <stdio.h>
#include <string.h>

#include "common.h"
#include "wire/clock.h"
#include "wire/whreq.h"

rc_whrecv *rc_wh_recv(rc_ctx *ctx)
{
    rc_whrecv *r = rc_target_of(ctx)->webhooks;
    if (!r)
        rc_skip(ctx, "no webhook receiver (--webhook-listen HOST:PORT, with the server "
                     "configured to send its webhooks there)");
    return r;
}

int rc_wh_due_ms(rc_ctx *ctx)
{
    long b = rc_target_of(ctx)->server.webhook_batch_ms;
    return RC_WAIT_MS + (b > 0 ? (int)b : 0);
}

int rc_wh_delay_ms(rc_ctx *ctx)
{
    long d = rc_target_of(ctx)->server.webhook_delay_ms;
    return d < 0 ? 0 : d > 0 ? (int)d : 3000;
}

/* The event of root's events matching, or NULL. */
static const cJSON *match(const cJSON *root, const char *name, const char *channel,
                          const char *user_id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "events"))
    {
        const char *n = rc_json_str(e, "name"), *c = rc_json_str(e, "channel");
        const char *u = rc_json_str(e, "user_id");
        if (n && c && strcmp(n, name) == 0 && strcmp(c, channel) == 0 &&
            (!user_id || (u && strcmp(u, user_id) == 0)))
            return e;
    }
    return NULL;
}

/* Parses post i; NULL (and rc_fail when it names channel) when it is not a webhook body. */
static cJSON *body_of(rc_ctx *ctx, const rc_whpost *p, const char *channel)
{
    char why[96];
    cJSON *root = rw_whbody_parse(p->body, p->body_len, why, sizeof why);
    if (!root && strstr(p->body, channel)) {
        rc_expect_seen(ctx, "{\"time_ms\":N,\"events\":[{\"name\":...},...]}", p->body);
        rc_fail(ctx, "a webhook naming %s has a malformed body: %s", channel, why);
    }
    return root;
}

long rc_wh_find(rc_ctx *ctx, size_t from, const char *name, const char *channel,
                const char *user_id, int ms, cJSON **ev, rc_whpost *post)
{
    rc_whrecv *r = rc_target_of(ctx)->webhooks;
    int64_t deadline = rw_deadline_ns(ms);
    size_t i = from;
    for (;;) {
        size_t n = rc_whrecv_count(r);
        for (; i < n; i++) {
            rc_whpost p;
            if (rc_whrecv_get(r, i, &p) != 0)
                continue;
            cJSON *root = body_of(ctx, &p, channel);
            const cJSON *e = root ? match(root, name, channel, user_id) : NULL;
            if (e) {
                if (ev)
                    *ev = cJSON_Duplicate(e, 1);
                if (post)
                    *post = p;
                else
                    rc_whpost_clear(&p);
                cJSON_Delete(root);
                return (long)i;
            }
            cJSON_Delete(root);
            rc_whpost_clear(&p);
        }
        int left = rw_left_ms(deadline);
        if (left <= 0 || !rc_ok(ctx))
            return -1;
        rc_whrecv_wait(r, n, left);
    }
}

int rc_wh_count(rc_ctx *ctx, size_t from, const char *name, const char *channel)
{
    rc_whrecv *r = rc_target_of(ctx)->webhooks;
    int count = 0;
    size_t n = rc_whrecv_count(r);
    for (size_t i = from; i < n; i++) {
        rc_whpost p;
        if (rc_whrecv_get(r, i, &p) != 0)
            continue;
        cJSON *root = body_of(ctx, &p, channel);
        const cJSON *e, *evs = root ? cJSON_GetObjectItemCaseSensitive(root, "events") : NULL;
        cJSON_ArrayForEach(e, evs)
        {
            const char *nm = rc_json_str(e, "name"), *c = rc_json_str(e, "channel");
            count += nm && c && strcmp(nm, name) == 0 && strcmp(c, channel) == 0;
        }
        cJSON_Delete(root);
        rc_whpost_clear(&p);
    }
    return count;
}

int rc_wh_expect(rc_ctx *ctx, size_t from, const char *name, const char *channel,
                 const char *user_id, int ms, cJSON **ev, rc_whpost *post)
{
    if (rc_wh_find(ctx, from, name, channel, user_id, ms, ev, post) >= 0)
        return 1;
    if (!rc_ok(ctx))
        return 0;
    char exp[400];
    snprintf(exp, sizeof exp, "a webhook with {\"name\":\"%s\",\"channel\":\"%s\"%s%s%s}", name,
             channel, user_id ? ",\"user_id\":\"" : "", user_id ? user_id : "",
             user_id ? "\"" : "");
    rc_expect_seen(ctx, exp, "none within the wait");
    rc_fail(ctx, "no %s webhook for %s%s%s within %d ms", name, channel,
            user_id ? " with user_id " : "", user_id ? user_id : "", ms);
    return 0;
}
