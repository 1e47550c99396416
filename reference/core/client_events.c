/* Client events (client-*): checks, the per-connection rate limit, and the relay to the
 * other subscribers of the channel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../proto/webhook.h"
#include "conn.h"
#include "hub.h"

/* Sliding window: the last `rate` accepted events are remembered, and one more is allowed
 * only when the oldest of them is at least a second old, so no one-second window ever holds
 * more than `rate` relayed events. -1 when out of memory. */
static int take_slot(rh_conn *c, int rate, uint64_t now)
{
    if (rate <= 0)
        return 1;
    rh_ce_ring *r = c->ce;
    if (!r || r->cap != rate) {
        r = realloc(r, sizeof *r + (size_t)rate * sizeof r->times[0]);
        if (!r)
            return -1; /* c->ce unchanged: still its owner's */
        c->ce = r;
        r->cap = rate;
        r->n = 0;
        r->pos = 0;
    }
    if (r->n == rate) {
        if (now < r->times[r->pos] + 1000)
            return 0;
    } else {
        r->n++;
    }
    r->times[r->pos] = now;
    r->pos = (r->pos + 1) % rate;
    return 1;
}

/* protocol §5: client events: private/presence only, subscribed senders, not echoed, rate-limited
 */
void rh_conn_on_client_event(rh_conn *c, const rh_msg *m)
{
    rh_srv *srv = c->srv;
    const rh_cfg_app *app = c->app;
    if (!m->channel) {
        rh_conn_malformed(c, "client event without channel");
        return;
    }
    const char *name = m->channel;
    if (!app->client_events) {
        rh_conn_error(c, 4301, "client events are disabled for this app", name);
        return;
    }
    rh_chan_type type = rh_chan_type_of(name, strlen(name));
    if (type == RH_CHAN_PUBLIC && !rh_fault_on(srv, RH_FAULT_CLIENT_PUBLIC)) {
        rh_conn_error(c, 4009, "client events are allowed on private and presence channels only",
                      name);
        return;
    }
    /* protocol §16: encrypted channels carry ciphertext only the app's server can produce
     * (pusher-js refuses to send client events there); relaying a client's plaintext would
     * defeat them. */
    if (type == RH_CHAN_PRIVATE_ENCRYPTED && !rh_fault_on(srv, RH_FAULT_ENCRYPTED_CLIENT_EVENTS)) {
        rh_conn_error(c, 4009, "client events are not allowed on encrypted channels", name);
        return;
    }
    rh_sub *sub = rh_hub_sub_of(c, name);
    if (!sub && !rh_fault_on(srv, RH_FAULT_CLIENT_UNSUBSCRIBED)) {
        rh_conn_error(c, 4009, "client events need a subscription to the channel", name);
        return;
    }
    if (rh_fault_on(srv, RH_FAULT_FUZZ_CLIENT_ARRAY_ABORT) && !m->data_is_string && m->data &&
        m->data[0] == '[')
        abort();
    int rate = rh_fault_on(srv, RH_FAULT_CLIENT_NO_RATE_LIMIT) ? 0 : app->client_events_per_sec;
    int slot = take_slot(c, rate, srv->io.now_ms(srv->io.ud));
    if (slot < 0) {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory in the client event limiter");
        return;
    }
    if (slot == 0) {
        char why[96];
        snprintf(why, sizeof(why), "client event rate limit exceeded (%d per second)",
                 app->client_events_per_sec);
        rh_conn_error(c, 4301, why, name);
        return;
    }
    /* Relay data as sent: a string stays a string, any other JSON value stays as it was. */
    char *quoted = NULL;
    const char *data_json = m->data;
    if (m->data && m->data_is_string) {
        quoted = rh_json_quote(m->data, m->data_len);
        data_json = quoted;
        if (!quoted) {
            rh_conn_send_take(c, NULL);
            return;
        }
    }
    const char *user_id = sub && sub->member ? sub->member->user_id : NULL;
    rh_buf *f = rh_msg_encode_raw(m->event, name, data_json, user_id);
    free(quoted);
    if (!f) {
        rh_srv_log(srv, RH_LOG_ERROR, "out of memory encoding a client event");
        return;
    }
    const char *except = rh_fault_on(srv, RH_FAULT_CLIENT_ECHO) ? NULL : c->socket_id;
    srv->metrics.client_events_in++;
    rh_srv_fanout(srv, app, name, f, except, NULL, NULL);
    rh_buf_unref(f);
    /* protocol §20.2: client_event, data as the client sent it (a string's content, else
     * the JSON text); sent by the sender's node only, so once per deployment */
    rh_srv_webhook(srv, app, RH_WH_CLIENT_EVENT, name, user_id, m->event, m->data ? m->data : "",
                   c->socket_id);
}
