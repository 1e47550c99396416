/* Pusher profile, section 6.4: channel queries (GET channels, one channel, its users).
 *
 * Occupancy changes are made deterministic with a ping/pong barrier on the connection that
 * (un)subscribed before querying. On several nodes (15.4) the node that answers the query may
 * learn of the change a moment after the subscriber's node did, so a query whose answer is not
 * yet the expected one is asked again for up to SETTLE_MS before the case judges it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "wire/clock.h"

/* GET /apps/{id}<suffix>?query into r; requires 200 and JSON. 1 ok. */
static int get_json(rc_ctx *ctx, const char *suffix, const char *query, rc_http_resp *r)
{
    char path[512];
    rc_app_path(ctx, suffix, path, sizeof path);
    if (rc_api(ctx, "GET", path, query, NULL, r) != 0)
        return 0;
    if (!rc_expect_status(ctx, r, 200, path))
        return 0;
    if (!r->json || !cJSON_IsObject(r->json)) {
        rc_expect_seen(ctx, "a JSON object", r->body);
        rc_fail(ctx, "GET %s did not answer a JSON object", path);
        return 0;
    }
    return 1;
}

#define SETTLE_MS 1000

/* get_json, asked again every 50 ms while settled(json, arg) is 0, for up to SETTLE_MS: the
 * last answer is in r for the caller to judge. 1 ok (a 200 JSON object). */
static int get_json_settled(rc_ctx *ctx, const char *suffix, const char *query, rc_http_resp *r,
                            int (*settled)(const cJSON *json, const void *arg), const void *arg)
{
    long long end = rc_now_ms() + SETTLE_MS;
    for (;;) {
        if (!get_json(ctx, suffix, query, r))
            return 0;
        if (settled(r->json, arg) || rc_now_ms() >= end)
            return 1;
        rc_http_resp_free(r);
        rw_sleep_ms(50);
    }
}

static int unsubscribe_sync(rc_ctx *ctx, rc_pconn *pc, const char *ch)
{
    return rc_send_unsubscribe(ctx, pc, ch) && rc_sync(ctx, pc, "unsubscriber");
}

/* What a GET channels answer must show: the channels in `in` listed, `out` (when set) not,
 * and with `exact` nothing else. */
typedef struct list_want {
    const char *in[2];
    const char *out;
    int exact;
} list_want;

static int listing_settled(const cJSON *json, const void *arg)
{
    const list_want *w = arg;
    const cJSON *chs = cJSON_GetObjectItemCaseSensitive(json, "channels");
    if (!cJSON_IsObject(chs) || (w->out && cJSON_GetObjectItemCaseSensitive(chs, w->out)))
        return 0;
    int n = 0;
    for (int i = 0; i < 2; i++) {
        if (!w->in[i])
            continue;
        if (!cJSON_GetObjectItemCaseSensitive(chs, w->in[i]))
            return 0;
        n++;
    }
    return !w->exact || cJSON_GetArraySize(chs) == n;
}

static void channels_occupied(rc_ctx *ctx)
{
    char occ[64], vac[64];
    rc_chan(ctx, "occ-", occ, sizeof occ);
    rc_chan(ctx, "vac-", vac, sizeof vac);
    rc_pconn *x = rc_conn_sub(ctx, occ, NULL);
    rc_pconn *y = x ? rc_conn_sub(ctx, vac, NULL) : NULL;
    if (!y || !unsubscribe_sync(ctx, y, vac))
        return;
    rc_http_resp r = {0};
    const list_want w = {{occ, NULL}, vac, 0};
    if (get_json_settled(ctx, "/channels", NULL, &r, listing_settled, &w)) {
        const cJSON *chs = cJSON_GetObjectItemCaseSensitive(r.json, "channels");
        if (!cJSON_IsObject(chs) || !cJSON_GetObjectItemCaseSensitive(chs, occ)) {
            rc_expect_seen(ctx, occ, r.body);
            rc_fail(ctx, "GET channels does not list the occupied channel %s", occ);
        } else if (cJSON_GetObjectItemCaseSensitive(chs, vac)) {
            rc_expect_seen(ctx, "no vacated channel", r.body);
            rc_fail(ctx, "GET channels still lists %s, asked again for %d ms after its unsubscribe",
                    vac, SETTLE_MS);
        }
    }
    rc_http_resp_free(&r);
}

static void channels_prefix(rc_ctx *ctx)
{
    char id[13], prefix[32], a[64], b[64], near[64], gone[64], query[64];
    rc_random_id(ctx, id);
    snprintf(prefix, sizeof prefix, "fp-%s-", id);
    snprintf(a, sizeof a, "%sa", prefix);
    snprintf(b, sizeof b, "%sb", prefix);
    snprintf(near, sizeof near, "fp-%sx-c", id);
    snprintf(gone, sizeof gone, "%sgone", prefix);
    snprintf(query, sizeof query, "filter_by_prefix=%s", prefix);
    rc_pconn *x = rc_conn_sub(ctx, a, NULL);
    if (!x || !rc_subscribe_expect_ok(ctx, x, "subscriber", b, NULL, NULL) ||
        !rc_subscribe_expect_ok(ctx, x, "subscriber", near, NULL, NULL) ||
        !rc_subscribe_expect_ok(ctx, x, "subscriber", gone, NULL, NULL) ||
        !unsubscribe_sync(ctx, x, gone))
        return;
    rc_http_resp r = {0};
    const list_want w = {{a, b}, NULL, 1};
    if (get_json_settled(ctx, "/channels", query, &r, listing_settled, &w)) {
        const cJSON *chs = cJSON_GetObjectItemCaseSensitive(r.json, "channels");
        if (!cJSON_IsObject(chs) || cJSON_GetArraySize(chs) != 2 ||
            !cJSON_GetObjectItemCaseSensitive(chs, a) ||
            !cJSON_GetObjectItemCaseSensitive(chs, b)) {
            char exp[160];
            snprintf(exp, sizeof exp, "channels {%s, %s} only", a, b);
            rc_expect_seen(ctx, exp, r.body);
            rc_fail(ctx,
                    "filter_by_prefix=%s did not list exactly the 2 occupied matches "
                    "(asked again for %d ms)",
                    prefix, SETTLE_MS);
        }
    }
    rc_http_resp_free(&r);
}

/* GET channel ch?info=...: occupied must be want_occ; when count_key, that count want_n. */
typedef struct chan_want {
    int occ;
    const char *count_key;
    long long n;
} chan_want;

static int channel_settled(const cJSON *json, const void *arg)
{
    const chan_want *w = arg;
    const cJSON *occ = cJSON_GetObjectItemCaseSensitive(json, "occupied");
    long long n = -1;
    return cJSON_IsBool(occ) && cJSON_IsTrue(occ) == w->occ &&
           (!w->count_key || !rc_json_int(json, w->count_key, &n) || n == w->n);
}

static int check_channel(rc_ctx *ctx, const char *ch, const char *info, int want_occ,
                         const char *count_key, long long want_n)
{
    char suffix[128];
    snprintf(suffix, sizeof suffix, "/channels/%s", ch);
    rc_http_resp r = {0};
    const chan_want w = {want_occ, count_key, want_n};
    int ok = get_json_settled(ctx, suffix, info, &r, channel_settled, &w);
    if (ok) {
        const cJSON *occ = cJSON_GetObjectItemCaseSensitive(r.json, "occupied");
        long long n = -1;
        char exp[128];
        snprintf(exp, sizeof exp, "occupied %s%s%s%s", want_occ ? "true" : "false",
                 count_key ? ", " : "", count_key ? count_key : "", count_key ? " N" : "");
        if (!cJSON_IsBool(occ) || cJSON_IsTrue(occ) != want_occ) {
            rc_expect_seen(ctx, exp, r.body);
            rc_fail(ctx, "GET channel %s: occupied is not %s", ch, want_occ ? "true" : "false");
            ok = 0;
        } else if (count_key && !rc_json_int(r.json, count_key, &n)) {
            snprintf(exp, sizeof exp, "%s %lld", count_key, want_n);
            rc_expect_seen(ctx, exp, r.body);
            rc_fail_should(ctx, "GET channel %s?%s gave no %s", ch, info, count_key);
        } else if (count_key && n != want_n) {
            snprintf(exp, sizeof exp, "%s %lld", count_key, want_n);
            rc_expect_seen(ctx, exp, r.body);
            rc_fail(ctx, "GET channel %s: %s is not %lld", ch, count_key, want_n);
            ok = 0;
        }
    }
    rc_http_resp_free(&r);
    return ok;
}

/* A close is processed asynchronously and has no reply to wait for, so poll briefly. */
static void await_vacated(rc_ctx *ctx, const char *ch)
{
    char suffix[128];
    snprintf(suffix, sizeof suffix, "/channels/%s", ch);
    for (int waited = 0;; waited += 20) {
        rc_http_resp r = {0};
        if (!get_json(ctx, suffix, NULL, &r)) {
            rc_http_resp_free(&r);
            return;
        }
        const cJSON *occ = cJSON_GetObjectItemCaseSensitive(r.json, "occupied");
        int vacated = cJSON_IsFalse(occ);
        if (!vacated && waited >= RC_WAIT_MS) {
            rc_expect_seen(ctx, "occupied false", r.body);
            rc_fail(ctx, "%d ms after its only subscriber closed, %s is still occupied", waited,
                    ch);
        }
        rc_http_resp_free(&r);
        if (vacated || waited >= RC_WAIT_MS)
            return;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void channel_count(rc_ctx *ctx)
{
    char ch[64], unknown[64];
    rc_chan(ctx, "count-", ch, sizeof ch);
    rc_chan(ctx, "nobody-", unknown, sizeof unknown);
    const char *info = "info=subscription_count";
    rc_pconn *x = rc_conn_sub(ctx, ch, NULL);
    rc_pconn *y = x ? rc_conn_sub(ctx, ch, NULL) : NULL;
    if (!y || !check_channel(ctx, ch, info, 1, "subscription_count", 2) ||
        !unsubscribe_sync(ctx, y, ch) || !check_channel(ctx, ch, info, 1, "subscription_count", 1))
        return;
    /* The last subscriber leaves by closing its connection. */
    rc_pusher_close(x);
    await_vacated(ctx, ch);
    if (!rc_ok(ctx))
        return;
    /* Unoccupied channels report 0 (SHOULD); the check above made any count MUST-correct. */
    check_channel(ctx, unknown, info, 0, "subscription_count", 0);
}

/* u1 on two connections (pc[0], pc[1]), u2 on one (pc[2]): two distinct users. */
static int two_users(rc_ctx *ctx, const char *ch, char u1[32], char u2[32], rc_pconn *pc[3])
{
    char id[13];
    rc_random_id(ctx, id);
    snprintf(u1, 32, "u-%s-1", id);
    snprintf(u2, 32, "u-%s-2", id);
    char *d1 = rc_presence_data(u1, "One");
    char *d2 = rc_presence_data(u2, "Two");
    int ok = 0;
    if (!d1 || !d2)
        rc_error(ctx, "out of memory");
    else
        ok = (pc[0] = rc_conn_sub(ctx, ch, d1)) && (pc[1] = rc_conn_sub(ctx, ch, d1)) &&
             (pc[2] = rc_conn_sub(ctx, ch, d2));
    free(d1);
    free(d2);
    return ok;
}

/* GET users must list exactly the given ids, each once. */
typedef struct users_want {
    const char *const *ids;
    int n;
} users_want;

/* Whether json's users list each of the n ids exactly once and nothing else. */
static int users_settled(const cJSON *json, const void *arg)
{
    const users_want *w = arg;
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(json, "users");
    if (!cJSON_IsArray(users) || cJSON_GetArraySize(users) != w->n)
        return 0;
    for (int i = 0; i < w->n; i++) {
        int seen = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, users)
        {
            const char *idv = rc_json_str(it, "id");
            seen += idv && strcmp(idv, w->ids[i]) == 0;
        }
        if (seen != 1)
            return 0;
    }
    return 1;
}

static int check_users(rc_ctx *ctx, const char *ch, const char *const *ids, int n)
{
    char suffix[128];
    snprintf(suffix, sizeof suffix, "/channels/%s/users", ch);
    rc_http_resp r = {0};
    const users_want w = {ids, n};
    int ok = get_json_settled(ctx, suffix, NULL, &r, users_settled, &w);
    if (ok) {
        if (!users_settled(r.json, &w)) {
            char exp[128];
            snprintf(exp, sizeof exp, "%d user(s): %s%s%s", n, n > 0 ? ids[0] : "",
                     n > 1 ? ", " : "", n > 1 ? ids[1] : "");
            rc_expect_seen(ctx, exp, r.body);
            rc_fail(ctx, "GET users does not list each of the %d present user(s) once", n);
            ok = 0;
        }
    }
    rc_http_resp_free(&r);
    return ok;
}

static void presence_user_count(rc_ctx *ctx)
{
    char prefix[48], ch[64], query[96], u1[32], u2[32];
    rc_chan(ctx, "presence-uc-", prefix, sizeof prefix);
    snprintf(ch, sizeof ch, "%s-room", prefix);
    rc_pconn *pc[3];
    if (!two_users(ctx, ch, u1, u2, pc) ||
        !check_channel(ctx, ch, "info=user_count", 1, "user_count", 2))
        return;
    snprintf(query, sizeof query, "filter_by_prefix=%s&info=user_count", prefix);
    rc_http_resp r = {0};
    if (get_json(ctx, "/channels", query, &r)) {
        const cJSON *chs = cJSON_GetObjectItemCaseSensitive(r.json, "channels");
        const cJSON *e = cJSON_IsObject(chs) ? cJSON_GetObjectItemCaseSensitive(chs, ch) : NULL;
        long long n = -1;
        /* Listing the channel is MUST (6.4.1); the user_count attribute in the list is SHOULD
         * (6.4.3), as on GET channel (check_channel); a wrong count is MUST (6.4.7). */
        if (!e || !rc_json_int(e, "user_count", &n) || n != 2) {
            rc_expect_seen(ctx, "{\"channels\":{\"<ch>\":{\"user_count\":2}}}", r.body);
            if (e && !cJSON_GetObjectItemCaseSensitive(e, "user_count"))
                rc_fail_should(ctx, "GET channels?info=user_count gives no user_count for %s", ch);
            else
                rc_fail(ctx, "GET channels?info=user_count does not report 2 users for %s", ch);
        }
    }
    rc_http_resp_free(&r);
    if (!rc_ok(ctx))
        return;
    /* user_count only makes sense for presence channels: asking otherwise is a 400. */
    char pub[64], suffix[128], path[256];
    rc_chan(ctx, "plain-uc-", pub, sizeof pub);
    snprintf(suffix, sizeof suffix, "/channels/%s", pub);
    struct {
        const char *suffix, *query, *what;
    } bad[2] = {{"/channels", "info=user_count", "GET channels?info=user_count without filter"},
                {suffix, "info=user_count", "GET channel?info=user_count on a public channel"}};
    for (int i = 0; i < 2; i++) {
        rc_app_path(ctx, bad[i].suffix, path, sizeof path);
        if (rc_api(ctx, "GET", path, bad[i].query, NULL, &r) != 0)
            return;
        if (r.status != 400) {
            rc_expect_seen(ctx, "HTTP 400", r.body ? r.body : "");
            rc_fail_should(ctx, "%s answered %d, not 400", bad[i].what, r.status);
        }
        rc_http_resp_free(&r);
    }
}

static void presence_users(rc_ctx *ctx)
{
    char ch[64], pub[64], suffix[128], path[256], u1[32], u2[32];
    rc_chan(ctx, "presence-users-", ch, sizeof ch);
    rc_chan(ctx, "plain-", pub, sizeof pub);
    rc_pconn *pc[3];
    const char *both[2] = {u1, u2};
    if (!two_users(ctx, ch, u1, u2, pc) || !rc_conn_sub(ctx, pub, NULL) ||
        !check_users(ctx, ch, both, 2))
        return;
    /* u1 keeps one of its two connections; u2 leaves entirely. */
    if (!unsubscribe_sync(ctx, pc[0], ch) || !unsubscribe_sync(ctx, pc[2], ch) ||
        !check_users(ctx, ch, both, 1))
        return;
    snprintf(suffix, sizeof suffix, "/channels/%s/users", pub);
    rc_app_path(ctx, suffix, path, sizeof path);
    rc_http_resp r = {0};
    if (rc_api(ctx, "GET", path, NULL, NULL, &r) == 0)
        rc_expect_status_should(ctx, &r, 400, "GET users of a public channel");
    rc_http_resp_free(&r);
}

const rc_case rc_cases_s06_queries[] = {
    /* protocol §6.4: GET channels lists occupied channels only */
    {
        .id = "pusher/6.4/channels-lists-occupied",
        .section = "6.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "GET channels lists occupied channels only",
        .requirement =
            "GET /apps/{id}/channels lists every occupied channel and no channel without "
            "subscribers (a vacated one included).",
        .tags = "needs:http-api needs:channel-queries",
        .run = channels_occupied,
    },
    /* protocol §6.4: filter_by_prefix restricts the list to that prefix */
    {
        .id = "pusher/6.4/channels-filter-by-prefix",
        .section = "6.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "filter_by_prefix restricts the list to that prefix",
        .requirement =
            "GET /apps/{id}/channels?filter_by_prefix=P lists exactly the occupied channels "
            "whose names start with P.",
        .tags = "needs:http-api needs:channel-queries",
        .run = channels_prefix,
    },
    /* protocol §6.4: GET channel reports occupied and subscription_count */
    {
        .id = "pusher/6.4/channel-occupied-count",
        .section = "6.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "GET channel reports occupied and subscription_count",
        .requirement =
            "GET /apps/{id}/channels/{name}?info=subscription_count answers occupied and the "
            "number of subscribed connections, following subscribes and unsubscribes; an "
            "unknown channel is not occupied.",
        .tags = "needs:http-api needs:channel-queries",
        .run = channel_count,
    },
    /* protocol §6.4: user_count counts distinct presence users */
    {
        .id = "pusher/6.4/presence-user-count",
        .section = "6.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "user_count counts distinct presence users",
        .requirement =
            "For presence channels, info=user_count reports the number of distinct users, on "
            "GET channel and on GET channels filtered by a presence- prefix.",
        .tags = "needs:http-api needs:presence needs:channel-queries",
        .run = presence_user_count,
    },
    /* protocol §6.4: GET users lists each present user once */
    {
        .id = "pusher/6.4/presence-users",
        .section = "6.4",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "GET users lists each present user once",
        .requirement =
            "GET /apps/{id}/channels/{name}/users answers {\"users\":[{\"id\"}...]} with each "
            "present user once, following leaves; for a non-presence channel it SHOULD answer 400.",
        .tags = "needs:http-api needs:presence needs:channel-queries",
        .run = presence_users,
    },
    {0},
};
