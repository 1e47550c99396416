/* The info counts of an HTTP API trigger answer across several nodes (api/ owns it): once the
 * bus took the event, the counts asked with `info` are read from every live node's share, the
 * same totals the channel queries report, so a producer sees the deployment, not one node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

typedef struct slot {
    cJSON *obj;   /* the answer's object for this channel */
    char *s_pref; /* "s\n{app}\n{channel}": the subscription count field */
    char *p_pref; /* "p\n{app}\n{channel}\n": prefix of the presence member fields */
} slot;

typedef struct info_req {
    rh_srv *srv;
    rh_http_done done;
    void *ud;
    cJSON *body;
    slot *slots;
    size_t n;
} info_req;

static void req_free(info_req *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->slots[i].s_pref);
        free(q->slots[i].p_pref);
    }
    free(q->slots);
    free(q);
}

static void set_num(cJSON *obj, const char *name, double v)
{
    cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (it)
        cJSON_SetNumberValue(it, v);
}

static void on_sum(void *ud, int ok, const char *const *fields, const long long *sums, size_t n)
{
    info_req *q = ud;
    if (!ok)
        rh_srv_log(q->srv, RH_LOG_WARN,
                   "trigger info: node totals unavailable; answered with this node's counts");
    for (size_t i = 0; ok && i < q->n; i++) {
        long long subs;
        size_t users;
        rh_api_cluster_count(fields, sums, n, q->slots[i].s_pref, q->slots[i].p_pref, &subs,
                             &users);
        set_num(q->slots[i].obj, "subscription_count", (double)subs);
        set_num(q->slots[i].obj, "user_count", (double)users);
    }
    rh_api_reply_json(q->done, q->ud, 200, q->body);
    req_free(q);
}

/* Adds a slot for obj/channel when obj asks for a count. 0, or -1 out of memory. */
static int add_slot(info_req *q, const char *app, cJSON *obj, const char *channel)
{
    if (!channel || !cJSON_IsObject(obj) || !obj->child)
        return 0;
    slot *s = &q->slots[q->n];
    s->obj = obj;
    s->s_pref = rh_api_cluster_field("s", app, channel, "");
    s->p_pref = rh_api_cluster_field("p", app, channel, "\n");
    q->n++;
    return s->s_pref && s->p_pref ? 0 : -1;
}

static void free_chans(char **chans, size_t nchans)
{
    for (size_t i = 0; chans && i < nchans; i++)
        free(chans[i]);
    free(chans);
}

/* The request with a slot per channel whose answer object asks for a count; NULL when out of
 * memory. */
static info_req *build(rh_srv *srv, const char *app_id, cJSON *body, char **chans, size_t nchans,
                       rh_http_done done, void *ud)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(body, chans ? "batch" : "channels");
    size_t cap = (size_t)cJSON_GetArraySize(list);
    info_req *q = calloc(1, sizeof *q);
    slot *slots = q ? calloc(cap ? cap : 1, sizeof *slots) : NULL;
    if (!slots) {
        free(q);
        return NULL;
    }
    *q = (info_req){srv, done, ud, body, slots, 0};
    size_t i = 0;
    for (cJSON *o = list ? list->child : NULL; o && q->n < cap; o = o->next, i++) {
        const char *ch = chans ? (i < nchans ? chans[i] : NULL) : o->string;
        if (add_slot(q, app_id, o, ch) != 0) {
            req_free(q);
            return NULL;
        }
    }
    return q;
}

void rh_api_cluster_trigger_info(rh_srv *srv, const char *app_id, cJSON *body, char **chans,
                                 size_t nchans, rh_http_done done, void *ud)
{
    info_req *q = build(srv, app_id, body, chans, nchans, done, ud);
    free_chans(chans, nchans);
    if (q && q->n == 0) { /* nothing asked that applies to these channels */
        req_free(q);
        rh_api_reply_json(done, ud, 200, body);
        return;
    }
    const char **prefixes = q ? calloc(2 * q->n, sizeof *prefixes) : NULL;
    if (!prefixes) {
        if (q)
            req_free(q);
        cJSON_Delete(body);
        rh_api_error(done, ud, 500, "out of memory");
        return;
    }
    for (size_t i = 0; i < q->n; i++) {
        prefixes[2 * i] = q->slots[i].s_pref;
        prefixes[2 * i + 1] = q->slots[i].p_pref;
    }
    srv->bus.node_sum(srv->bus.ud, prefixes, 2 * q->n, on_sum, q);
    free(prefixes);
}
