/* Pusher profile, section 4.3: presence channels.
 *
 * Users are made up per case (random ids) and signed with the app secret directly, so these
 * cases need no authorizer. "Nothing was sent" checks use a ping/pong barrier on the
 * watching connection after the triggering action was provably processed: the server queues
 * per connection in order, so a wrong member event would arrive before the pong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

typedef struct user {
    char id[32];
    char name[32];
    char *data; /* channel_data */
} user;

static void user_make(rc_ctx *ctx, user *u, const char *name)
{
    snprintf(u->name, sizeof u->name, "%s", name);
    u->data = rc_presence_user(ctx, u->name, u->id, sizeof u->id);
}

/* A random presence channel and two users for a case. 1 ok; 0 after rc_error (out of
 * memory). users_free(u, 2) is due either way. */
static int pair_make(rc_ctx *ctx, const char *prefix, char ch[64], user u[2], const char *n0,
                     const char *n1)
{
    rc_chan(ctx, prefix, ch, 64);
    user_make(ctx, &u[0], n0);
    user_make(ctx, &u[1], n1);
    return u[0].data && u[1].data;
}

static void users_free(user *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(u[i].data);
}

/* subscription_succeeded must list exactly users[0..n): ids, hash (with user_info) and count. */
static int check_members(rc_ctx *ctx, const rc_pmsg *m, const char *who, const user *users,
                         size_t n)
{
    const cJSON *p = rc_payload(m);
    const cJSON *pr = p ? cJSON_GetObjectItemCaseSensitive(p, "presence") : NULL;
    const cJSON *ids = pr ? cJSON_GetObjectItemCaseSensitive(pr, "ids") : NULL;
    const cJSON *hash = pr ? cJSON_GetObjectItemCaseSensitive(pr, "hash") : NULL;
    long long count = -1;
    char exp[256];
    int len = snprintf(exp, sizeof exp, "presence of %zu user(s):", n);
    for (size_t i = 0; i < n && len > 0 && (size_t)len < sizeof exp; i++)
        len += snprintf(exp + len, sizeof exp - (size_t)len, " %s", users[i].id);
    if (!pr || !cJSON_IsArray(ids) || !cJSON_IsObject(hash) || !rc_json_int(pr, "count", &count)) {
        rc_expect_seen(ctx, exp, m->raw);
        rc_fail(ctx, "%s: subscription_succeeded lacks presence ids/hash/count", who);
        return 0;
    }
    int bad = count != (long long)n || cJSON_GetArraySize(ids) != (int)n ||
              cJSON_GetArraySize(hash) != (int)n;
    for (size_t i = 0; i < n && !bad; i++) {
        int found = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, ids)
        {
            if (cJSON_IsString(it) && strcmp(it->valuestring, users[i].id) == 0)
                found++;
        }
        const cJSON *info = cJSON_GetObjectItemCaseSensitive(hash, users[i].id);
        const char *name = info ? rc_json_str(info, "name") : NULL;
        bad = found != 1 || !name || strcmp(name, users[i].name) != 0;
    }
    if (bad) {
        rc_expect_seen(ctx, exp, m->raw);
        rc_fail(ctx, "%s: the member list is not exactly the %zu present user(s)", who, n);
        return 0;
    }
    return 1;
}

/* Waits for a member event about u on watcher. */
static int await_member(rc_ctx *ctx, rc_pconn *watcher, const char *who, const char *event,
                        const char *ch, const user *u)
{
    const rc_pmsg *m;
    if (!rc_await(ctx, watcher, who, event, ch, &m))
        return 0;
    const cJSON *p = rc_payload(m);
    const char *id = p ? rc_json_str(p, "user_id") : NULL;
    int ok = id && strcmp(id, u->id) == 0;
    if (ok && strcmp(event, "pusher_internal:member_added") == 0) {
        const cJSON *info = cJSON_GetObjectItemCaseSensitive(p, "user_info");
        const char *name = info ? rc_json_str(info, "name") : NULL;
        ok = name && strcmp(name, u->name) == 0;
    }
    if (!ok) {
        rc_expect_seen(ctx, u->data, m->raw);
        rc_fail(ctx, "%s: %s does not carry user %s%s", who, event, u->id,
                strcmp(event, "pusher_internal:member_added") == 0 ? " and its user_info" : "");
    }
    return ok;
}

static rc_pconn *join(rc_ctx *ctx, const char *who, const char *ch, const user *u,
                      const user *expect, size_t nexpect)
{
    const rc_pmsg *m;
    rc_pconn *pc = rc_conn_sub_as(ctx, who, ch, u->data, &m);
    if (!pc)
        return NULL;
    if (expect && !check_members(ctx, m, who, expect, nexpect))
        return NULL;
    return pc;
}

static void run_members(rc_ctx *ctx)
{
    char ch[64], path[256];
    user u[2];
    rc_pconn *a = NULL, *b = NULL;
    if (!pair_make(ctx, "presence-m-", ch, u, "Ada", "Brian"))
        goto out;
    a = join(ctx, "first member", ch, &u[0], u, 1);
    b = a ? join(ctx, "second member", ch, &u[1], u, 2) : NULL;
    if (!b || !await_member(ctx, a, "first member", "pusher_internal:member_added", ch, &u[1]))
        goto out;
    snprintf(path, sizeof path, "/apps/%s/channels/%s", rc_target_of(ctx)->app_id, ch);
    rc_http_resp r = {0};
    if (rc_api(ctx, "GET", path, "info=user_count", NULL, &r) == 0) {
        long long n = -1;
        if (rc_expect_status(ctx, &r, 200, "GET presence channel") &&
            (!rc_json_int(r.json, "user_count", &n) || n != 2)) {
            rc_expect_seen(ctx, "user_count 2", r.body);
            rc_fail(ctx, "HTTP API user_count disagrees with the member list (2 users)");
        }
        rc_http_resp_free(&r);
    }
out:
    users_free(u, 2);
}

static void run_added_once(rc_ctx *ctx)
{
    char ch[64];
    user u[2];
    if (!pair_make(ctx, "presence-once-", ch, u, "Watcher", "Tabs"))
        goto out;
    rc_pconn *a = join(ctx, "watcher", ch, &u[0], u, 1);
    rc_pconn *b = a ? join(ctx, "first tab", ch, &u[1], u, 2) : NULL;
    if (!b || !await_member(ctx, a, "watcher", "pusher_internal:member_added", ch, &u[1]))
        goto out;
    /* Same user, second connection: still two distinct users, and no second member_added. */
    if (!join(ctx, "second tab", ch, &u[1], u, 2))
        goto out;
    rc_barrier(ctx, a, "watcher (no member_added for a user already present)", ch);
out:
    users_free(u, 2);
}

static void run_removed_last(rc_ctx *ctx)
{
    char ch[64];
    user u[2];
    if (!pair_make(ctx, "presence-last-", ch, u, "Watcher", "Tabs"))
        goto out;
    rc_pconn *a = join(ctx, "watcher", ch, &u[0], NULL, 0);
    rc_pconn *b = a ? join(ctx, "first tab", ch, &u[1], NULL, 0) : NULL;
    rc_pconn *c = b ? join(ctx, "second tab", ch, &u[1], NULL, 0) : NULL;
    if (!c || !await_member(ctx, a, "watcher", "pusher_internal:member_added", ch, &u[1]))
        goto out;
    if (!rc_barrier(ctx, a, "watcher", ch))
        goto out;
    /* One of the user's two connections leaves: the user is still present. */
    if (!rc_send_unsubscribe(ctx, b, ch) || !rc_barrier(ctx, b, "first tab", NULL) ||
        !rc_barrier(ctx, a, "watcher (user still has a connection)", ch))
        goto out;
    /* The last one goes away by closing: now the user has left. */
    rc_pusher_close(c);
    await_member(ctx, a, "watcher", "pusher_internal:member_removed", ch, &u[1]);
out:
    users_free(u, 2);
}

static void run_removed_unsub(rc_ctx *ctx)
{
    char ch[64];
    user u[2];
    if (!pair_make(ctx, "presence-unsub-", ch, u, "Watcher", "Leaver"))
        goto out;
    rc_pconn *a = join(ctx, "watcher", ch, &u[0], NULL, 0);
    rc_pconn *b = a ? join(ctx, "leaver", ch, &u[1], NULL, 0) : NULL;
    if (!b || !await_member(ctx, a, "watcher", "pusher_internal:member_added", ch, &u[1]))
        goto out;
    if (!rc_send_unsubscribe(ctx, b, ch) ||
        !await_member(ctx, a, "watcher", "pusher_internal:member_removed", ch, &u[1]))
        goto out;
    /* Rejoining makes the user present again, announced once more. */
    if (!rc_subscribe_expect_ok(ctx, b, "leaver (rejoining)", ch, u[1].data, NULL))
        goto out;
    await_member(ctx, a, "watcher", "pusher_internal:member_added", ch, &u[1]);
out:
    users_free(u, 2);
}

enum bad { BAD_CHANNEL_DATA, MISMATCH, NO_AUTH };

/* The refused joiner gets a refusal and nothing else; members see no member_added. */
static void refused(rc_ctx *ctx, enum bad how)
{
    char ch[64], auth[256];
    user u[2];
    char *no_id = NULL, *evil = NULL;
    if (!pair_make(ctx, "presence-ref-", ch, u, "Member", "Intruder"))
        goto out;
    no_id = strdup("{\"user_info\":{\"name\":\"Nobody\"}}");
    evil = rc_presence_data("u-evil", "Mallory");
    if (!no_id || !evil) {
        rc_error(ctx, "out of memory");
        goto out;
    }
    rc_pconn *a = join(ctx, "member", ch, &u[0], NULL, 0);
    rc_pconn *v = a ? rc_conn(ctx) : NULL;
    if (!v)
        goto out;
    struct {
        const char *signed_data; /* what the signature covers (NULL: socket:channel only) */
        const char *sent_data;   /* channel_data sent (NULL: omitted) */
        int with_auth;
    } tries[3];
    size_t n = 0;
    switch (how) {
    case BAD_CHANNEL_DATA:
        tries[n++] = (typeof(tries[0])){NULL, NULL, 1};
        tries[n++] = (typeof(tries[0])){"not json", "not json", 1};
        break;
    case MISMATCH:
        tries[n++] = (typeof(tries[0])){u[1].data, evil, 1};
        break;
    case NO_AUTH:
        tries[n++] = (typeof(tries[0])){NULL, u[1].data, 0};
        break;
    }
    for (size_t i = 0; i < n; i++) {
        if (tries[i].with_auth && !rc_sign_auth(ctx, NULL, NULL, v->socket_id, ch,
                                                tries[i].signed_data, auth, sizeof auth))
            goto out;
        rc_log(ctx, "joining with channel_data %s, auth %s",
               tries[i].sent_data ? tries[i].sent_data : "(none)",
               tries[i].with_auth ? auth : "(none)");
        if (!rc_send_subscribe(ctx, v, ch, tries[i].with_auth ? auth : NULL, tries[i].sent_data) ||
            !rc_await_refusal(ctx, v, "refused joiner", ch))
            goto out;
    }
    if (!rc_barrier(ctx, a, "member (no member_added for a refused joiner)", ch))
        goto out;
    if (!rc_only_control_gets(ctx, ch, a, &v, 1) || !rc_barrier(ctx, v, "refused joiner", ch))
        goto out;
    /* Correctly signed channel_data without user_id: Pusher refuses it, soketi admits the
     * member (a server divergence: SHOULD by contract.md 2), so it is tried last and an
     * admission ends the case. */
    if (how == BAD_CHANNEL_DATA &&
        rc_sign_auth(ctx, NULL, NULL, v->socket_id, ch, no_id, auth, sizeof auth) &&
        rc_send_subscribe(ctx, v, ch, auth, no_id))
        (void)rc_await_refusal_should(ctx, v, "joiner without user_id", ch);
out:
    free(no_id);
    free(evil);
    users_free(u, 2);
}

static void run_bad_channel_data(rc_ctx *ctx)
{
    refused(ctx, BAD_CHANNEL_DATA);
}
static void run_mismatch(rc_ctx *ctx)
{
    refused(ctx, MISMATCH);
}
static void run_no_auth(rc_ctx *ctx)
{
    refused(ctx, NO_AUTH);
}

const rc_case rc_cases_s04_presence[] = {
    /* protocol §4.3: subscription_succeeded lists every member, the joiner included */
    {
        .id = "pusher/4.3/members-include-self",
        .section = "4.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "subscription_succeeded lists every member, the joiner included",
        .requirement =
            "A presence subscription_succeeded carries data "
            "{\"presence\":{\"ids\",\"hash\",\"count\"}} "
            "listing each present user once with its user_info, the joiner included; other members "
            "get member_added with user_id and user_info.",
        .tags = "needs:presence needs:http-api",
        .run = run_members,
    },
    /* protocol §4.3: member_added is sent once per user, not per connection */
    {
        .id = "pusher/4.3/member-added-once-per-user",
        .section = "4.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "member_added is sent once per user, not per connection",
        .requirement = "member_added goes to the other members only when the user was not present "
                       "yet; a second connection of the same user adds no member and no event.",
        .tags = "needs:presence",
        .run = run_added_once,
    },
    /* protocol §4.3: member_removed only when a user's last connection leaves, close included */
    {
        .id = "pusher/4.3/member-removed-last-connection",
        .section = "4.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "member_removed only when a user's last connection leaves, close included",
        .requirement =
            "member_removed {\"user_id\"} goes to the other members when the user's last "
            "connection leaves the channel, by unsubscribe or by closing, and not before.",
        .tags = "needs:presence",
        .run = run_removed_last,
    },
    /* protocol §4.3: unsubscribing the only connection removes the member */
    {
        .id = "pusher/4.3/member-removed-on-unsubscribe",
        .section = "4.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "unsubscribing the only connection removes the member",
        .requirement =
            "When a user's only connection unsubscribes, the other members get member_removed; "
            "rejoining announces the user again.",
        .tags = "needs:presence",
        .run = run_removed_unsub,
    },
    /* protocol §4.3: presence subscribe without valid channel_data is refused */
    {
        .id = "pusher/4.3/bad-channel-data-refused",
        .section = "4.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "presence subscribe without valid channel_data is refused",
        .requirement =
            "A presence subscription without channel_data, or with channel_data that is not JSON, "
            "is refused; the joiner receives nothing and members see no member_added. One whose "
            "signed channel_data lacks user_id SHOULD be refused too (soketi admits it).",
        .tags = "needs:presence needs:http-api",
        .run = run_bad_channel_data,
    },
    /* protocol §4.3: channel_data other than the signed one is refused */
    {
        .id = "pusher/4.3/channel-data-mismatch-refused",
        .section = "4.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "channel_data other than the signed one is refused",
        .requirement =
            "A presence subscription whose channel_data differs from the one the signature covers "
            "is refused; the joiner receives nothing and members see no member_added.",
        .tags = "needs:presence needs:http-api",
        .run = run_mismatch,
    },
    /* protocol §4.3: presence subscribe without auth is refused */
    {
        .id = "pusher/4.3/no-auth-refused",
        .section = "4.3",
        .level = RC_MUST,
        .basis = RC_CONTRACT,
        .title = "presence subscribe without auth is refused",
        .requirement = "A presence subscription without auth is refused; the joiner receives "
                       "nothing and members see no member_added.",
        .tags = "needs:presence needs:http-api",
        .run = run_no_auth,
    },
    {0},
};
