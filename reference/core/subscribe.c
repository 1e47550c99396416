/* pusher:subscribe: channel-name check, auth signature check, presence membership, and the
 * answers (subscription_succeeded, subscription_error, member_added). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../proto/presence.h"
#include "../proto/sign.h"
#include "conn.h"
#include "hub.h"
#include "subcount.h"

/* pusher:subscription_error {"type","error","status"} on channel. */
/* protocol §4.5: a refused subscription receives nothing of the channel */
void rh_conn_sub_error(rh_conn *c, const char *channel, const char *type, const char *why,
                       int status)
{
    char clean[256];
    snprintf(clean, sizeof(clean), "%s", why);
    rh_conn_utf8_clean(clean);
    cJSON *o = cJSON_CreateObject();
    char *data = NULL;
    if (o && cJSON_AddStringToObject(o, "type", type) &&
        cJSON_AddStringToObject(o, "error", clean) && cJSON_AddNumberToObject(o, "status", status))
        data = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    rh_conn_send_take(c, data ? rh_msg_encode_raw("pusher:subscription_error", channel, data, NULL)
                              : NULL);
    cJSON_free(data);
}

/* {"presence":{"ids":[...],"hash":{...},"count":N}} for ch, users in join order. */
static char *presence_data(const rh_chan *ch)
{
    rh_pres_list l;
    rh_pres_list_init(&l);
    for (const rh_member *m = ch->mhead; m; m = m->next)
        rh_pres_list_add(&l, m->user_id, strlen(m->user_id), m->user_info,
                         m->user_info ? strlen(m->user_info) : 0);
    return rh_pres_list_finish(&l);
}

void rh_conn_sub_confirmed(rh_conn *c, const char *channel, const char *data, int first)
{
    rh_sub *sub = rh_hub_sub_of(c, channel);
    const char *event = "pusher_internal:subscription_succeeded";
    char *local = NULL;
    if (!data && sub && sub->chan->type == RH_CHAN_PRESENCE)
        data = local = presence_data(sub->chan);
    else if (!data)
        data = "{}";
    rh_conn_send_take(c, data ? rh_msg_encode(event, channel, data, strlen(data)) : NULL);
    cJSON_free(local);
    /* protocol §17: the cached event (or pusher:cache_miss) right after subscription_succeeded */
    rh_srv *srv = c->srv;
    if (first && sub && srv->cache_subscribed && rh_chan_is_cache(channel, strlen(channel)))
        srv->cache_subscribed(srv, c->app, channel, c->socket_id);
}

rh_buf *rh_conn_member_added_frame(const rh_sub *sub)
{
    cJSON *o = cJSON_CreateObject();
    char *data = NULL;
    const rh_member *m = sub->member;
    if (o && cJSON_AddStringToObject(o, "user_id", m->user_id)) {
        cJSON *info = m->user_info ? cJSON_CreateRaw(m->user_info) : cJSON_CreateNull();
        if (info && cJSON_AddItemToObject(o, "user_info", info))
            data = cJSON_PrintUnformatted(o);
        else
            cJSON_Delete(info); /* not added: still ours */
    }
    cJSON_Delete(o);
    rh_buf *f =
        data ? rh_msg_encode("pusher_internal:member_added", sub->chan->name, data, strlen(data))
             : NULL;
    cJSON_free(data);
    return f;
}

/* protocol §4.3: member_added once per user, to the other members */
static void publish_member_added(rh_conn *c, const rh_sub *sub)
{
    const char *name = sub->chan->name;
    rh_buf *f = rh_conn_member_added_frame(sub);
    if (!f)
        rh_srv_log(c->srv, RH_LOG_ERROR, "out of memory encoding member_added");
    if (!rh_srv_presence(c->srv, c->app, name, sub->member->user_id, 1, f, c->socket_id) && f)
        rh_srv_fanout(c->srv, c->app, name, f, c->socket_id, NULL, NULL);
    rh_buf_unref(f);
}

static int verify_for(rh_conn *c, const char *socket_id, const char *channel, const char *cd,
                      const char *auth)
{
    const rh_cfg_app *app = c->app;
    int rc = rh_sign_verify_channel(app->key, app->secret, socket_id, channel, cd, auth);
    if (rc == RH_SIGN_ERR_KEY && rh_fault_on(c->srv, RH_FAULT_AUTH_IGNORE_KEY)) {
        /* The faulty server trusts whatever key the client names, as long as the HMAC under
         * this app's secret matches. */
        const char *colon = strrchr(auth, ':');
        size_t klen = colon ? (size_t)(colon - auth) : 0;
        char key[256];
        if (colon && klen < sizeof(key)) {
            memcpy(key, auth, klen);
            key[klen] = '\0';
            rc = rh_sign_verify_channel(key, app->secret, socket_id, channel, cd, auth);
        }
    }
    return rc;
}

/* NULL when auth is valid, else why not. */
/* protocol §4.2: private and presence subscriptions need a valid auth signature */
/* protocol §8.2: a stream channel is private: refused (4.2.5) without that exact signature */
static const char *check_auth(rh_conn *c, const char *channel, const char *auth, const char *cd,
                              rh_chan_type type)
{
    if (!auth || !*auth)
        return "auth missing: private and presence channels need an auth signature";
    if (type == RH_CHAN_PRESENCE && !cd)
        return "channel_data missing: presence channels need it";
    int rc = verify_for(c, c->socket_id, channel, cd, auth);
    if (rc != RH_SIGN_OK && rh_fault_on(c->srv, RH_FAULT_AUTH_ANY_SOCKET)) {
        /* The lookup bug: any live socket of the app is taken as the signer. */
        for (rh_conn *o = rh_hub_first_conn(c->srv); o && rc != RH_SIGN_OK; o = o->next)
            if (o != c && o->app == c->app && !o->closing)
                rc = verify_for(c, o->socket_id, channel, cd, auth);
    }
    switch (rc) {
    case RH_SIGN_OK:
        return NULL;
    case RH_SIGN_ERR_MISSING:
        return "auth missing: private and presence channels need an auth signature";
    case RH_SIGN_ERR_FORMAT:
        return "auth malformed: expected key:hex-signature";
    case RH_SIGN_ERR_KEY:
        return "auth key is not this app's key";
    default:
        return "invalid signature: not made for this socket, channel and channel_data";
    }
}

/* protocol §4.7.4: the app's user_id and user_info sizes (the parser's caps are the most a
 * config may allow). NULL within them, else why (in buf). */
static const char *over_size(const rh_conn *c, const rh_pres_member *pm, char *buf, size_t len)
{
    /* The fault's off-by-one refuses a value of exactly the limit. */
    size_t slack = rh_fault_on(c->srv, RH_FAULT_PRESENCE_SIZE_OFF_BY_ONE) ? 1 : 0;
    size_t id_max = c->app->max_user_id_bytes, info_max = c->app->max_user_info_bytes;
    if (pm->user_id && id_max && strlen(pm->user_id) + slack > id_max)
        snprintf(buf, len, "channel_data.user_id is over %zu bytes", id_max);
    else if (pm->user_info && info_max && strlen(pm->user_info) + slack > info_max)
        snprintf(buf, len, "channel_data.user_info is over %zu bytes", info_max);
    else
        return NULL;
    return buf;
}

/* 1 when channel_data's user_id is a JSON number (what RH_FAULT_NUMERIC_USER_ID refuses). */
static int numeric_user_id(const char *cd)
{
    cJSON *o = cJSON_Parse(cd);
    int n = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "user_id"));
    cJSON_Delete(o);
    return n;
}

void rh_conn_presence_full(rh_conn *c, const char *channel)
{
    rh_conn_sub_error(c, channel, "LimitReached", "presence channel is full", 4100);
}

/* protocol §4.6: subscriptions and members per connection are limited */
static int presence_full(const rh_conn *c, const rh_chan *ch, const char *user_id)
{
    size_t max = rh_fault_on(c->srv, RH_FAULT_NO_PRESENCE_LIMIT) ? 0 : c->app->max_presence_members;
    return ch && max && ch->members.n >= max && !rh_htab_get(&ch->members, user_id);
}

/* protocol §4.1: subscribe answers pusher_internal:subscription_succeeded */
void rh_conn_on_subscribe(rh_conn *c, const rh_msg *m)
{
    rh_srv *srv = c->srv;
    rh_msg_subscribe s;
    memset(&s, 0, sizeof(s));
    rh_pres_member pm;
    memset(&pm, 0, sizeof(pm));
    char err[200], why[260];
    if (rh_msg_decode_subscribe(m, &s, err, sizeof(err)) != 0) {
        snprintf(why, sizeof(why), "invalid pusher:subscribe: %s", err);
        rh_conn_malformed(c, why);
        return;
    }
    const char *name = s.channel;
    size_t nlen = strlen(name);
    if (rh_fault_on(srv, RH_FAULT_FUZZ_LONG_CHANNEL_SLOW) && nlen > 100)
        usleep(1500000); /* blocks the event loop: every client stalls */
    if (!rh_fault_on(srv, RH_FAULT_LAX_CHANNEL_NAMES) &&
        rh_chan_validate(name, nlen, err, sizeof(err)) != 0) {
        snprintf(why, sizeof(why), "invalid channel name: %s", err);
        rh_conn_sub_error(c, name, "InvalidChannel", why, 400);
        goto out;
    }
    rh_chan_type type = rh_chan_type_of(name, nlen);
    const char *refused = NULL;
    /* protocol §16.2: an encrypted channel needs the same auth as a private one */
    int lax = rh_fault_on(srv, RH_FAULT_AUTH_NONE) ||
              (type == RH_CHAN_PRIVATE_ENCRYPTED && rh_fault_on(srv, RH_FAULT_ENCRYPTED_NO_AUTH));
    if (rh_chan_needs_auth(type) && !lax)
        refused = check_auth(c, name, s.auth, s.channel_data, type);
    const char *user_id = NULL;
    if (!refused && type == RH_CHAN_PRESENCE) {
        if (s.channel_data) {
            if (rh_pres_parse(s.channel_data, strlen(s.channel_data), &pm, err, sizeof(err)) != 0) {
                snprintf(why, sizeof(why), "invalid channel_data: %s", err);
                refused = why;
            }
            user_id = pm.user_id;
            if (!refused && rh_fault_on(srv, RH_FAULT_NUMERIC_USER_ID) &&
                numeric_user_id(s.channel_data))
                refused = "channel_data.user_id must be a string";
            if (!refused && rh_fault_on(srv, RH_FAULT_USER_INFO_REQUIRED) && !pm.user_info)
                refused = "channel_data.user_info missing";
            if (!refused)
                refused = over_size(c, &pm, why, sizeof why);
            if (rh_fault_on(srv, RH_FAULT_FUZZ_PRESENCE_INFO_ABORT) && pm.user_info &&
                pm.user_info[0] != '{')
                abort();
        } else {
            /* Only reachable with the auth-none fault: the socket stands in for the user. */
            user_id = c->socket_id;
        }
    }
    if (refused) {
        srv->metrics.auth_failures[RH_AUTH_FAIL_SUBSCRIBE]++;
        rh_conn_sub_error(c, name, "AuthError", refused, 401);
        if (rh_fault_on(srv, RH_FAULT_LEAK_REFUSED))
            rh_hub_subscribe(srv, c, name, type);
        goto out;
    }
    /* protocol §19.3: the signature was valid, but its user lost the workspace since */
    if (rh_hub_bind_revoked(c, name)) {
        srv->metrics.auth_failures[RH_AUTH_FAIL_SUBSCRIBE]++;
        rh_conn_sub_error(c, name, "AuthError", "access to the channel's workspace was revoked",
                          403);
        goto out;
    }
    rh_sub *had = rh_hub_sub_of(c, name);
    if (had) {
        /* Re-subscribing: confirm again, keep the one subscription and its member (one still
         * waiting for its member list is confirmed when the list comes). */
        if (!had->wait)
            rh_conn_sub_confirmed(c, name, NULL, 0);
        goto out;
    }
    if (c->app->max_subscriptions && c->subs.n >= c->app->max_subscriptions &&
        !rh_fault_on(srv, RH_FAULT_NO_SUB_LIMIT)) {
        snprintf(why, sizeof(why), "over %zu subscriptions on this connection",
                 c->app->max_subscriptions);
        rh_conn_sub_error(c, name, "LimitReached", why, 4100);
        goto out;
    }
    /* On several nodes the store checks the limit over every node too (15.4); a node whose
     * own members fill the channel refuses at once. */
    if (type == RH_CHAN_PRESENCE && presence_full(c, rh_hub_chan(srv, c->app, name), user_id)) {
        rh_conn_presence_full(c, name);
        goto out;
    }
    /* protocol §15.4: on several nodes the store decides the join (over the limit: refused
     * with no effect anywhere) and the member list, in the bus's order; until its answer the
     * subscription is held: not counted, its member not announced. */
    int exact = type == RH_CHAN_PRESENCE && rh_presence_exact(srv);
    /* protocol §19.2: on several nodes a workspace channel's private subscription is held
     * the same way until a message of its own comes back through the bus, so that every
     * binding and membership change published before it has been applied here (a revocation
     * through another node ends it while it waits). */
    int barrier = type == RH_CHAN_PRIVATE && rh_access_barrier_wanted(srv, name);
    rh_sub *sub = rh_hub_subscribe_as(srv, c, name, type, exact || barrier);
    int is_new = 0;
    if (sub && type == RH_CHAN_PRESENCE &&
        rh_hub_member_join(sub, user_id, pm.user_info, !exact, &is_new) != 0) {
        rh_hub_unsubscribe(srv, sub, 1);
        sub = NULL;
    }
    if (!sub) {
        rh_srv_log(srv, RH_LOG_ERROR, "socket %s: out of memory subscribing", c->socket_id);
        rh_conn_sub_error(c, name, "ServerError", "out of memory", 500);
        goto out;
    }
    if (exact) {
        if (rh_presence_list_ask(c, sub) == 0)
            goto out;               /* counted and confirmed, or refused, on the answer */
        rh_hub_sub_count(srv, sub); /* the bus is down: as on one node */
        if (is_new)
            rh_srv_webhook_transition(srv, c->app, name, user_id, 1);
    }
    if (barrier) {
        if (rh_access_barrier_ask(c, sub) == 0)
            goto out;               /* confirmed when it comes back, or ended by a revocation */
        rh_hub_sub_count(srv, sub); /* out of memory: as on one node */
    }
    if (type == RH_CHAN_PRESENCE && (is_new || rh_fault_on(srv, RH_FAULT_PRESENCE_DUP_MEMBER)))
        publish_member_added(c, sub);
    rh_conn_sub_confirmed(c, name, NULL, 1);
    rh_subcount_changed(srv, c->app, sub->chan, 1);
out:
    rh_pres_clear(&pm);
    rh_msg_subscribe_clear(&s);
}
