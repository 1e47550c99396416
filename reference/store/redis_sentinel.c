/* The Redis store behind Sentinel (store/ owns it): finding the primary by asking the
 * sentinels in turn (SENTINEL get-master-addr-by-name), and a watcher SUBSCRIBEd to
 * +switch-master on one sentinel that moves both connections to the new primary at once.
 * Both are hiredis async connections on the store's loop, retried from the watchdog tick
 * (no timers of their own). The ROLE check after each connect is in redis_conn.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libuv.h>

#include "redis_int.h"

#define RS_RETRY_MS 200 /* between two sentinels asked, or two watcher connects */

static redisAsyncContext *open_ctx(rr_store *rs, const rh_redis_addr *a,
                                   redisConnectCallback *on_conn, redisDisconnectCallback *on_disc)
{
    redisAsyncContext *ac = redisAsyncConnect(a->host, a->port);
    if (!ac)
        return NULL;
    if (ac->err || redisLibuvAttach(ac, rs->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        return NULL;
    }
    ac->data = rs;
    uv_unref((uv_handle_t *)&((redisLibuvEvents *)ac->ev.data)->handle);
    redisAsyncSetConnectCallback(ac, on_conn);
    redisAsyncSetDisconnectCallback(ac, on_disc);
    return ac;
}

/* --- discovery ---------------------------------------------------------------------------- */

static void query_failed(rr_store *rs, const char *why)
{
    const rh_redis_addr *a = &rs->url.sentinels[rs->snext];
    rr_log(rs, 3, "sentinel %s:%d: %s", a->host, a->port, why);
    rs->snext = (rs->snext + 1) % rs->url.nsentinels;
    rs->sq_next = rr_now(rs) + RS_RETRY_MS;
    if (rs->snext == 0 && !rs->warned) {
        rs->warned = 1; /* said once; the 503s and /up say the rest */
        rr_log(rs, 1, "no sentinel named the primary of %s: answering 503 until one does",
               rs->url.master);
    }
}

// cppcheck-suppress constParameter ; hiredis' redisCallbackFn fixes the non-const type
static void on_addr(redisAsyncContext *ac, void *reply, void *priv)
{
    rr_store *rs = priv;
    const redisReply *r = reply;
    if (rs->destroying || ac != rs->sq)
        return;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING ||
        r->element[0]->len >= sizeof rs->host) {
        query_failed(rs, "does not know the master name");
    } else {
        int port = atoi(r->element[1]->str);
        if (strcmp(rs->host, r->element[0]->str) != 0 || rs->port != port)
            rr_log(rs, 2, "sentinel: primary of %s is %s:%d", rs->url.master, r->element[0]->str,
                   port);
        snprintf(rs->host, sizeof rs->host, "%s", r->element[0]->str);
        rs->port = port;
        rs->addr_ok = port > 0;
    }
    redisAsyncDisconnect(ac);
}

static void on_sq_connect(const redisAsyncContext *ac, int status)
{
    rr_store *rs = ac->data;
    if (rs->destroying || ac != rs->sq)
        return;
    if (status != REDIS_OK) {
        rs->sq = NULL; /* hiredis frees it after this */
        query_failed(rs, "connect failed");
        return;
    }
    const char *argv[] = {"SENTINEL", "get-master-addr-by-name", rs->url.master};
    if (redisAsyncCommandArgv((redisAsyncContext *)ac, on_addr, rs, 3, argv, NULL) != REDIS_OK)
        redisAsyncDisconnect((redisAsyncContext *)ac);
}

static void on_sq_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    rr_store *rs = ac->data;
    if (ac != rs->sq)
        return;
    rs->sq = NULL;
    if (rs->destroying)
        return;
    if (!rs->addr_ok && rs->sq_next <= rr_now(rs))
        query_failed(rs, "closed before answering");
    else if (rs->addr_ok)
        rr_conn_kick(rs);
}

void rr_sentinel_need(rr_store *rs)
{
    if (!rs->url.sentinel || rs->sq || rs->destroying || rr_now(rs) < rs->sq_next)
        return;
    rs->sq = open_ctx(rs, &rs->url.sentinels[rs->snext], on_sq_connect, on_sq_disconnect);
    rs->sq_since = rr_now(rs);
    if (!rs->sq)
        query_failed(rs, "cannot connect");
}

/* --- the +switch-master watcher ----------------------------------------------------------- */

/* A +switch-master message: when it is about our master, move both connections. */
static void on_switch(rr_store *rs, const char *s, size_t len)
{
    rh_redis_addr to;
    if (!rh_redis_switch_parse(s, len, rs->url.master, &to))
        return;
    rr_log(rs, 1, "sentinel: failover of %s from %s:%d to %s:%d; reconnecting", rs->url.master,
           rs->host, rs->port, to.host, to.port);
    snprintf(rs->host, sizeof rs->host, "%s", to.host);
    rs->port = to.port;
    rs->addr_ok = 1;
    rr_conn_reset(rs);
}

// cppcheck-suppress constParameter ; hiredis' redisCallbackFn fixes the non-const type
static void on_watch(redisAsyncContext *ac, void *reply, void *priv)
{
    rr_store *rs = priv;
    const redisReply *r = reply;
    if (!r || rs->destroying || ac != rs->sw || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
        return;
    const redisReply *kind = r->element[0], *payload = r->element[2];
    if (kind->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(kind->str, "subscribe") == 0)
        rs->sw_up = 1;
    else if (strcmp(kind->str, "message") == 0 && payload->type == REDIS_REPLY_STRING)
        on_switch(rs, payload->str, payload->len);
}

static void on_sw_gone(rr_store *rs)
{
    rs->sw = NULL;
    rs->sw_up = 0;
    rs->sw_idx = (rs->sw_idx + 1) % rs->url.nsentinels;
    rs->sw_next = rr_now(rs) + RS_RETRY_MS;
}

static void on_sw_connect(const redisAsyncContext *ac, int status)
{
    rr_store *rs = ac->data;
    if (rs->destroying || ac != rs->sw)
        return;
    if (status != REDIS_OK) {
        on_sw_gone(rs);
        return;
    }
    const char *argv[] = {"SUBSCRIBE", "+switch-master"};
    if (redisAsyncCommandArgv((redisAsyncContext *)ac, on_watch, rs, 2, argv, NULL) != REDIS_OK)
        redisAsyncDisconnect((redisAsyncContext *)ac);
}

static void on_sw_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    rr_store *rs = ac->data;
    if (ac == rs->sw && !rs->destroying)
        on_sw_gone(rs);
}

/* From the watchdog: (re)connect the watcher, drop what hangs in connect, and ask again
 * while a connection waits for the primary's address. */
void rr_sentinel_tick(rr_store *rs)
{
    if (!rs->url.sentinel || rs->destroying)
        return;
    uint64_t now = rr_now(rs);
    if (rs->sq && now > rs->sq_since + RR_CONNECT_MS) {
        redisAsyncContext *ac = rs->sq;
        rs->sq = NULL;
        redisAsyncFree(ac);
        query_failed(rs, "no answer");
    }
    if (rs->sw && !rs->sw_up && now > rs->sw_since + RR_CONNECT_MS) {
        redisAsyncContext *ac = rs->sw;
        rs->sw = NULL;
        redisAsyncFree(ac);
        on_sw_gone(rs);
    }
    if (!rs->sw && now >= rs->sw_next) {
        rs->sw = open_ctx(rs, &rs->url.sentinels[rs->sw_idx], on_sw_connect, on_sw_disconnect);
        rs->sw_since = now;
        if (!rs->sw)
            on_sw_gone(rs);
    }
    if (!rs->addr_ok && (!rs->cmd.ac || !rs->sub.ac))
        rr_sentinel_need(rs);
}

void rr_sentinel_stop(rr_store *rs)
{
    redisAsyncContext *acs[2] = {rs->sq, rs->sw};
    rs->sq = rs->sw = NULL;
    for (int i = 0; i < 2; i++)
        if (acs[i])
            redisAsyncFree(acs[i]);
}
