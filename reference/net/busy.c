/* The busy-poll window (busy_poll_us): after I/O the loop keeps turning without sleeping for
 * up to busy_poll_us microseconds, so a request or frame that arrives soon after the last one
 * finds the server's CPU awake instead of paying the wake-up of an idle CPU (tens of
 * microseconds on a VM). An active uv_idle handle makes libuv poll with a zero timeout; the
 * handle stops itself once the window has passed without activity, so an idle server still
 * sleeps in epoll and costs nothing. Works with lws on libuv because lws' sockets are libuv
 * poll handles of the same loop: a zero-timeout epoll_wait services them as usual. */
#include "net_int.h"

static void on_busy_idle(uv_idle_t *h)
{
    rh_net *net = h->data;
    if (rh_net_now_us() - net->busy_last_us >= (uint64_t)net->cfg->busy_poll_us)
        uv_idle_stop(h);
}

int rh_net_busy_init(rh_net *net)
{
    if (net->cfg->busy_poll_us <= 0)
        return 0;
    int rc = uv_idle_init(net->loop, &net->busy);
    if (rc == 0)
        net->busy.data = net;
    return rc;
}

void rh_net_busy_note(rh_net *net, int reason)
{
    uv_handle_t *h = (uv_handle_t *)&net->busy;
    if (!h->data || net->destroying || uv_is_closing(h))
        return;
    /* Only bytes coming in open the window (the next request or frame is likely close
     * behind); writeable and bookkeeping callbacks, some of them periodic, do not. */
    if (reason != LWS_CALLBACK_HTTP && reason != LWS_CALLBACK_HTTP_BODY &&
        reason != LWS_CALLBACK_HTTP_BODY_COMPLETION && reason != LWS_CALLBACK_RECEIVE)
        return;
    net->busy_last_us = rh_net_now_us();
    if (!uv_is_active(h))
        uv_idle_start(&net->busy, on_busy_idle);
}
