/* One connection's message handling: dispatch of client frames, ping/pong, unsubscribe,
 * and the send/close/error helpers every part of core/ uses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/message.h"
#include "../proto/utf8.h"
#include "conn.h"
#include "hub.h"

int rh_conn_send(rh_conn *c, rh_buf *frame)
{
    if (!frame || c->closing)
        return -1;
    rh_srv *srv = c->srv;
    if (srv->io.send(srv->io.ud, c->handle, frame) != 0) {
        if (c->overflowed)
            return -1; /* the error below did not fit either */
        c->overflowed = 1;
        srv->metrics.send_queue_overflow++;
        rh_srv_log(srv, RH_LOG_WARN, "socket %s: send queue over capacity, closing", c->socket_id);
        /* The edge dropped the unsent frames, so the error fits; the client reconnects after a
         * back-off (41xx) and resumes streams through the replay endpoint. */
        rh_conn_error(c, 4100, "Over capacity: send queue full; reconnect and replay", NULL);
        rh_conn_close(c, 4100, "send queue over capacity, reconnect");
        return -1;
    }
    srv->metrics.frames_out++;
    return 0;
}

void rh_conn_send_take(rh_conn *c, rh_buf *frame)
{
    if (!frame) {
        rh_srv_log(c->srv, RH_LOG_ERROR, "socket %s: out of memory encoding a frame", c->socket_id);
        return;
    }
    rh_conn_send(c, frame);
    rh_buf_unref(frame);
}

void rh_conn_close(rh_conn *c, int code, const char *reason)
{
    if (c->closing)
        return;
    c->closing = 1;
    c->srv->io.close(c->srv->io.ud, c->handle, code, reason);
}

void rh_conn_utf8_clean(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char)s[i];
        size_t n = b < 0x80             ? 1
                   : (b & 0xe0) == 0xc0 ? 2
                   : (b & 0xf0) == 0xe0 ? 3
                   : (b & 0xf8) == 0xf0 ? 4
                                        : 0;
        if (n && i + n <= len && rh_utf8_valid(s + i, n)) {
            i += n;
        } else {
            s[i] = '?';
            i++;
        }
    }
}

/* protocol §2.5: pusher:error carries a code and a message */
void rh_conn_error(rh_conn *c, int code, const char *message, const char *channel)
{
    char clean[256];
    snprintf(clean, sizeof(clean), "%s", message);
    rh_conn_utf8_clean(clean);
    message = clean;
    if (rh_fault_on(c->srv, RH_FAULT_ERROR_NO_CODE)) {
        /* Sized from the quoted message: a fixed buffer could cut it into invalid JSON. */
        char *q = rh_json_quote(message, strlen(message));
        size_t n = (q ? strlen(q) : 2) + 16;
        char *data = malloc(n);
        if (data)
            snprintf(data, n, "{\"message\":%s}", q ? q : "\"\"");
        free(q);
        rh_conn_send_take(c, data ? rh_msg_encode_raw("pusher:error", channel, data, NULL) : NULL);
        free(data);
        return;
    }
    if (!channel) {
        rh_conn_send_take(c, rh_msg_encode_error(code, message));
        return;
    }
    /* Errors about one channel name it, so the client can route them (client events). */
    char *q = rh_json_quote(message, strlen(message));
    if (!q) {
        rh_conn_send_take(c, NULL);
        return;
    }
    size_t need = strlen(q) + 40;
    char *data = malloc(need);
    if (data)
        snprintf(data, need, "{\"code\":%d,\"message\":%s}", code, q);
    rh_conn_send_take(c, data ? rh_msg_encode_raw("pusher:error", channel, data, NULL) : NULL);
    free(data);
    free(q);
}

/* protocol §2.6: malformed input is answered with pusher:error; the connection survives */
void rh_conn_malformed(rh_conn *c, const char *what)
{
    if (rh_fault_on(c->srv, RH_FAULT_SILENT_MALFORMED))
        return;
    rh_conn_error(c, 4200, what, NULL);
}

/* protocol §4.4: pusher:unsubscribe stops delivery at once */
static void on_unsubscribe(rh_conn *c, const rh_msg *m)
{
    char err[160];
    char *name = NULL;
    if (rh_msg_decode_unsubscribe(m, &name, err, sizeof(err)) != 0) {
        char why[200];
        snprintf(why, sizeof(why), "invalid pusher:unsubscribe: %s", err);
        rh_conn_malformed(c, why);
        return;
    }
    if (!rh_fault_on(c->srv, RH_FAULT_UNSUBSCRIBE_IGNORED)) {
        rh_sub *sub = rh_hub_sub_of(c, name);
        if (sub)
            rh_hub_unsubscribe(c->srv, sub, 0);
    }
    free(name);
}

/* protocol §2.4: pusher:ping is answered with pusher:pong */
static void dispatch(rh_conn *c, const rh_msg *m)
{
    const char *ev = m->event;
    if (strcmp(ev, "pusher:ping") == 0) {
        if (!rh_fault_on(c->srv, RH_FAULT_NO_PONG))
            rh_conn_send_take(c, rh_msg_encode("pusher:pong", NULL, "{}", 2));
    } else if (strcmp(ev, "pusher:pong") == 0) {
        /* Activity was already recorded; nothing else to do. */
    } else if (strcmp(ev, "pusher:subscribe") == 0) {
        rh_conn_on_subscribe(c, m);
    } else if (strcmp(ev, "pusher:unsubscribe") == 0) {
        on_unsubscribe(c, m);
    } else if (strcmp(ev, "pusher:signin") == 0) {
        rh_conn_on_signin(c, m);
    } else if (strncmp(ev, "client-", 7) == 0) {
        rh_conn_on_client_event(c, m);
    } else {
        char why[160];
        if (strncmp(ev, "pusher:", 7) == 0)
            snprintf(why, sizeof(why), "unknown event %.64s%s", ev, strlen(ev) > 64 ? "..." : "");
        else
            snprintf(why, sizeof(why), "event %.64s%s: client events must start with client-", ev,
                     strlen(ev) > 64 ? "..." : "");
        rh_conn_malformed(c, why);
    }
}

void rh_srv_conn_activity(rh_srv *srv, rh_conn *c)
{
    if (!c)
        return;
    c->last_seen_ms = srv->io.now_ms(srv->io.ud);
    c->pinged = 0;
}

/* protocol §2.3: text frames only, a JSON envelope with data double-encoded */
static void handle_message(rh_srv *srv, rh_conn *c, const char *data, size_t len, int is_binary)
{
    size_t max = c->app->max_message_bytes;
    if (max && len > max) {
        rh_conn_close(c, 1009, "message too large");
        return;
    }
    if (is_binary) {
        rh_conn_malformed(c, "binary frames are not supported");
        return;
    }
    rh_msg m;
    memset(&m, 0, sizeof(m));
    char err[160];
    int rc = rh_msg_decode(data ? data : "", data ? len : 0, &m, err, sizeof(err));
    if (rc == RH_MSG_ERR_NOMEM) {
        rh_srv_log(srv, RH_LOG_ERROR, "socket %s: out of memory decoding a message", c->socket_id);
        return;
    }
    if (rc != 0) {
        char why[200];
        snprintf(why, sizeof(why), "invalid message: %s", err[0] ? err : rh_msg_strerror(rc));
        rh_conn_malformed(c, why);
        return;
    }
    if (rh_fault_on(srv, RH_FAULT_FUZZ_DEEP_ENVELOPE_LEAK) && rh_fault_json_depth(data, len) > 12) {
        char *lost = malloc(32u << 20); /* deliberately never freed */
        if (lost)
            memset(lost, 1, 32u << 20);
        __asm__ volatile("" : : "r"(lost) : "memory"); /* or the compiler drops the leak */
        // cppcheck-suppress memleak ; the leak is this fault switch's whole point
    }
    dispatch(c, &m);
    rh_msg_clear(&m);
}

void rh_srv_conn_message(rh_srv *srv, rh_conn *c, const char *data, size_t len, int is_binary)
{
    if (!c || c->closing || !c->app)
        return;
    rh_srv_conn_activity(srv, c);
    srv->metrics.ws_messages_in++;
    rh_hub_enter(srv);
    handle_message(srv, c, data, len, is_binary);
    rh_hub_leave(srv);
}
