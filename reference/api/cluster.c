/* The HTTP API's channel queries across several nodes (api/ owns them): with a bus that keeps
 * channel state (rh_bus.node_sum), /channels, /channels/{c} and /channels/{c}/users are
 * answered from the totals of every live node instead of this node's hub alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

enum { Q_LIST, Q_ONE, Q_USERS };

typedef struct query {
    rh_http_done done;
    void *ud;
    int kind, bits;
    char *s_prefix; /* "s\n{app}\n{channel or prefix}" */
    char *p_prefix; /* "p\n{app}\n{channel or prefix}" ("\n" appended for one channel) */
} query;

static void query_free(query *q)
{
    free(q->s_prefix);
    free(q->p_prefix);
    free(q);
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* The channel name inside a field "k\n{app}\n{channel}[\n{user}]" (copied into out). */
static const char *field_channel(const char *field, char *out, size_t outlen)
{
    const char *a = strchr(field, '\n');
    const char *b = a ? strchr(a + 1, '\n') : NULL;
    if (!b)
        return NULL;
    const char *e = strchr(b + 1, '\n');
    size_t n = e ? (size_t)(e - b - 1) : strlen(b + 1);
    if (n >= outlen)
        return NULL;
    memcpy(out, b + 1, n);
    out[n] = '\0';
    return out;
}

static cJSON *answer_list(const query *q, const char *const *f, const long long *sums, size_t n)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *chans = body ? cJSON_AddObjectToObject(body, "channels") : NULL;
    char ch[256];
    int ok = chans != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        if (sums[i] <= 0 || !starts(f[i], "s\n") || !field_channel(f[i], ch, sizeof ch))
            continue;
        cJSON *o = cJSON_AddObjectToObject(chans, ch);
        ok = o && (!(q->bits & RH_API_INFO_SUBS) ||
                   cJSON_AddNumberToObject(o, "subscription_count", (double)sums[i]));
        if (ok && (q->bits & RH_API_INFO_USERS)) {
            size_t users = 0;
            char uc[256];
            for (size_t j = 0; j < n; j++)
                if (sums[j] > 0 && starts(f[j], "p\n") && field_channel(f[j], uc, sizeof uc) &&
                    strcmp(uc, ch) == 0)
                    users++;
            ok = cJSON_AddNumberToObject(o, "user_count", (double)users) != NULL;
        }
    }
    if (!ok) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

void rh_api_cluster_count(const char *const *f, const long long *sums, size_t n,
                          const char *s_field, const char *p_prefix, long long *subs, size_t *users)
{
    size_t plen = strlen(p_prefix);
    *subs = 0;
    *users = 0;
    for (size_t i = 0; i < n; i++) {
        if (sums[i] <= 0)
            continue;
        if (strcmp(f[i], s_field) == 0)
            *subs += sums[i];
        else if (strncmp(f[i], p_prefix, plen) == 0)
            (*users)++;
    }
}

static cJSON *answer_one(const query *q, const char *const *f, const long long *sums, size_t n)
{
    long long subs;
    size_t users;
    rh_api_cluster_count(f, sums, n, q->s_prefix, q->p_prefix, &subs, &users);
    cJSON *body = cJSON_CreateObject();
    if (body && (!cJSON_AddBoolToObject(body, "occupied", subs > 0) ||
                 ((q->bits & RH_API_INFO_SUBS) &&
                  !cJSON_AddNumberToObject(body, "subscription_count", (double)subs)) ||
                 ((q->bits & RH_API_INFO_USERS) &&
                  !cJSON_AddNumberToObject(body, "user_count", (double)users)))) {
        cJSON_Delete(body);
        body = NULL;
    }
    return body;
}

static cJSON *answer_users(const query *q, const char *const *f, const long long *sums, size_t n)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *arr = body ? cJSON_AddArrayToObject(body, "users") : NULL;
    size_t plen = strlen(q->p_prefix);
    for (size_t i = 0; arr && i < n; i++) {
        if (sums[i] <= 0 || !starts(f[i], q->p_prefix))
            continue;
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "id", f[i] + plen) || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            arr = NULL;
        }
    }
    if (!arr) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

static void on_sum(void *ud, int ok, const char *const *fields, const long long *sums, size_t n)
{
    query *q = ud;
    if (!ok) {
        rh_api_error(q->done, q->ud, 503,
                     "channel state unavailable: the shared store (Redis) is unreachable");
    } else {
        cJSON *body = q->kind == Q_LIST  ? answer_list(q, fields, sums, n)
                      : q->kind == Q_ONE ? answer_one(q, fields, sums, n)
                                         : answer_users(q, fields, sums, n);
        rh_api_reply_json(q->done, q->ud, 200, body);
    }
    query_free(q);
}

char *rh_api_cluster_field(const char *kind, const char *app, const char *rest, const char *tail)
{
    size_t n = strlen(app) + strlen(rest) + strlen(tail) + 8;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s\n%s\n%s%s", kind, app, rest, tail);
    return s;
}

/* Returns 0 when the answer must come from this node (no shared channel state). */
static int ask(const rh_api_call *c, int kind, int bits, const char *arg)
{
    rh_srv *srv = c->srv;
    if (!srv->bus.node_sum)
        return 0;
    query *q = calloc(1, sizeof *q);
    if (q) {
        *q = (query){.done = c->done, .ud = c->ud, .kind = kind, .bits = bits};
        q->s_prefix = rh_api_cluster_field("s", c->app->id, arg, "");
        q->p_prefix = rh_api_cluster_field("p", c->app->id, arg, kind == Q_LIST ? "" : "\n");
    }
    if (!q || !q->s_prefix || !q->p_prefix) {
        if (q)
            query_free(q);
        rh_api_error(c->done, c->ud, 500, "out of memory");
        return 1;
    }
    const char *prefixes[2] = {q->s_prefix, q->p_prefix};
    int users = kind == Q_USERS || (bits & RH_API_INFO_USERS);
    if (kind == Q_USERS)
        prefixes[0] = q->p_prefix;
    srv->bus.node_sum(srv->bus.ud, prefixes, kind == Q_USERS ? 1 : users ? 2 : 1, on_sum, q);
    return 1;
}

int rh_api_cluster_channels(const rh_api_call *c, const char *prefix, int bits)
{
    return ask(c, Q_LIST, bits, prefix);
}

int rh_api_cluster_channel(const rh_api_call *c, int bits)
{
    return ask(c, Q_ONE, bits, c->arg);
}

int rh_api_cluster_users(const rh_api_call *c)
{
    return ask(c, Q_USERS, 0, c->arg);
}
