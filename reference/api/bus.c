/* Messages from the cross-node bus (api/ owns their delivery): each kind of proto/busmsg.h
 * reaches this node's subscribers the way a single node would send it. Stream events are
 * encoded here, once per event, by the same functions the embedded store path uses. */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/busmsg.h"
#include "proto/control.h"

#define CHAN_BUF (2 * RH_STORE_ID_MAX + 32)

/* Copies field f into dst (size RH_STORE_ID_MAX + 1); -1 when too long. */
static int id_field(char *dst, const rh_busfield *f)
{
    if (f->len > RH_STORE_ID_MAX)
        return -1;
    memcpy(dst, f->s, f->len);
    dst[f->len] = '\0';
    return 0;
}

char *rh_api_bus_dup(const rh_busfield *f)
{
    char *s = malloc(f->len + 1);
    if (s) {
        memcpy(s, f->s, f->len);
        s[f->len] = '\0';
    }
    return s;
}

const rh_cfg_app *rh_api_bus_app(rh_srv *srv, const rh_busfield *f)
{
    char id[RH_STORE_ID_MAX + 1];
    return id_field(id, f) == 0 ? rh_cfg_app_by_id(srv->cfg, id) : NULL;
}

void rh_api_busmsg_delivery(rh_busmsg *m, const char *channel, const char *except,
                            const rh_buf *frame)
{
    rh_busmsg_add_str(m, channel);
    rh_busmsg_add_str(m, except);
    rh_busmsg_add(m, frame->data, frame->len);
}

/* evt app node serial (channel except frame)... */
static int deliver_evt(rh_srv *srv, const rh_busfield *f, long n)
{
    const rh_cfg_app *app = rh_api_bus_app(srv, &f[1]);
    unsigned long long serial = 0;
    if (!app || n < 4 || (n - 4) % 3 != 0 || rh_busfield_u64(&f[3], &serial) != 0)
        return -1;
    if (!rh_busfield_is(&f[2], srv->node_id))
        serial = 0; /* another node's event: every local subscriber gets it */
    int rc = 0;
    for (long i = 4; i < n; i += 3) {
        char *channel = rh_api_bus_dup(&f[i]);
        char *except = f[i + 1].len ? rh_api_bus_dup(&f[i + 1]) : NULL;
        rh_buf *frame = rh_buf_new(f[i + 2].s, f[i + 2].len);
        if (channel && frame && (except || !f[i + 1].len))
            rh_hub_publish_before(srv, app, channel, frame, except, serial);
        else
            rc = -1; /* out of memory: the other deliveries still go out */
        rh_buf_unref(frame);
        free(channel);
        free(except);
    }
    return rc;
}

/* tok/end: app ws th run sid seq ... */
static int stream_of(rh_srv *srv, const rh_busfield *f, const rh_cfg_app **app, rh_store_stream *s,
                     char *ch, unsigned long long *seq)
{
    memset(s, 0, sizeof *s);
    *app = rh_api_bus_app(srv, &f[1]);
    if (!*app || id_field(s->workspace_id, &f[2]) || id_field(s->thread_id, &f[3]) ||
        id_field(s->run_id, &f[4]) || id_field(s->stream_id, &f[5]) ||
        rh_busfield_u64(&f[6], seq) != 0)
        return -1;
    return rh_api_stream_channel(s, ch, CHAN_BUF) < 0 ? -1 : 0;
}

static int deliver_stream(rh_srv *srv, const rh_busfield *f, long n, int is_end)
{
    if (n < 7 || (is_end && n != 8))
        return -1;
    const rh_cfg_app *app;
    rh_store_stream s;
    char ch[CHAN_BUF];
    unsigned long long seq, reason = 0;
    if (stream_of(srv, f, &app, &s, ch, &seq) != 0)
        return -1;
    rh_api_stream_ref ref = {.app = app, .s = &s, .channel = ch};
    if (is_end) {
        if (rh_busfield_u64(&f[7], &reason) != 0)
            return -1;
        s.ended = 1;
        s.last_seq = seq;
        return rh_api_publish_end(srv, &ref, seq, rh_ctl_reason_name((rh_end_reason)reason));
    }
    s.last_seq = seq + (unsigned long long)(n - 7) - 1;
    for (long i = 7; i < n; i++)
        if (rh_api_publish_token(srv, &ref, seq + (unsigned long long)(i - 7), f[i].s, f[i].len) !=
            0)
            return -1;
    return 0;
}

/* protocol §15: every node delivers the bus's events in the bus's order */
int rh_api_bus_deliver(rh_srv *srv, const char *msg, size_t len)
{
    long n = rh_busmsg_count(msg, len);
    rh_busfield *f = n > 1 ? malloc((size_t)n * sizeof *f) : NULL;
    int rc = -1;
    if (f && rh_busmsg_split(msg, len, f, (size_t)n) == n) {
        if (rh_busfield_is(&f[0], "evt"))
            rc = deliver_evt(srv, f, n);
        else if (rh_busfield_is(&f[0], "tok"))
            rc = deliver_stream(srv, f, n, 0);
        else if (rh_busfield_is(&f[0], "end"))
            rc = deliver_stream(srv, f, n, 1);
        else if (rh_busfield_is(&f[0], "trm"))
            rc = rh_api_deliver_terminate(srv, f, n);
        else if (rh_busfield_is(&f[0], "mbr") || rh_busfield_is(&f[0], "bnd"))
            rc = rh_api_deliver_members(srv, f, n, rh_busfield_is(&f[0], "bnd"));
        else if (rh_busfield_is(&f[0], "whk"))
            rc = rh_api_wh_deliver(srv, f, n);
        else if (rh_busfield_is(&f[0], "lst"))
            rc = rh_srv_presence_list_deliver(srv, f, n);
    }
    if (rc != 0)
        rh_srv_log(srv, RH_LOG_WARN, "bus: a message malformed or not wholly delivered (%zu bytes)",
                   len);
    free(f);
    return rc;
}

void rh_srv_bus_deliver(rh_srv *srv, const char *msg, size_t len)
{
    rh_api_bus_deliver(srv, msg, len);
}
