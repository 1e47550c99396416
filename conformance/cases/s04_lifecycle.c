/* Pusher profile, section 4.7: the presence lifecycle as real clients live it.
 *
 * A member that vanishes without a close frame (a killed tab: TCP reset), a numeric user_id
 * (Pusher's own example uses 10), a member without user_info, and a full presence channel.
 * Members are made up per case and signed with the app secret directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "wire/clock.h"

/* 1 when the member event m names user id (as the string id, or leniently as a number). */
static int names_user(const rc_pmsg *m, const char *id, int *as_number)
{
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(rc_payload(m), "user_id");
    char num[32];
    *as_number = 0;
    if (cJSON_IsString(u))
        return strcmp(u->valuestring, id) == 0;
    if (!cJSON_IsNumber(u))
        return 0;
    snprintf(num, sizeof num, "%.0f", u->valuedouble);
    *as_number = 1;
    return strcmp(num, id) == 0;
}

/* How long a server may take to notice a peer that vanished: its advertised
 * activity_timeout, the pong_timeout it declares (Pusher's 30 s when undeclared), and 2 s of
 * timer slack; never past the case's deadline. */
static int vanish_ms(rc_ctx *ctx, const rc_pconn *pc)
{
    long pong = rc_target_of(ctx)->server.pong_timeout_s;
    long ms = ((long)pc->activity_timeout + (pong > 0 ? pong : 30) + 2) * 1000;
    long left = rc_remaining_ms(ctx) - 300;
    return (int)(ms < left ? ms : left);
}

/* GET /apps/{id}/channels/{ch}[suffix]; 1 with the parsed body in *out (caller frees), 0 when
 * the server has no channel queries (404/405: that part is skipped), -1 after rc_fail. */
static int query(rc_ctx *ctx, const char *ch, const char *suffix, const char *q, cJSON **out)
{
    char sfx[160], path[256];
    snprintf(sfx, sizeof sfx, "/channels/%s%s", ch, suffix);
    rc_app_path(ctx, sfx, path, sizeof path);
    rc_http_resp r;
    if (rc_api(ctx, "GET", path, q, NULL, &r) != 0)
        return -1;
    int rc = 1;
    if (r.status == 404 || r.status == 405)
        rc = 0;
    else if (r.status != 200 || !r.json) {
        rc_expect_seen(ctx, "200 and a JSON body", r.body ? r.body : "");
        rc_fail(ctx, "GET %s answered %d", path, r.status);
        rc = -1;
    } else {
        *out = r.json;
        r.json = NULL;
    }
    rc_http_resp_free(&r);
    return rc;
}

/* protocol §4.7.1: a vanished member is removed and stops counting */
static void run_abrupt_drop(rc_ctx *ctx)
{
    char ch[64], uid[32], rid[13];
    rc_chan(ctx, "presence-drop-", ch, sizeof ch);
    rc_random_id(ctx, rid);
    snprintf(uid, sizeof uid, "gone-%s", rid);
    char *cw = rc_presence_data("watcher", "w"), *cg = rc_presence_data(uid, "g");
    rc_pconn *w = NULL, *g = NULL;
    if (!cw || !cg) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    if (!(w = rc_conn_sub_as(ctx, "watcher", ch, cw, NULL)) ||
        !(g = rc_conn_sub_as(ctx, "vanishing member", ch, cg, NULL)) ||
        !rc_await(ctx, w, "watcher", "pusher_internal:member_added", ch, NULL))
        goto out;
    int wait = vanish_ms(ctx, g);
    rc_ws_drop(g->ws);
    long long end = rc_now_ms() + wait;
    for (;;) {
        long long left = end - rc_now_ms();
        const rc_pmsg *m = NULL;
        int rc =
            left > 0 ? rc_pusher_wait(w, "pusher_internal:member_removed", ch, (int)left, &m) : 0;
        int num;
        if (rc == 1 && names_user(m, uid, &num))
            break;
        if (rc == 1)
            continue;
        rc_expect_seen(ctx, "pusher_internal:member_removed for the vanished user",
                       rc == 0 ? "nothing (timeout)" : "connection closed");
        rc_fail(ctx,
                "watcher: no member_removed for %s within %d ms of its TCP reset (its "
                "activity_timeout plus pong_timeout plus 2 s)",
                uid, wait);
        goto out;
    }
    cJSON *users = NULL;
    int q = query(ctx, ch, "/users", NULL, &users);
    if (q < 0)
        goto out;
    if (q == 1) {
        char *txt = cJSON_PrintUnformatted(users);
        if (txt && strstr(txt, uid)) {
            rc_expect_seen(ctx, "the users list without the vanished member", txt);
            rc_fail(ctx, "%s is still listed after its member_removed", uid);
        }
        cJSON_free(txt);
        cJSON_Delete(users);
    }
    /* The last member vanishes too: the channel must become vacant. */
    rc_ws_drop(w->ws);
    end = rc_now_ms() + wait;
    while (q == 1 && rc_ok(ctx)) {
        cJSON *info = NULL;
        if (query(ctx, ch, "", "info=user_count", &info) != 1)
            break;
        int occupied = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(info, "occupied"));
        char *txt = cJSON_PrintUnformatted(info);
        cJSON_Delete(info);
        if (!occupied) {
            cJSON_free(txt);
            break;
        }
        if (rc_now_ms() >= end) {
            rc_expect_seen(ctx, "{\"occupied\":false,...}", txt ? txt : "");
            rc_fail(ctx, "%s still occupied %d ms after its last member's TCP reset", ch, wait);
            cJSON_free(txt);
            break;
        }
        cJSON_free(txt);
        rw_sleep_ms(50);
    }
out:
    free(cw);
    free(cg);
}

/* The joiner's own subscription_succeeded must list id in ids and hash. 1 ok. */
static int lists_self(rc_ctx *ctx, const rc_pmsg *m, const char *id, int hash_should)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(rc_payload(m), "presence");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(p, "ids");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(p, "hash");
    const cJSON *e;
    int found = 0;
    cJSON_ArrayForEach(e, ids)
    {
        char num[32];
        if (cJSON_IsNumber(e))
            snprintf(num, sizeof num, "%.0f", e->valuedouble);
        if ((cJSON_IsString(e) && strcmp(e->valuestring, id) == 0) ||
            (cJSON_IsNumber(e) && strcmp(num, id) == 0))
            found = 1;
    }
    if (!found) {
        rc_expect_seen(ctx, "ids listing the joiner", m->raw);
        rc_fail(ctx, "joiner %s is missing from the ids of its own subscription_succeeded", id);
        return 0;
    }
    if (!cJSON_GetObjectItemCaseSensitive(hash, id)) {
        /* pusher-js then has no members.me and members.each() skips the member */
        rc_expect_seen(ctx, "hash holding the joiner (null info when it sent none)", m->raw);
        if (!hash_should) {
            rc_fail(ctx, "joiner %s is missing from the hash of its subscription_succeeded", id);
            return 0;
        }
        rc_fail_should(ctx, "joiner %s, sent without user_info, is missing from the hash", id);
    }
    return 1;
}

/* Joins ch with cd (user id) while w watches; checks the joiner's list (its hash entry only
 * at SHOULD level when no_info: it sent no user_info) and returns the watcher's member_added
 * in *added. 1 ok. */
static int join_watched(rc_ctx *ctx, const char *ch, const char *cd, const char *id, int no_info,
                        rc_pconn **w, const rc_pmsg **added)
{
    char *cw = rc_presence_data("watcher", "w");
    *w = cw ? rc_conn_sub_as(ctx, "watcher", ch, cw, NULL) : NULL;
    free(cw);
    if (!*w)
        return 0;
    const rc_pmsg *ok = NULL;
    if (!rc_conn_sub_as(ctx, "joiner", ch, cd, &ok) || !lists_self(ctx, ok, id, no_info))
        return 0;
    return rc_await(ctx, *w, "watcher", "pusher_internal:member_added", ch, added);
}

/* protocol §4.7.2: a numeric user_id is accepted and treated as its decimal string */
static void run_numeric_id(rc_ctx *ctx)
{
    char ch[64], cd[128], id[16];
    rc_chan(ctx, "presence-num-", ch, sizeof ch);
    char rid[13];
    rc_random_id(ctx, rid);
    id[0] = '1'; /* a fresh number per run, no leading zero */
    for (int i = 0; i < 9; i++)
        id[i + 1] = (char)('0' + (unsigned char)rid[i] % 10);
    id[10] = '\0';
    snprintf(cd, sizeof cd, "{\"user_id\":%s,\"user_info\":{\"name\":\"ten\"}}", id);
    rc_pconn *w;
    const rc_pmsg *m;
    if (!join_watched(ctx, ch, cd, id, 0, &w, &m))
        return;
    int num;
    if (!names_user(m, id, &num)) {
        rc_expect_seen(ctx, "member_added with user_id \"N\"", m->raw);
        rc_fail(ctx, "member_added does not name the numeric user %s", id);
    } else if (num) {
        rc_expect_seen(ctx, "user_id as the string \"N\"", m->raw);
        rc_fail_should(ctx,
                       "member_added carries the numeric user_id %s as a number, not as "
                       "its decimal string",
                       id);
    }
}

/* protocol §4.7.3: user_info is optional; such a member's info is null */
static void run_no_user_info(rc_ctx *ctx)
{
    char ch[64], cd[96], id[32], rid[13];
    rc_chan(ctx, "presence-noinfo-", ch, sizeof ch);
    rc_random_id(ctx, rid);
    snprintf(id, sizeof id, "bare-%s", rid);
    snprintf(cd, sizeof cd, "{\"user_id\":\"%s\"}", id);
    rc_pconn *w;
    const rc_pmsg *m;
    if (!join_watched(ctx, ch, cd, id, 1, &w, &m))
        return;
    int num;
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(rc_payload(m), "user_info");
    if (!names_user(m, id, &num)) {
        rc_expect_seen(ctx, "member_added naming the joiner", m->raw);
        rc_fail(ctx, "member_added does not name %s", id);
    } else if (info && !cJSON_IsNull(info)) {
        rc_expect_seen(ctx, "user_info null or absent", m->raw);
        rc_fail_should(ctx, "member_added invents a user_info for a member that sent none");
    }
}

/* Tries one member with channel_data cd on a fresh connection: 1 admitted, 0 refused (SHOULD
 * slip reported when must_admit is 0 and it was admitted: then 2), -1 after rc_fail. */
static int try_member(rc_ctx *ctx, const char *ch, const char *cd, int must_admit, const char *what)
{
    rc_pconn *pc = rc_conn(ctx);
    char auth[256];
    if (!pc || !rc_sign_auth(ctx, NULL, NULL, pc->socket_id, ch, cd, auth, sizeof auth))
        return -1;
    if (must_admit)
        return rc_subscribe_expect_ok(ctx, pc, what, ch, cd, NULL) ? 1 : -1;
    if (!rc_send_subscribe(ctx, pc, ch, auth, cd))
        return -1;
    int r = rc_await_refusal_should(ctx, pc, what, ch);
    return r == 1 ? 0 : r == 2 ? 2 : -1;
}

/* protocol §4.7.4: a full presence channel refuses the next distinct user */
static void run_member_limit(rc_ctx *ctx)
{
    long max = rc_target_of(ctx)->server.max_presence_members;
    if (max <= 0 || max > 200) {
        rc_skip(ctx, "the server declares no presence member limit of at most 200 "
                     "(--limits app max_presence_members or the profile's limits)");
        return;
    }
    char ch[64], id[40], rid[13];
    rc_chan(ctx, "presence-full-", ch, sizeof ch);
    rc_random_id(ctx, rid);
    for (long i = 0; i <= max && rc_ok(ctx); i++) {
        snprintf(id, sizeof id, "m%ld-%s", i, rid);
        char *cd = rc_presence_data(id, "m");
        if (cd)
            try_member(ctx, ch, cd, i < max,
                       i < max ? "member within the limit" : "member over the limit");
        free(cd);
    }
}

/* protocol §4.7.4: a user_id and a user_info of exactly the declared size are admitted, one
 * byte more is refused */
static void run_member_sizes(rc_ctx *ctx)
{
    const rc_server_info *si = &rc_target_of(ctx)->server;
    long id_max = si->max_user_id_bytes, info_max = si->max_user_info_bytes;
    if (id_max <= 0 || id_max > 4096 || info_max < 16 || info_max > 65536) {
        rc_skip(ctx, "the server declares no max_user_id_bytes and max_user_info_bytes "
                     "(--limits app or the profile's limits)");
        return;
    }
    char ch[64], rid[13];
    rc_chan(ctx, "presence-size-", ch, sizeof ch);
    rc_random_id(ctx, rid);
    size_t cap = (size_t)(info_max > id_max ? info_max : id_max) + 64;
    char *id = malloc(cap), *cd = malloc(cap * 2);
    if (!id || !cd) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    for (int over = 0; over <= 1 && rc_ok(ctx); over++) {
        /* user_id: the random id padded with 'x' to the size */
        size_t n = (size_t)id_max + (size_t)over;
        memset(id, 'x', n);
        memcpy(id, rid, strlen(rid) < n ? strlen(rid) : n);
        id[n] = '\0';
        snprintf(cd, cap * 2, "{\"user_id\":\"%s\"}", id);
        if (try_member(ctx, ch, cd, !over,
                       over ? "user_id one byte over" : "user_id at the limit") < 0)
            goto out;
        /* user_info {"n":"xxx..."} of exactly info_max (+over) bytes of compact JSON */
        size_t fill = (size_t)info_max + (size_t)over - 8;
        char *f = id;
        if (fill + 1 > cap)
            goto out;
        memset(f, 'y', fill);
        f[fill] = '\0';
        snprintf(cd, cap * 2, "{\"user_id\":\"i%d-%s\",\"user_info\":{\"n\":\"%s\"}}", over, rid,
                 f);
        if (try_member(ctx, ch, cd, !over,
                       over ? "user_info one byte over" : "user_info at the limit") < 0)
            goto out;
    }
out:
    free(id);
    free(cd);
}

const rc_case rc_cases_s04_lifecycle[] = {
    {
        .id = "pusher/4.7/abrupt-drop-removes-member",
        .section = "4.7",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "a member gone without a close frame is removed and stops counting",
        .requirement = "A connection's close, also a TCP reset without a close frame, unsubscribes "
                       "it from all its channels (4.4.3): the other members receive "
                       "member_removed (4.3.5), the users list drops it and the channel is vacated "
                       "once its last member is gone (6.4.7), within the server's activity_timeout "
                       "plus pong_timeout (4.7.1).",
        .tags = "needs:presence",
        .timeout_ms = 12000,
        .run = run_abrupt_drop,
    },
    {
        .id = "pusher/4.7/numeric-user-id",
        .section = "4.7",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a numeric user_id is accepted and relayed as its decimal string",
        .requirement = "channel_data's user_id may be a number, which the server treats as its "
                       "decimal string (4.3.2, 4.7.2): the member is admitted, listed, and "
                       "member_added names it (SHOULD: as the string).",
        .tags = "needs:presence",
        .run = run_numeric_id,
    },
    {
        .id = "pusher/4.7/user-info-optional",
        .section = "4.7",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a member without user_info is admitted with null info",
        .requirement = "user_info is optional (4.3.2): a member without it is admitted and "
                       "announced; its info is null (4.3.3, 4.7.3).",
        .tags = "needs:presence",
        .run = run_no_user_info,
    },
    {
        .id = "pusher/4.7/member-limit",
        .section = "4.7",
        .level = RC_SHOULD,
        .basis = RC_SPEC,
        .title = "a full presence channel refuses the next distinct user",
        .requirement = "A server limits members per presence channel (100) and refuses the next "
                       "distinct user with pusher:subscription_error (4.3.6, 4.7.4).",
        .tags = "needs:presence",
        .timeout_ms = 10000,
        .run = run_member_limit,
    },
    {
        .id = "pusher/4.7/member-size-limits",
        .section = "4.7",
        .level = RC_MUST,
        .basis = RC_SPEC,
        .title = "a user_id and user_info of exactly the declared size are admitted",
        .requirement = "Where a server declares its user_id and user_info sizes, a member at "
                       "exactly those sizes is admitted; one byte more SHOULD be refused (4.7.4).",
        .tags = "needs:presence",
        .run = run_member_sizes,
    },
    {0},
};
