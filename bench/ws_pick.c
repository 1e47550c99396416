/* rb_ws: the subscriber client chosen with --ws-client, behind one interface (ws.h). */
#include <stdio.h>
#include <stdlib.h>

#include "ws_impl.h"

/* Exactly one of the two is set: the client the run uses. */
struct rb_ws {
    rb_wsl *lws;
    rb_wsr *raw;
};

rb_ws *rb_ws_new(uv_loop_t *loop, rb_ws_client client, const char *host, int port, const char *key,
                 const char *secret, int nsubs, const rb_ws_cbs *cbs, void *ud, char *err,
                 size_t errlen)
{
    rb_ws *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (client == RB_WS_RAW)
        w->raw = rb_wsr_new(loop, host, port, key, secret, nsubs, cbs, ud, err, errlen);
    else
        w->lws = rb_wsl_new(loop, host, port, key, secret, nsubs, cbs, ud, err, errlen);
    if (!w->raw && !w->lws) {
        free(w);
        return NULL;
    }
    return w;
}

int rb_ws_open(rb_ws *w, int sub, const char *channel)
{
    return w->raw ? rb_wsr_open(w->raw, sub, channel) : rb_wsl_open(w->lws, sub, channel);
}

void rb_ws_free(rb_ws *w)
{
    if (!w)
        return;
    if (w->raw)
        rb_wsr_free(w->raw);
    else
        rb_wsl_free(w->lws);
    free(w);
}
