/* nf_mut_http and nf_mutate (mut.h): the HTTP layer, and which step and layer an execution
 * changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mut.h"

static int set_str(char **dst, const char *v)
{
    char *s = strdup(v);
    if (!s)
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

static int append_str(char **dst, const char *v)
{
    size_t a = *dst ? strlen(*dst) : 0, b = strlen(v);
    char *s = malloc(a + b + 1);
    if (!s)
        return -1;
    if (a)
        memcpy(s, *dst, a);
    memcpy(s + a, v, b + 1);
    free(*dst);
    *dst = s;
    return 0;
}

static const char *const methods[] = {"GET",     "POST",  "PUT", "DELETE", "HEAD",
                                      "OPTIONS", "PATCH", "get", "P OST",  "CONNECT"};
static const char *const headers[] = {
    "Content-Length: 5\r\n",      "Transfer-Encoding: gzip, chunked\r\n",
    "Expect: 100-continue\r\n",   "Content-Type: text/plain\r\n",
    "X-Fz: \x01\x7f\r\n",         "Connection: keep-alive, Upgrade\r\n",
    "Content-Encoding: gzip\r\n", "Transfer-Encoding: identity\r\n",
    " folded: line\r\n",          "Content-Length: -1\r\n"};
static const char *const queries[] = {"auth_key=app-key",
                                      "info=user_count,subscription_count",
                                      "filter_by_prefix=presence-",
                                      "after_seq=-1",
                                      "after_seq=99999999999999999999",
                                      "limit=0",
                                      "auth_version=2.0",
                                      "body_md5=",
                                      "info=%ff"};

static int mut_path(nf_rng *r, nf_step *st)
{
    switch (nf_rng_below(r, 5)) {
    case 0:
        return append_str(&st->path, "/");
    case 1:
        return append_str(&st->path, nf_rng_below(r, 2) ? "/%2e%2e/x" : "?x=1");
    case 2:
        return set_str(&st->path, "/apps/other-app/events");
    case 3: {
        char big[600];
        memset(big, 'p', sizeof big - 1);
        big[0] = '/';
        big[sizeof big - 1] = '\0';
        return append_str(&st->path, big);
    }
    default:
        return set_str(&st->path, nf_rng_below(r, 2) ? "//apps" : "*");
    }
}

int nf_mut_http(nf_rng *r, nf_step *st)
{
    if (st->kind != NF_HTTP)
        return 0;
    switch (nf_rng_below(r, 8)) {
    case 0:
        return set_str(&st->method, methods[nf_rng_below(r, 10)]);
    case 1:
        return mut_path(r, st);
    case 2:
        return append_str(&st->headers, headers[nf_rng_below(r, 10)]);
    case 3:
        st->framing = 1 + (int)nf_rng_below(r, 4);
        return 0;
    case 4:
        st->sigmut = 1 + (int)nf_rng_below(r, 5);
        return 0;
    case 5: /* pipelined behind a GET, in one write; a body is given when there is none */
        st->pipe = 1;
        if (!st->text && set_str(&st->method, "POST") == 0)
            return nf_step_set_text(st, "{}", 2);
        return 0;
    case 6: {
        const char *q = queries[nf_rng_below(r, 9)];
        if (!st->query)
            return set_str(&st->query, q);
        return append_str(&st->query, "&") < 0 ? -1 : append_str(&st->query, q);
    }
    default:
        st->sign = 0;
        return 0;
    }
}

/* The layers that apply to a step. */
static int layers_of(const nf_step *st, int out[NF_L__N])
{
    int n = 0;
    if (st->kind == NF_WS_TEXT || st->kind == NF_WS_FRAME) {
        out[n++] = NF_L_FRAMING;
        out[n++] = NF_L_JSON;
        out[n++] = NF_L_PUSHER;
    } else if (st->kind == NF_HTTP) {
        out[n++] = NF_L_HTTP;
        if (st->text) {
            out[n++] = NF_L_JSON;
            out[n++] = NF_L_PUSHER;
        }
    }
    return n;
}

int nf_mutate(nf_rng *r, nf_script *sc, int *layer)
{
    size_t cand[NF_MAX_STEPS], nc = 0;
    for (size_t i = 0; i < sc->n; i++)
        if (sc->steps[i].kind != NF_WS_OPEN)
            cand[nc++] = i;
    if (nc == 0)
        return 1;
    nf_step *st = &sc->steps[cand[nf_rng_below(r, (uint32_t)nc)]];
    int ls[NF_L__N];
    int nl = layers_of(st, ls);
    int l = ls[nf_rng_below(r, (uint32_t)nl)];
    if (layer)
        *layer = l;
    int times = 1 + (int)nf_rng_below(r, 3);
    for (int i = 0; i < times; i++) {
        int rc = l == NF_L_FRAMING  ? nf_mut_framing(r, st)
                 : l == NF_L_JSON   ? nf_mut_json(r, st)
                 : l == NF_L_PUSHER ? nf_mut_pusher(r, st)
                                    : nf_mut_http(r, st);
        if (rc < 0)
            return -1;
    }
    return 0;
}
