/* The Pusher HTTP API (api/ owns it): trigger events, batch events, channel queries.
 * An event's data string goes into the frame byte-exact (rh_msg_encode double-encodes it
 * once); one frame per channel is shared by every subscriber of that channel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_int.h"
#include "proto/busmsg.h"
#include "proto/channel.h"
#include "proto/form.h"
#include "proto/message.h"
#include "proto/trigger.h"

static int trig_status(int rc)
{
    if (rc == RH_TRIG_ERR_TOO_LARGE)
        return 413;
    if (rc == RH_TRIG_ERR_NOMEM)
        return 500;
    return 400;
}

/* protocol §6.6: payload, batch and channel-count limits (413, 400) */
static rh_trig_limits limits_of(rh_srv *srv, const rh_cfg_app *app)
{
    rh_trig_limits lim = {.max_channels = app->max_channels,
                          .max_batch = app->max_batch,
                          .max_data_bytes = app->max_event_bytes};
    lim.allow_reserved = rh_fault_on(srv, RH_FAULT_RESERVED_NAMES);
    lim.allow_stream_events = rh_fault_on(srv, RH_FAULT_STREAM_EVENTS_VIA_API);
    if (rh_fault_on(srv, RH_FAULT_NO_PAYLOAD_LIMIT))
        lim.max_data_bytes = SIZE_MAX;
    if (rh_fault_on(srv, RH_FAULT_ALLOW_OTHER_SIZE_LIMIT))
        lim.max_data_bytes = RH_API_ALLOW_LIMIT;
    if (rh_fault_on(srv, RH_FAULT_BATCH_LIMIT)) {
        lim.max_channels = SIZE_MAX;
        lim.max_batch = SIZE_MAX;
    }
    return lim;
}

static rh_buf *encode_event(rh_srv *srv, const rh_trig_event *e, const char *channel)
{
    if (rh_fault_on(srv, RH_FAULT_EVENT_DATA_REENCODED)) {
        /* the bug: data parsed "to validate it" and the parsed value sent on */
        cJSON *v = cJSON_ParseWithLength(e->data, e->data_len);
        char *s = v ? cJSON_PrintUnformatted(v) : NULL;
        cJSON_Delete(v);
        if (s) {
            rh_buf *f = rh_msg_encode_raw(e->name, channel, s, NULL);
            cJSON_free(s);
            return f;
        }
    }
    return rh_msg_encode(e->name, channel, e->data, e->data_len);
}

/* --- one bus message per request (the loopback on one node, Redis on several) ------------ */

typedef struct bus_reply {
    rh_srv *srv;
    const char *app_id; /* config-owned */
    rh_http_done done;
    void *ud;
    cJSON *body;  /* the 200 answer, sent once the bus acknowledged */
    int info;     /* body carries info counts, to be taken from every node */
    char **chans; /* batch: the channel of each item's info (NULL for events) */
    size_t nchans;
} bus_reply;

static void bus_reply_free(bus_reply *b)
{
    for (size_t i = 0; b->chans && i < b->nchans; i++)
        free(b->chans[i]);
    free(b->chans);
    free(b);
}

static void bus_acked(void *ud, int ok, const char *err)
{
    bus_reply *b = ud;
    if (ok && b->info && b->srv->bus.node_sum) {
        /* the counts of the answer are the deployment's, not this node's */
        rh_api_cluster_trigger_info(b->srv, b->app_id, b->body, b->chans, b->nchans, b->done,
                                    b->ud);
        b->chans = NULL;
        bus_reply_free(b);
        return;
    }
    if (ok) {
        rh_api_reply_json(b->done, b->ud, 200, b->body);
    } else if (b->srv->bus_loopback) {
        cJSON_Delete(b->body);
        rh_api_error(b->done, b->ud, 500, "event not delivered: %s", err ? err : "unknown");
    } else {
        cJSON_Delete(b->body);
        rh_api_error(b->done, b->ud, 503,
                     "event not delivered: the bus (Redis) is unreachable (%s)",
                     err ? err : "unknown");
    }
    bus_reply_free(b);
}

/* Adds every delivery of e to the bus message m: one frame per channel, in order.
 * events-reorder holds one event per channel back until the next (api/faults.c). */
/* protocol §6.5: socket_id exclusion; 6.7: one frame per event, order kept per publisher */
static int bus_add_event(rh_srv *srv, const rh_cfg_app *app, rh_busmsg *m, const rh_trig_event *e)
{
    const char *except = rh_fault_on(srv, RH_FAULT_SOCKET_EXCLUSION) ? NULL : e->socket_id;
    for (size_t i = 0; i < e->nchannels; i++) {
        rh_buf *f = encode_event(srv, e, e->channels[i]);
        if (!f)
            return -1;
        /* protocol §17: kept before the bus delivers it, so no node misses it */
        rh_api_cache_keep(srv, app, e->channels[i], f);
        if (!rh_fault_on(srv, RH_FAULT_EVENTS_REORDER) ||
            rh_api_reorder(srv, app, m, e->channels[i], except, f) != 0)
            rh_api_busmsg_delivery(m, e->channels[i], except, f);
        rh_buf_unref(f);
    }
    return m->failed ? -1 : 0;
}

/* Publishes the n events as one message (delivered everywhere or nowhere) and answers body
 * once the bus acknowledged it (the loopback: delivered here); takes body. info: body carries
 * info counts (for a batch, item i's are those of evs[i]'s first channel). */
static void bus_publish(const rh_api_call *c, const rh_trig_event *evs, size_t n, size_t stride,
                        cJSON *body, int info, int batch)
{
    rh_srv *srv = c->srv;
    rh_busmsg m = {0};
    rh_srv_bus_head(srv, &m, c->app);
    int bad = !body;
    for (size_t i = 0; i < n && !bad; i++)
        bad =
            bus_add_event(srv, c->app, &m, (const rh_trig_event *)((const char *)evs + i * stride));
    bus_reply *b = bad ? NULL : calloc(1, sizeof *b);
    if (b && info && batch) {
        b->chans = calloc(n, sizeof *b->chans);
        b->nchans = b->chans ? n : 0;
        for (size_t i = 0; i < b->nchans; i++) {
            const rh_trig_event *e = (const rh_trig_event *)((const char *)evs + i * stride);
            if (e->nchannels > 0 && !(b->chans[i] = strdup(e->channels[0])))
                bad = 1;
        }
        bad = bad || !b->chans;
    }
    if (!b || bad) {
        if (b)
            bus_reply_free(b);
        cJSON_Delete(body);
        rh_busmsg_free(&m);
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return;
    }
    b->srv = srv;
    b->app_id = c->app->id;
    b->done = c->done;
    b->ud = c->ud;
    b->body = body;
    b->info = info;
    if (!srv->bus.publish || (srv->bus.up && !srv->bus.up(srv->bus.ud)))
        bus_acked(b, 0, "down");
    else
        srv->bus.publish(srv->bus.ud, m.p, m.len, bus_acked, b);
    rh_busmsg_free(&m);
}

/* Adds the asked attributes of channel to obj. 0 or -1 (out of memory). */
static int add_info(rh_srv *srv, const rh_cfg_app *app, const char *channel, int bits, cJSON *obj)
{
    rh_hub_chan_info ci;
    rh_api_chan_info(srv, app, channel, &ci);
    int presence = rh_chan_type_of(channel, strlen(channel)) == RH_CHAN_PRESENCE;
    /* Pusher: subscription_count describes non-presence channels, user_count presence. */
    if ((bits & RH_API_INFO_SUBS) && !presence &&
        !cJSON_AddNumberToObject(obj, "subscription_count", (double)ci.subscription_count))
        return -1;
    if ((bits & RH_API_INFO_USERS) && presence &&
        !cJSON_AddNumberToObject(obj, "user_count", (double)ci.user_count))
        return -1;
    return 0;
}

/* The data-type-unchecked fault: a lenient server that turns non-string data into its JSON
 * text instead of refusing it. Returns a new body (caller frees) or NULL to keep the old. */
static char *lenient_body(const rh_api_call *c)
{
    if (!rh_fault_on(c->srv, RH_FAULT_DATA_TYPE_UNCHECKED))
        return NULL;
    cJSON *root = cJSON_ParseWithLength(c->req->body, c->req->body_len);
    cJSON *data = root ? cJSON_GetObjectItemCaseSensitive(root, "data") : NULL;
    char *out = NULL;
    if (data && !cJSON_IsString(data)) {
        char *text = cJSON_PrintUnformatted(data);
        if (text)
            cJSON_ReplaceItemInObjectCaseSensitive(root, "data", cJSON_CreateString(text));
        free(text);
        out = cJSON_PrintUnformatted(root);
    }
    cJSON_Delete(root);
    return out;
}

/* protocol §6.2: POST /apps/{id}/events */
void rh_api_events(const rh_api_call *c)
{
    rh_trig_limits lim = limits_of(c->srv, c->app);
    rh_trig_event e;
    char err[256] = "";
    char *lenient = lenient_body(c);
    int rc = lenient
                 ? rh_trig_parse_event(lenient, strlen(lenient), &lim, &e, err, sizeof err)
                 : rh_trig_parse_event(c->req->body, c->req->body_len, &lim, &e, err, sizeof err);
    free(lenient);
    if (rc != RH_TRIG_OK) {
        rh_api_error(c->done, c->ud, trig_status(rc), "%s", err[0] ? err : rh_trig_strerror(rc));
        return;
    }
    int bits = e.info ? rh_api_parse_info(e.info) : 0;
    if (bits < 0) {
        rh_trig_clear(&e);
        rh_api_error(c->done, c->ud, 400,
                     "info: unknown attribute (subscription_count, "
                     "user_count allowed)");
        return;
    }
    cJSON *body = cJSON_CreateObject();
    if (body && bits) {
        cJSON *chans = cJSON_AddObjectToObject(body, "channels");
        for (size_t i = 0; chans && i < e.nchannels; i++) {
            cJSON *o = cJSON_AddObjectToObject(chans, e.channels[i]);
            if (!o || add_info(c->srv, c->app, e.channels[i], bits, o) != 0)
                chans = NULL;
        }
        if (!chans) {
            cJSON_Delete(body);
            body = NULL;
        }
    }
    bus_publish(c, &e, 1, sizeof e, body, bits != 0, 0);
    rh_trig_clear(&e);
}

/* For RH_FAULT_FUZZ_BATCH_NULL_HANG: the body's "batch" array holds a JSON null. */
static int fault_batch_has_null(const char *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "batch");
    int found = 0;
    if (cJSON_IsArray(arr)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, arr) found |= cJSON_IsNull(it);
    }
    cJSON_Delete(root);
    return found;
}

/* protocol §6.3: POST /apps/{id}/batch_events */
void rh_api_batch_events(const rh_api_call *c)
{
    rh_trig_limits lim = limits_of(c->srv, c->app);
    rh_trig_batch b;
    char err[256] = "";
    if (rh_fault_on(c->srv, RH_FAULT_FUZZ_BATCH_NULL_HANG) &&
        fault_batch_has_null(c->req->body, c->req->body_len))
        for (;;)
            sleep(1); /* the event loop never comes back: the server stops serving */
    int rc = rh_trig_parse_batch(c->req->body, c->req->body_len, &lim, &b, err, sizeof err);
    if (rc != RH_TRIG_OK) {
        rh_api_error(c->done, c->ud, trig_status(rc), "%s", err[0] ? err : rh_trig_strerror(rc));
        return;
    }
    int any_info = 0;
    for (size_t i = 0; i < b.n; i++) {
        if (!b.items[i].info)
            continue;
        if (rh_api_parse_info(b.items[i].info) < 0) {
            rh_trig_batch_clear(&b);
            rh_api_error(c->done, c->ud, 400, "batch[%zu].info: unknown attribute", i);
            return;
        }
        any_info = 1;
    }
    cJSON *body = cJSON_CreateObject();
    if (body && any_info) {
        cJSON *arr = cJSON_AddArrayToObject(body, "batch");
        for (size_t i = 0; arr && i < b.n; i++) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                arr = NULL;
                break;
            }
            const rh_trig_event *e = &b.items[i];
            int bits = e->info ? rh_api_parse_info(e->info) : 0;
            if (bits && e->nchannels > 0 && add_info(c->srv, c->app, e->channels[0], bits, o))
                arr = NULL;
        }
        if (!arr) {
            cJSON_Delete(body);
            body = NULL;
        }
    }
    bus_publish(c, b.items, b.n, sizeof b.items[0], body, any_info, 1);
    rh_trig_batch_clear(&b);
}

/* Parses the query's info parameter (after the signature check it parses). */
static int query_info(const rh_api_call *c, rh_form *q, int *bits)
{
    if (rh_form_parse(c->req->query, strlen(c->req->query), q) != RH_FORM_OK) {
        rh_api_error(c->done, c->ud, 400, "malformed query string");
        return -1;
    }
    const char *info = rh_form_get(q, "info");
    *bits = info ? rh_api_parse_info(info) : 0;
    if (*bits < 0) {
        rh_form_free(q);
        rh_api_error(c->done, c->ud, 400,
                     "info: unknown attribute (subscription_count, user_count allowed)");
        return -1;
    }
    return 0;
}

typedef struct list_ctx {
    rh_srv *srv;
    int bits;
    int failed;
    cJSON *chans;
} list_ctx;

static void list_cb(void *ud, const char *channel, const rh_hub_chan_info *info)
{
    list_ctx *l = ud;
    cJSON *o = cJSON_AddObjectToObject(l->chans, channel);
    if (!o) {
        l->failed = 1;
        return;
    }
    rh_hub_chan_info ci = *info;
    if (rh_fault_on(l->srv, RH_FAULT_CHANNELS_INFO)) {
        ci.subscription_count++;
        ci.user_count++;
    }
    if ((l->bits & RH_API_INFO_SUBS) &&
        !cJSON_AddNumberToObject(o, "subscription_count", (double)ci.subscription_count))
        l->failed = 1;
    if ((l->bits & RH_API_INFO_USERS) &&
        !cJSON_AddNumberToObject(o, "user_count", (double)ci.user_count))
        l->failed = 1;
}

/* protocol §6.4: channel queries */
void rh_api_channels(const rh_api_call *c)
{
    rh_form q;
    int bits;
    if (query_info(c, &q, &bits) != 0)
        return;
    const char *prefix = rh_form_get(&q, "filter_by_prefix");
    if (!prefix)
        prefix = "";
    if ((bits & RH_API_INFO_USERS) && strncmp(prefix, "presence-", 9) != 0) {
        rh_form_free(&q);
        rh_api_error(c->done, c->ud, 400, "info=user_count requires filter_by_prefix=presence-");
        return;
    }
    if (rh_api_cluster_channels(c, prefix, bits)) {
        rh_form_free(&q);
        return;
    }
    cJSON *body = cJSON_CreateObject();
    list_ctx l = {.srv = c->srv, .bits = bits, .chans = cJSON_AddObjectToObject(body, "channels")};
    if (l.chans)
        rh_hub_foreach_channel(c->srv, c->app, prefix, list_cb, &l);
    if (!l.chans || l.failed) {
        cJSON_Delete(body);
        body = NULL;
    }
    rh_form_free(&q);
    rh_api_reply_json(c->done, c->ud, 200, body);
}

static int check_channel_arg(const rh_api_call *c)
{
    char err[160] = "";
    if (rh_chan_validate(c->arg, strlen(c->arg), err, sizeof err) != 0) {
        rh_api_error(c->done, c->ud, 400, "invalid channel name: %s", err);
        return -1;
    }
    return 0;
}

void rh_api_channel(const rh_api_call *c)
{
    rh_form q;
    int bits;
    if (check_channel_arg(c) != 0 || query_info(c, &q, &bits) != 0)
        return;
    rh_form_free(&q);
    int presence = rh_chan_type_of(c->arg, strlen(c->arg)) == RH_CHAN_PRESENCE;
    if ((bits & RH_API_INFO_USERS) && !presence) {
        rh_api_error(c->done, c->ud, 400, "info=user_count is only for presence channels");
        return;
    }
    if (rh_api_cluster_channel(c, bits))
        return;
    rh_hub_chan_info ci;
    rh_api_chan_info(c->srv, c->app, c->arg, &ci);
    cJSON *body = cJSON_CreateObject();
    if (body &&
        (!cJSON_AddBoolToObject(body, "occupied", ci.occupied != 0) ||
         ((bits & RH_API_INFO_SUBS) &&
          !cJSON_AddNumberToObject(body, "subscription_count", (double)ci.subscription_count)) ||
         ((bits & RH_API_INFO_USERS) &&
          !cJSON_AddNumberToObject(body, "user_count", (double)ci.user_count)))) {
        cJSON_Delete(body);
        body = NULL;
    }
    rh_api_reply_json(c->done, c->ud, 200, body);
}

typedef struct users_ctx {
    cJSON *arr;
    int failed;
} users_ctx;

static void user_cb(void *ud, const char *user_id)
{
    users_ctx *u = ud;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "id", user_id) || !cJSON_AddItemToArray(u->arr, o)) {
        cJSON_Delete(o);
        u->failed = 1;
    }
}

void rh_api_channel_users(const rh_api_call *c)
{
    if (check_channel_arg(c) != 0)
        return;
    if (rh_chan_type_of(c->arg, strlen(c->arg)) != RH_CHAN_PRESENCE) {
        rh_api_error(c->done, c->ud, 400, "users are only available for presence channels");
        return;
    }
    if (rh_api_cluster_users(c))
        return;
    cJSON *body = cJSON_CreateObject();
    users_ctx u = {.arr = cJSON_AddArrayToObject(body, "users")};
    if (u.arr)
        rh_hub_foreach_user(c->srv, c->app, c->arg, user_cb, &u);
    if (!u.arr || u.failed) {
        cJSON_Delete(body);
        body = NULL;
    }
    rh_api_reply_json(c->done, c->ud, 200, body);
}
