/* Connection open/close, heartbeat and shutdown (the WebSocket side of core/server.h; the
 * server's lifetime is in server/server.c, rh_srv_http in api/). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/message.h"
#include "conn.h"
#include "hub.h"

void rh_srv_log(rh_srv *srv, int level, const char *fmt, ...)
{
    if (!srv || !srv->io.log)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    srv->io.log(srv->io.ud, level, buf);
}

void rh_srv_note_http(rh_srv *srv, int status)
{
    if (srv)
        rh_metrics_http(&srv->metrics, status);
}

void rh_srv_note_send_latency(rh_srv *srv, uint64_t us)
{
    if (srv)
        rh_metrics_latency(&srv->metrics, us);
}

rh_app_state *rh_srv_app_state(rh_srv *srv, const rh_cfg_app *app)
{
    return &srv->apps[app - srv->cfg->apps];
}

int rh_srv_has_fault(const rh_srv *srv, int f)
{
    if (f < 0 || f >= RH_FAULT__COUNT)
        return 0;
    return rh_fault_on(srv, f) ? 1 : 0;
}

size_t rh_srv_conn_count(const rh_srv *srv)
{
    return srv ? rh_hub_conn_total(srv) : 0;
}

static const rh_cfg_app *app_by_key(const rh_cfg *cfg, const char *key)
{
    for (size_t i = 0; key && i < cfg->napps; i++)
        if (cfg->apps[i].key && strcmp(cfg->apps[i].key, key) == 0)
            return &cfg->apps[i];
    return NULL;
}

/* Two random decimal integers joined by '.', unique among live connections. */
/* protocol §2.2: socket_id is two random decimal integers joined by a dot */
static int make_socket_id(rh_srv *srv, rh_conn *c)
{
    if (rh_fault_on(srv, RH_FAULT_SOCKET_ID_CLOCK)) {
        /* The classic bug: an id from the time, not from a random source. Minutes, so that
         * the connections of one case share it (a second boundary inside a case made the
         * cases that catch this fault pass by luck). */
        snprintf(c->socket_id, sizeof(c->socket_id), "%lld.1",
                 (long long)(srv->io.wall_s(srv->io.ud) / 60));
        return 0;
    }
    const char *fmt = rh_fault_on(srv, RH_FAULT_SOCKET_ID_FORMAT) ? "%u-%u" : "%u.%u";
    for (int attempt = 0; attempt < 16; attempt++) {
        uint32_t r[2];
        if (srv->io.random(srv->io.ud, r, sizeof(r)) != 0)
            return -1;
        snprintf(c->socket_id, sizeof(c->socket_id), fmt, (unsigned)r[0], (unsigned)r[1]);
        if (!rh_hub_conn_by_socket(srv, c->socket_id))
            return 0;
    }
    return -1;
}

/* protocol §2.2: connection_established first, double-encoded, with activity_timeout */
static rh_buf *encode_established(rh_srv *srv, const char *socket_id)
{
    int timeout = srv->cfg->activity_timeout;
    char data[128];
    if (rh_fault_on(srv, RH_FAULT_NO_ACTIVITY_TIMEOUT)) {
        int n = snprintf(data, sizeof(data), "{\"socket_id\":\"%s\"}", socket_id);
        return rh_msg_encode("pusher:connection_established", NULL, data, (size_t)n);
    }
    if (rh_fault_on(srv, RH_FAULT_ESTABLISHED_OBJECT)) {
        snprintf(data, sizeof(data), "{\"socket_id\":\"%s\",\"activity_timeout\":%d}", socket_id,
                 timeout);
        return rh_msg_encode_raw("pusher:connection_established", NULL, data, NULL);
    }
    return rh_msg_encode_established(socket_id, timeout);
}

static void refuse(rh_conn *c, int code, const char *message)
{
    rh_conn_error(c, code, message, NULL);
    rh_conn_close(c, code, message);
}

/* 1 when query holds protocol=7 (for the protocol-required fault only). */
static int has_protocol_7(const char *query)
{
    for (const char *p = query; p && *p;) {
        if (strncmp(p, "protocol=7", 10) == 0 && (p[10] == '&' || p[10] == '\0'))
            return 1;
        p = strchr(p, '&');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

rh_conn *rh_srv_conn_open(rh_srv *srv, const char *app_key, void *handle)
{
    return rh_srv_conn_open_query(srv, app_key, NULL, handle);
}

rh_conn *rh_srv_conn_open_query(rh_srv *srv, const char *app_key, const char *query, void *handle)
{
    return rh_srv_conn_open_origin(srv, app_key, query, NULL, handle);
}

/* 1 when app already holds max_connections connections. */
static int over_quota(rh_srv *srv, const rh_cfg_app *app)
{
    if (!app->max_connections || rh_fault_on(srv, RH_FAULT_NO_CONN_QUOTA))
        return 0;
    return rh_srv_app_state(srv, app)->conns >= app->max_connections;
}

/* protocol §2.1: an unknown app key gets pusher:error 4001 and a close; refusals 4004, 4009 */
rh_conn *rh_srv_conn_open_origin(rh_srv *srv, const char *app_key, const char *query,
                                 const char *origin, void *handle)
{
    rh_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->srv = srv;
    c->handle = handle;
    uint64_t now = srv->io.now_ms(srv->io.ud);
    c->last_seen_ms = c->opened_ms = now;
    const rh_cfg_app *app = app_by_key(srv->cfg, app_key);
    if (!app && srv->cfg->napps && rh_fault_on(srv, RH_FAULT_UNKNOWN_KEY_ACCEPTED))
        app = &srv->cfg->apps[0];
    int status = 0; /* 0 ok, else the refusal code */
    if (srv->shutting_down)
        status = 4200;
    else if (!app)
        status = 4001;
    else if (rh_fault_on(srv, RH_FAULT_PROTOCOL_REQUIRED) && !has_protocol_7(query))
        status = 4008;
    else if (!rh_cfg_origin_allowed(app, origin) && !rh_fault_on(srv, RH_FAULT_ORIGIN_UNCHECKED))
        status = 4009;
    else if (over_quota(srv, app))
        status = 4004;
    else if (make_socket_id(srv, c) != 0)
        status = 1011;
    if (status == 0) {
        c->app = app;
        c->counted = 1;
        rh_srv_app_state(srv, app)->conns++;
        srv->metrics.conns_opened++;
    } else {
        srv->metrics.conns_refused++;
        c->socket_id[0] = '\0';
    }
    if (rh_hub_conn_add(srv, c) != 0) {
        if (c->counted) { /* the quota slot and the count go back */
            rh_srv_app_state(srv, app)->conns--;
            srv->metrics.conns_opened--;
        }
        free(c);
        return NULL;
    }
    rh_hub_enter(srv);
    if (status == 4200) {
        refuse(c, 4200, "Server shutting down");
    } else if (status == 4001) {
        refuse(c, 4001, "Application does not exist");
    } else if (status == 4008) {
        refuse(c, 4008, "No protocol version supplied");
    } else if (status == 4009) {
        refuse(c, 4009, "Origin not allowed");
    } else if (status == 4004) {
        refuse(c, 4004, "Application is over connection quota");
    } else if (status == 1011) {
        rh_srv_log(srv, RH_LOG_ERROR, "no random bytes for a socket id");
        rh_conn_close(c, 1011, "internal error");
    } else {
        if (rh_fault_on(srv, RH_FAULT_ESTABLISHED_NOT_FIRST))
            rh_conn_send_take(c, rh_msg_encode("pusher:ping", NULL, "{}", 2));
        rh_conn_send_take(c, encode_established(srv, c->socket_id));
    }
    rh_hub_leave(srv);
    return c;
}

void rh_srv_conn_dropped(rh_srv *srv, rh_conn *c)
{
    if (srv && c && rh_fault_on(srv, RH_FAULT_DROP_NO_REMOVED))
        c->quiet_leave = 1;
}

void rh_srv_conn_closed(rh_srv *srv, rh_conn *c)
{
    if (!srv || !c)
        return;
    if (c->counted) {
        c->counted = 0;
        rh_srv_app_state(srv, c->app)->conns--;
    }
    rh_hub_conn_closed(srv, c);
}

/* protocol §2.4: server pusher:ping after activity_timeout of silence, 4201 without a pong */
static void heartbeat(rh_srv *srv)
{
    int idle_s = srv->cfg->activity_timeout;
    int pong_s = srv->cfg->pong_timeout;
    if (idle_s <= 0 || rh_fault_on(srv, RH_FAULT_NO_SERVER_PING))
        return;
    uint64_t now = srv->io.now_ms(srv->io.ud);
    rh_buf *ping = NULL; /* one frame shared by every connection pinged in this tick */
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next) {
        if (c->closing || !c->app)
            continue;
        if (!c->pinged) {
            if (now < c->last_seen_ms || now - c->last_seen_ms < (uint64_t)idle_s * 1000)
                continue;
            if (!ping)
                ping = rh_msg_encode("pusher:ping", NULL, "{}", 2);
            if (!ping)
                break;
            c->pinged = 1;
            c->ping_sent_ms = now;
            rh_conn_send(c, ping);
        } else if (now >= c->ping_sent_ms &&
                   now - c->ping_sent_ms >= (uint64_t)(pong_s > 0 ? pong_s : 0) * 1000) {
            refuse(c, 4201, "Pong reply not received");
        }
    }
    rh_buf_unref(ping);
}

void rh_srv_heartbeat(rh_srv *srv)
{
    rh_hub_enter(srv);
    heartbeat(srv);
    rh_hub_signin_deadline(srv);
    rh_hub_leave(srv);
}

void rh_srv_shutdown(rh_srv *srv)
{
    if (!srv)
        return;
    srv->shutting_down = 1;
    rh_hub_enter(srv);
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next)
        if (!c->closing)
            refuse(c, 4200, "Server shutting down");
    rh_hub_leave(srv);
}

/* protocol §15.11: after a bus gap, subscribers are closed with 4200 rather than left behind */
size_t rh_srv_bus_gap(rh_srv *srv)
{
    size_t n = 0;
    if (!srv || rh_fault_on(srv, RH_FAULT_BUS_GAP_IGNORED))
        return 0;
    rh_hub_enter(srv);
    for (rh_conn *c = rh_hub_first_conn(srv); c; c = c->next)
        if (!c->closing && c->subs.n > 0) {
            refuse(c, 4200, "Events were missed while the server lost its message bus; reconnect");
            n++;
        }
    rh_hub_leave(srv);
    if (n)
        rh_srv_log(srv, RH_LOG_WARN, "bus gap: closed %zu subscribed connection(s) with 4200", n);
    return n;
}
