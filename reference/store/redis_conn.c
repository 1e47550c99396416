/* The Redis store's connections (store/ owns them): a command connection and a bus
 * subscriber, each reconnecting with exponential backoff, a watchdog that drops a command
 * connection owing replies for too long (hiredis 0.14 has no async timeouts), and the
 * connect handshake: ROLE (never a replica: a demoted primary is left at once), SELECT, the
 * epoch check (lost-data detection) and SCRIPT LOAD. Behind Sentinel the address is asked
 * of the sentinels before each connect (redis_sentinel.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/adapters/libuv.h>

#include "redis_int.h"

void rr_log(rr_store *rs, int level, const char *fmt, ...)
{
    if (!rs->log)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rs->log(rs->log_ud, level, buf);
}

uint64_t rr_now(rr_store *rs)
{
    if (rs->now_ms)
        return rs->now_ms(rs->now_ud);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int rr_is_up(const rr_store *rs)
{
    return rs->cmd.up && rs->sub.up && rs->cmd.ac && rs->sub.ac && !rs->destroying;
}

/* Logs the transitions of the whole store (both connections) once each. */
static void note_state(rr_store *rs)
{
    int up = rr_is_up(rs);
    if (up && !rs->was_up) {
        rr_log(rs, 2, "Redis store up (%s:%d)", rs->host, rs->port);
        rs->was_up = 1;
        rr_nodes_refresh(rs);
        if (rs->sub_lost) { /* the bus was (re)subscribed: baseline, or were messages missed? */
            rs->sub_lost = 0;
            rr_bus_resubscribed(rs);
        }
        if (rs->on_up)
            rs->on_up(rs->on_up_ud);
    } else if (!up && rs->was_up && !rs->destroying) {
        rr_log(rs, 1, "Redis store unreachable (%s:%d): answering 503 until it is back", rs->host,
               rs->port);
        rs->warned = 1;
    }
    rs->was_up = up;
}

void rr_got_reply(rr_store *rs)
{
    rs->last_reply_ms = rr_now(rs);
}

static void connect_one(rr_store *rs, rr_conn *c);

static void on_retry(uv_timer_t *t)
{
    rr_store *rs = t->data;
    connect_one(rs, t == &rs->cmd.retry ? &rs->cmd : &rs->sub);
}

static void schedule_retry(rr_store *rs, rr_conn *c)
{
    if (rs->destroying)
        return;
    unsigned delay = c->backoff ? c->backoff : RR_BACKOFF_MIN_MS;
    c->backoff = delay * 2 > RR_BACKOFF_MAX_MS ? RR_BACKOFF_MAX_MS : delay * 2;
    uv_timer_start(&c->retry, on_retry, delay, 0);
}

static rr_conn *conn_of(rr_store *rs, const redisAsyncContext *ac)
{
    if (rs->cmd.ac == ac)
        return &rs->cmd;
    if (rs->sub.ac == ac)
        return &rs->sub;
    return NULL;
}

/* The context is being freed by hiredis (or was never usable): forget it, retry later. */
static void gone(rr_store *rs, rr_conn *c)
{
    c->ac = NULL;
    c->up = 0;
    if (c == &rs->cmd)
        rs->pending = 0;
    rs->addr_ok = 0; /* behind Sentinel: ask again where the primary is before reconnecting */
    if (!rs->was_up && !rs->warned && !rs->destroying) {
        rs->warned = 1; /* unreachable from the start: say so once, then retry quietly */
        rr_log(rs, 1, "Redis store unreachable (%s:%d): answering 503 until it is back", rs->host,
               rs->port);
    }
    note_state(rs);
    schedule_retry(rs, c);
}

void rr_conn_lost(rr_store *rs)
{
    rs->cmd.up = 0;
    note_state(rs);
}

int rr_send(rr_store *rs, redisCallbackFn *fn, void *priv, int argc, const char **argv,
            const size_t *lens)
{
    if (!rr_is_up(rs) || redisAsyncCommandArgv(rs->cmd.ac, fn, priv, argc, argv, lens) != REDIS_OK)
        return -1;
    if (rs->pending++ == 0)
        rr_got_reply(rs); /* the stall clock starts with the first reply owed */
    return 0;
}

const redisReply *rr_arrived(rr_store *rs, void *reply)
{
    if (rs->pending)
        rs->pending--;
    if (reply)
        rr_got_reply(rs);
    else if (!rs->destroying)
        rr_conn_lost(rs);
    return reply;
}

static void cut(rr_store *rs, rr_conn *c);

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    rr_store *rs = ac->data;
    rr_conn *c = conn_of(rs, ac);
    if (!c)
        return;
    gone(rs, c);
    /* When Redis died, hiredis 0.14's libuv adapter (it ignores poll errors) may never report
     * it on the command connection, which then looks up but gets no replies until the stall
     * watchdog (5 s) and skips the epoch check of a reconnect. It goes with the bus
     * connection and reconnects with it. */
    if (c == &rs->sub && rs->cmd.ac && !rs->destroying)
        cut(rs, &rs->cmd);
}

/* --- handshake of the command connection -------------------------------------------------- */

static void drop(rr_store *rs, rr_conn *c, const char *why)
{
    rr_log(rs, 1, "Redis %s:%d: %s; reconnecting", rs->host, rs->port, why);
    if (c->ac)
        redisAsyncDisconnect(c->ac);
}

/* 1 when a ROLE reply says primary; else drops the connection (a replica, or a primary
 * that was demoted while we were away: its writes would be thrown away). */
static int role_ok(rr_store *rs, rr_conn *c, const redisReply *r)
{
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_STRING && strcmp(r->element[0]->str, "master") == 0)
        return 1;
    drop(rs, c, "not the primary (ROLE)");
    return 0;
}

/* 0, or -1 after dropping the connection (the handshake must then not complete). */
static int on_epoch(rr_store *rs, const redisReply *r)
{
    if (!r || r->type != REDIS_REPLY_STRING || r->len == 0 || r->len >= sizeof rs->epoch) {
        drop(rs, &rs->cmd, "epoch check failed");
        return -1;
    }
    rr_epoch_seen(rs, r->str, r->len);
    return 0;
}

typedef struct hs_step {
    rr_store *rs;
    int kind; /* -3 watermark, -2 ROLE, -1 SELECT, RR_NSCRIPTS epoch, else the script loaded */
} hs_step;

// cppcheck-suppress constParameter ; hiredis' redisCallbackFn fixes the non-const type
static void on_handshake(redisAsyncContext *ac, void *reply, void *priv)
{
    hs_step *s = priv;
    rr_store *rs = s->rs;
    int kind = s->kind;
    free(s);
    const redisReply *r = reply;
    /* after a drop the rest of the pipelined handshake is not to be believed: a replica's
     * empty answers would read as lost data */
    if (!r || rs->destroying || ac != rs->cmd.ac || (ac->c.flags & REDIS_DISCONNECTING))
        return;
    if (r->type == REDIS_REPLY_ERROR) {
        char why[300];
        snprintf(why, sizeof why, "handshake refused: %.*s", (int)r->len, r->str);
        drop(rs, &rs->cmd, why);
        return;
    }
    if (kind == -2) {
        if (!role_ok(rs, &rs->cmd, r))
            return;
    } else if (kind == -3) {
        rr_wm_seen(rs, r);
    } else if (kind == RR_NSCRIPTS) {
        if (on_epoch(rs, r) != 0)
            return; /* handshake_left never reaches 0: this connection never counts as up */
    } else if (kind >= 0) {
        if (r->type != REDIS_REPLY_STRING || r->len != 40) {
            drop(rs, &rs->cmd, "SCRIPT LOAD answered no sha1");
            return;
        }
        memcpy(rs->sha[kind], r->str, 40);
        rs->sha[kind][40] = '\0';
    }
    if (--rs->handshake_left == 0 && rs->cmd.ac) {
        rs->cmd.up = 1;
        rs->cmd.backoff = 0;
        rr_got_reply(rs);
        note_state(rs);
    }
}

static int hs_send(rr_store *rs, int kind, int argc, const char **argv)
{
    hs_step *s = malloc(sizeof *s);
    if (!s)
        return -1;
    *s = (hs_step){rs, kind};
    if (redisAsyncCommandArgv(rs->cmd.ac, on_handshake, s, argc, argv, NULL) != REDIS_OK) {
        free(s);
        return -1;
    }
    rs->handshake_left++;
    return 0;
}

static void handshake(rr_store *rs)
{
    rs->handshake_left = 0;
    char db[16], marker[33];
    snprintf(db, sizeof db, "%d", rs->db);
    /* The marker only has to differ between Redis lifetimes: time and address suffice. */
    snprintf(marker, sizeof marker, "%llx%llx", (unsigned long long)time(NULL),
             (unsigned long long)(uintptr_t)rs ^ (unsigned long long)clock());
    const char *role[] = {"ROLE"}, *wm[] = {"GET", rs->wm_key};
    rs->hs_lost = 0;
    const char *sel[] = {"SELECT", db};
    const char *ep[] = {"EVAL", rr_script(RR_EPOCH), "1", rs->epoch_key, marker};
    int bad = hs_send(rs, -2, 1, role) != 0 || (rs->db && hs_send(rs, -1, 2, sel) != 0) ||
              hs_send(rs, RR_NSCRIPTS, 5, ep) != 0 || hs_send(rs, -3, 2, wm) != 0;
    for (int i = 0; i < RR_EPOCH && !bad; i++) {
        const char *ld[] = {"SCRIPT", "LOAD", rr_script(i)};
        bad = hs_send(rs, i, 3, ld) != 0;
    }
    if (bad)
        drop(rs, &rs->cmd, "cannot send the handshake");
}

/* --- the bus subscriber ------------------------------------------------------------------- */

// cppcheck-suppress constParameter ; hiredis' redisCallbackFn fixes the non-const type
static void on_bus(redisAsyncContext *ac, void *reply, void *priv)
{
    rr_store *rs = priv;
    const redisReply *r = reply;
    if (!r || rs->destroying || ac != rs->sub.ac || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
        return;
    const redisReply *kind = r->element[0], *payload = r->element[2];
    if (kind->type != REDIS_REPLY_STRING)
        return;
    if (strcmp(kind->str, "subscribe") == 0) {
        rs->sub.up = 1;
        rs->sub.backoff = 0;
        rs->sub_lost = 1; /* the counter is read once the store is up (note_state) */
        note_state(rs);
    } else if (strcmp(kind->str, "message") == 0 && payload->type == REDIS_REPLY_STRING) {
        size_t head = rr_bus_received(rs, payload->str, payload->len);
        if (rs->sink)
            rs->sink(rs->sink_ud, payload->str + head, payload->len - head);
    }
}

// cppcheck-suppress constParameter ; hiredis' redisCallbackFn fixes the non-const type
static void on_sub_role(redisAsyncContext *ac, void *reply, void *priv)
{
    rr_store *rs = priv;
    if (!reply || rs->destroying || ac != rs->sub.ac || (ac->c.flags & REDIS_DISCONNECTING) ||
        !role_ok(rs, &rs->sub, reply))
        return;
    const char *argv[] = {"SUBSCRIBE", rs->bus};
    if (redisAsyncCommandArgv(ac, on_bus, rs, 2, argv, NULL) != REDIS_OK)
        drop(rs, &rs->sub, "cannot subscribe to the bus");
}

/* --- connecting --------------------------------------------------------------------------- */

static void on_connect(const redisAsyncContext *ac, int status)
{
    rr_store *rs = ac->data;
    rr_conn *c = conn_of(rs, ac);
    if (!c)
        return;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this without a disconnect callback */
        rr_log(rs, 3, "Redis %s:%d: connect failed: %s", rs->host, rs->port, ac->errstr);
        gone(rs, c);
        return;
    }
    redisAsyncContext *m = (redisAsyncContext *)ac;
    if (c == &rs->cmd) {
        handshake(rs);
    } else {
        const char *argv[] = {"ROLE"};
        if (redisAsyncCommandArgv(m, on_sub_role, rs, 1, argv, NULL) != REDIS_OK)
            drop(rs, c, "cannot subscribe to the bus");
    }
}

static void connect_one(rr_store *rs, rr_conn *c)
{
    if (rs->destroying || c->ac)
        return;
    if (rs->url.sentinel && !rs->addr_ok) {
        rr_sentinel_need(rs); /* its answer connects both (rr_conn_kick) */
        return;
    }
    redisAsyncContext *ac = redisAsyncConnect(rs->host, rs->port);
    if (!ac) {
        schedule_retry(rs, c);
        return;
    }
    if (ac->err) {
        rr_log(rs, 3, "Redis %s:%d: %s", rs->host, rs->port, ac->errstr);
        redisAsyncFree(ac);
        schedule_retry(rs, c);
        return;
    }
    ac->data = rs;
    /* TCP keepalive finds a peer that vanished (a half-open bus connection would otherwise
     * stay "up" and deliver nothing); a Redis that hangs is found by the stall watchdog. */
    redisEnableKeepAlive(&ac->c);
    c->ac = ac;
    c->up = 0;
    c->since = rr_now(rs);
    if (redisLibuvAttach(ac, rs->loop) != REDIS_OK) {
        c->ac = NULL;
        redisAsyncFree(ac);
        schedule_retry(rs, c);
        return;
    }
    /* never keep the loop alive: the server's own handles decide when it stops */
    uv_unref((uv_handle_t *)&((redisLibuvEvents *)ac->ev.data)->handle);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

/* Frees the connection's context now (pending callbacks fail at once) and retries later. */
static void cut(rr_store *rs, rr_conn *c)
{
    redisAsyncContext *ac = c->ac;
    c->ac = NULL; /* its callbacks no longer match a connection of ours */
    redisAsyncFree(ac);
    gone(rs, c);
}

/* now - t, or 0 when t is later (set after now was read): never an unsigned wrap. */
static uint64_t age(uint64_t now, uint64_t t)
{
    return now > t ? now - t : 0;
}

static void on_watchdog(uv_timer_t *t)
{
    rr_store *rs = t->data;
    uint64_t now = rr_now(rs);
    rr_bus_tick(rs, uv_now(rs->loop));
    if (rs->cmd.ac && rs->cmd.up && rs->pending > 0 && age(now, rs->last_reply_ms) > RR_STALL_MS) {
        rr_log(rs, 1, "Redis %s:%d owes %u replies for over %d ms; dropping the connections",
               rs->host, rs->port, rs->pending, RR_STALL_MS);
        cut(rs, &rs->cmd);
        /* The bus connection to the same Redis is as stuck; it has no replies to owe, so it
         * is reset with this one and resubscribes when Redis answers again. */
        if (rs->sub.ac)
            cut(rs, &rs->sub);
    }
    rr_conn *conns[2] = {&rs->cmd, &rs->sub};
    for (int i = 0; i < 2; i++)
        if (conns[i]->ac && !conns[i]->up && age(now, conns[i]->since) > RR_CONNECT_MS)
            cut(rs, conns[i]);
    if (++rs->ticks % (1000 / RR_WATCHDOG_MS) == 0 && rr_is_up(rs)) {
        rr_nodes_refresh(rs);
        rr_epoch_poll(rs);
    }
    rr_sentinel_tick(rs);
}

void rr_conn_reset(rr_store *rs)
{
    int addr_ok = rs->addr_ok;
    if (rs->cmd.ac)
        cut(rs, &rs->cmd);
    if (rs->sub.ac)
        cut(rs, &rs->sub);
    rs->addr_ok = addr_ok; /* the new address came with the reset: no need to ask again */
    rr_conn_kick(rs);
}

void rr_conn_kick(rr_store *rs)
{
    rr_conn *conns[2] = {&rs->cmd, &rs->sub};
    for (int i = 0; i < 2; i++)
        if (!conns[i]->ac) {
            uv_timer_stop(&conns[i]->retry);
            connect_one(rs, conns[i]);
        }
}

int rr_conn_start(rr_store *rs, char *err, size_t errlen)
{
    uv_timer_t *timers[3] = {&rs->cmd.retry, &rs->sub.retry, &rs->watchdog};
    for (int i = 0; i < 3; i++) {
        if (uv_timer_init(rs->loop, timers[i]) != 0) {
            snprintf(err, errlen, "libuv: cannot create a timer");
            return -1;
        }
        timers[i]->data = rs;
        uv_unref((uv_handle_t *)timers[i]);
        rs->handles_open++;
    }
    uv_timer_start(&rs->watchdog, on_watchdog, RR_WATCHDOG_MS, RR_WATCHDOG_MS);
    connect_one(rs, &rs->cmd);
    connect_one(rs, &rs->sub);
    return 0;
}

static void free_rs(rr_store *rs)
{
    free(rs->prefix);
    free(rs->bus);
    free(rs->busseq_key);
    free(rs->epoch_key);
    free(rs->wm_key);
    free(rs->nodes_key);
    free(rs->node_prefix);
    free(rs->node_key);
    free(rs);
}

static void on_timer_closed(uv_handle_t *h)
{
    rr_store *rs = h->data;
    if (--rs->handles_open == 0)
        free_rs(rs);
}

void rr_conn_stop(rr_store *rs)
{
    rs->destroying = 1;
    rr_sentinel_stop(rs);
    /* pending callbacks run now, with NULL replies: operations answer RH_STORE_ERROR */
    redisAsyncContext *acs[2] = {rs->cmd.ac, rs->sub.ac};
    rs->cmd.ac = rs->sub.ac = NULL;
    for (int i = 0; i < 2; i++)
        if (acs[i])
            redisAsyncFree(acs[i]);
    uv_timer_t *timers[3] = {&rs->cmd.retry, &rs->sub.retry, &rs->watchdog};
    int n = rs->handles_open;
    if (n == 0) {
        free_rs(rs);
        return;
    }
    for (int i = 0; i < n; i++)
        uv_close((uv_handle_t *)timers[i], on_timer_closed);
}
