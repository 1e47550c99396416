/* rb_wsl: rb_ws on libwebsockets' client (ws_impl.h). */
#include "ws_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "wire/clock.h"
#include "wire/pusher.h"
#include "wssub.h"

typedef struct sub {
    rb_wsl *w;
    struct lws *wsi;
    int idx;
    rb_wss p;
    char *want_sub; /* the signed subscribe, waiting for writability */
    int want_pong;
    char *frag; /* a message arriving in several fragments */
    size_t fraglen, fragcap;
} sub;

struct rb_wsl {
    uv_loop_t *loop;
    struct lws_context *ctx;
    struct lws_protocols protocols[2];
    char host[128];
    int port;
    char *path;
    char key[128], secret[128];
    sub *subs;
    int nsubs;
    rb_wsq q;
    rb_ws_cbs cbs;
    void *ud;
};

static void pump(rb_wsl *w);

static void fail(sub *s, const char *msg)
{
    rb_wsl *w = s->w;
    if (rb_wss_fail(&s->p, &w->q))
        w->cbs.on_error(w->ud, s->idx, msg);
    pump(w);
}

static void connect_one(rb_wsl *w, sub *s)
{
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof(i));
    i.context = w->ctx;
    i.address = w->host;
    i.port = w->port;
    i.path = w->path;
    i.host = w->host;
    i.origin = w->host;
    i.local_protocol_name = w->protocols[0].name;
    i.opaque_user_data = s;
    i.pwsi = &s->wsi;
    s->p.phase = RB_WSP_CONNECTING;
    if (!lws_client_connect_via_info(&i))
        fail(s, "cannot start the WebSocket connection");
}

static void pump(rb_wsl *w)
{
    int idx;
    while ((idx = rb_wsq_pop(&w->q)) >= 0)
        connect_one(w, &w->subs[idx]);
}

static int send_text(struct lws *wsi, const char *txt)
{
    unsigned char buf[LWS_PRE + 1024];
    size_t n = strlen(txt);
    if (n > sizeof(buf) - LWS_PRE)
        return -1;
    memcpy(buf + LWS_PRE, txt, n);
    return lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n ? -1 : 0;
}

static int write_pending(sub *s)
{
    if (s->want_pong) {
        s->want_pong = 0;
        if (send_text(s->wsi, rw_pusher_pong()) < 0)
            return -1;
    } else if (s->want_sub) {
        char *msg = s->want_sub;
        s->want_sub = NULL;
        int rc = send_text(s->wsi, msg);
        free(msg);
        if (rc < 0)
            return -1;
    }
    if (s->want_pong || s->want_sub)
        lws_callback_on_writable(s->wsi);
    return 0;
}

static void on_message(sub *s, const char *m, size_t len)
{
    rb_wsl *w = s->w;
    rb_wss_act a;
    switch (rb_wss_step(&s->p, w->key, w->secret, m, len, &a)) {
    case RB_WSS_TOKEN:
        w->cbs.on_token(w->ud, s->idx, a.seq, (uint64_t)rw_now_ns(), m, len);
        break;
    case RB_WSS_SUBSCRIBE:
        free(s->want_sub);
        s->want_sub = a.text;
        lws_callback_on_writable(s->wsi);
        break;
    case RB_WSS_SUBSCRIBED:
        rb_wsq_done(&w->q);
        w->cbs.on_subscribed(w->ud, s->idx);
        pump(w);
        break;
    case RB_WSS_PONG:
        s->want_pong = 1;
        lws_callback_on_writable(s->wsi);
        break;
    case RB_WSS_FAIL:
        fail(s, a.why);
        break;
    case RB_WSS_NOTHING:
        break;
    }
}

static int lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                  size_t len)
{
    (void)user;
    sub *s = lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[200];
        snprintf(why, sizeof(why), "WebSocket connect failed: %s", in ? (char *)in : "?");
        if (s) {
            s->wsi = NULL;
            fail(s, why);
        }
        return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (!s)
            return -1;
        if (lws_is_first_fragment(wsi) && lws_is_final_fragment(wsi)) {
            on_message(s, in, len);
            return 0;
        }
        if (s->fraglen + len > s->fragcap) {
            size_t cap = (s->fraglen + len) * 2;
            char *n = realloc(s->frag, cap);
            if (!n)
                return -1;
            s->frag = n;
            s->fragcap = cap;
        }
        memcpy(s->frag + s->fraglen, in, len);
        s->fraglen += len;
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_message(s, s->frag, s->fraglen);
            s->fraglen = 0;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return s ? write_pending(s) : 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (s) {
            s->wsi = NULL;
            fail(s, "connection closed by the server");
        }
        return 0;
    default:
        return 0;
    }
}

rb_wsl *rb_wsl_new(uv_loop_t *loop, const char *host, int port, const char *key, const char *secret,
                   int nsubs, const rb_ws_cbs *cbs, void *ud, char *err, size_t errlen)
{
    rb_wsl *w = calloc(1, sizeof(*w));
    if (!w || !(w->subs = calloc((size_t)(nsubs > 0 ? nsubs : 1), sizeof(sub)))) {
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->loop = loop;
    snprintf(w->host, sizeof(w->host), "%s", host);
    w->port = port;
    snprintf(w->key, sizeof(w->key), "%s", key);
    snprintf(w->secret, sizeof(w->secret), "%s", secret);
    w->path = rw_pusher_ws_path(key, "rehome-bench", RH_VERSION);
    if (!w->path || rb_wsq_init(&w->q, nsubs) != 0) {
        free(w->path);
        free(w->subs);
        free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->nsubs = nsubs;
    w->cbs = *cbs;
    w->ud = ud;
    for (int i = 0; i < nsubs; i++) {
        w->subs[i].w = w;
        w->subs[i].idx = i;
    }
    lws_set_log_level(LLL_ERR, NULL);
    w->protocols[0] = (struct lws_protocols){.name = "rb-pusher", .callback = lws_cb};
    void *foreign[1] = {loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = w->protocols;
    info.options = LWS_SERVER_OPTION_LIBUV;
    info.foreign_loops = foreign;
    info.pcontext = &w->ctx;
    w->ctx = lws_create_context(&info);
    if (!w->ctx) {
        snprintf(err, errlen, "cannot create the libwebsockets context");
        rb_wsq_free(&w->q);
        free(w->subs);
        free(w->path);
        free(w);
        return NULL;
    }
    return w;
}

int rb_wsl_open(rb_wsl *w, int idx, const char *channel)
{
    if (idx < 0 || idx >= w->nsubs || rb_wss_queue(&w->subs[idx].p, &w->q, idx, channel) != 0)
        return -1;
    pump(w);
    return 0;
}

void rb_wsl_free(rb_wsl *w)
{
    if (!w)
        return;
    /* Closing is not a failure: stop reporting, and open nothing more. */
    rb_wsq_clear(&w->q);
    for (int i = 0; i < w->nsubs; i++)
        w->subs[i].p.phase = RB_WSP_DEAD;
    if (w->ctx) {
        lws_context_destroy(w->ctx);
        uv_run(w->loop, UV_RUN_DEFAULT);
        if (w->ctx)
            lws_context_destroy(w->ctx);
    }
    for (int i = 0; i < w->nsubs; i++) {
        rb_wss_clear(&w->subs[i].p);
        free(w->subs[i].want_sub);
        free(w->subs[i].frag);
    }
    rb_wsq_free(&w->q);
    free(w->subs);
    free(w->path);
    free(w);
}
