/* nf_model: valid sessions (model.h). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nf_rng_init(nf_rng *r, uint64_t seed)
{
    r->s = seed ^ 0x9e3779b97f4a7c15ull;
}

/* splitmix64: tiny, and every seed gives a full-period stream. */
uint64_t nf_rng_next(nf_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t nf_rng_below(nf_rng *r, uint32_t n)
{
    return n ? (uint32_t)(nf_rng_next(r) % n) : 0;
}

int nf_step_ws_text(nf_step *st, int conn, const char *text)
{
    memset(st, 0, sizeof *st);
    st->kind = NF_WS_TEXT;
    st->conn = conn;
    st->fin = 1;
    st->opcode = 1;
    st->masked = 1;
    return nf_step_set_text(st, text, strlen(text));
}

int nf_step_http(nf_step *st, const char *method, const char *path, const char *body)
{
    memset(st, 0, sizeof *st);
    st->kind = NF_HTTP;
    st->sign = 1;
    st->method = strdup(method);
    st->path = strdup(path);
    if (!st->method || !st->path || (body && nf_step_set_text(st, body, strlen(body)) < 0)) {
        nf_step_free(st);
        return -1;
    }
    return 0;
}

static int push_ws(nf_script *sc, int conn, const char *text, const char *chan, const char *data)
{
    nf_step st;
    if (nf_step_ws_text(&st, conn, text) < 0)
        return -1;
    st.sign_chan = chan ? strdup(chan) : NULL;
    st.sign_data = data ? strdup(data) : NULL;
    int rc = nf_script_push(sc, &st);
    nf_step_free(&st);
    return rc;
}

static int push_http(nf_script *sc, const char *method, const char *path, const char *body)
{
    nf_step st;
    if (nf_step_http(&st, method, path, body) < 0)
        return -1;
    int rc = nf_script_push(sc, &st);
    nf_step_free(&st);
    return rc;
}

static const char *const kinds[] = {"", "private-", "presence-"};

/* One subscribe (kind 0 public, 1 private, 2 presence) of channel <prefix>fz-<n>. */
static int subscribe(nf_script *sc, int conn, int kind, int n, char *chan, size_t cap)
{
    snprintf(chan, cap, "%sfz-%d", kinds[kind], n);
    char msg[512], data[128];
    snprintf(data, sizeof data, "{\"user_id\":\"u%d\",\"user_info\":{\"name\":\"fz\"}}", n);
    if (kind == 0) {
        snprintf(msg, sizeof msg, "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"%s\"}}",
                 chan);
        return push_ws(sc, conn, msg, NULL, NULL);
    }
    if (kind == 1) {
        snprintf(msg, sizeof msg,
                 "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"%s\","
                 "\"auth\":\"@AUTH@\"}}",
                 chan);
        return push_ws(sc, conn, msg, chan, NULL);
    }
    /* channel_data is a JSON string holding the object, as pusher-js sends it. */
    snprintf(msg, sizeof msg,
             "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"%s\",\"auth\":\"@AUTH@\","
             "\"channel_data\":\"{\\\"user_id\\\":\\\"u%d\\\",\\\"user_info\\\":{\\\"name\\\":"
             "\\\"fz\\\"}}\"}}",
             chan, n);
    return push_ws(sc, conn, msg, chan, data);
}

static int ws_step(nf_rng *r, nf_script *sc, int conn, char chans[][64], int *nch)
{
    char msg[512];
    switch (nf_rng_below(r, 6)) {
    case 0:
    case 1:
        if (*nch >= 4)
            return push_ws(sc, conn, "{\"event\":\"pusher:ping\",\"data\":{}}", NULL, NULL);
        return subscribe(sc, conn, (int)nf_rng_below(r, 3), (int)sc->n, chans[(*nch)++], 64);
    case 2:
    case 3: {
        /* A client event on a private or presence channel subscribed so far (else its own). */
        const char *ch = NULL;
        for (int i = *nch - 1; i >= 0 && !ch; i--)
            if (strncmp(chans[i], "p", 1) == 0)
                ch = chans[i];
        if (!ch) {
            if (*nch >= 4 || subscribe(sc, conn, 1, (int)sc->n, chans[*nch], 64) < 0)
                return -1;
            ch = chans[(*nch)++];
        }
        snprintf(msg, sizeof msg,
                 "{\"event\":\"client-fz\",\"channel\":\"%s\",\"data\":{\"k\":\"v\",\"n\":1}}", ch);
        return push_ws(sc, conn, msg, NULL, NULL);
    }
    case 4:
        if (*nch == 0)
            return push_ws(sc, conn, "{\"event\":\"pusher:ping\",\"data\":{}}", NULL, NULL);
        snprintf(msg, sizeof msg,
                 "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":\"%s\"}}",
                 chans[nf_rng_below(r, (uint32_t)*nch)]);
        return push_ws(sc, conn, msg, NULL, NULL);
    default:
        return push_ws(sc, conn, "{\"event\":\"pusher:ping\",\"data\":{}}", NULL, NULL);
    }
}

static int http_step(nf_rng *r, const nf_model *m, nf_script *sc, char chans[][64], int nch)
{
    char path[256], body[768];
    const char *ch = nch ? chans[nf_rng_below(r, (uint32_t)nch)] : "fz-0";
    const char *id = m->app_id;
    int n = (int)nf_rng_below(r, m->stream ? 9 : 5);
    switch (n) {
    case 0:
    case 1:
        snprintf(path, sizeof path, "/apps/%s/events", id);
        snprintf(body, sizeof body,
                 "{\"name\":\"fz-event\",\"channel\":\"%s\",\"data\":\"{\\\"n\\\":1}\"}", ch);
        return push_http(sc, "POST", path, body);
    case 2:
        snprintf(path, sizeof path, "/apps/%s/batch_events", id);
        snprintf(body, sizeof body,
                 "{\"batch\":[{\"name\":\"fz-a\",\"channel\":\"%s\",\"data\":\"1\"},"
                 "{\"name\":\"fz-b\",\"channel\":\"fz-x\",\"data\":\"{}\"}]}",
                 ch);
        return push_http(sc, "POST", path, body);
    case 3:
        snprintf(path, sizeof path, "/apps/%s/channels", id);
        return push_http(sc, "GET", path, NULL);
    case 4:
        snprintf(path, sizeof path, "/apps/%s/channels/%s", id, ch);
        return push_http(sc, "GET", path, NULL);
    case 5:
        snprintf(path, sizeof path, "/apps/%s/streams", id);
        snprintf(body, sizeof body,
                 "{\"workspace_id\":\"acme\",\"thread_id\":\"t%d\",\"run_id\":\"r1\","
                 "\"stream_id\":\"s%d\"}",
                 (int)sc->n, (int)sc->n);
        return push_http(sc, "POST", path, body);
    case 6:
        snprintf(path, sizeof path, "/apps/%s/streams/s%d/tokens", id, (int)nf_rng_below(r, 4));
        return push_http(sc, "POST", path, "{\"token\":\"hello\"}");
    case 7:
        snprintf(path, sizeof path, "/apps/%s/streams/s%d/end", id, (int)nf_rng_below(r, 4));
        return push_http(sc, "POST", path, "{\"reason\":\"completed\"}");
    default:
        snprintf(path, sizeof path, "/apps/%s/streams/s%d%s", id, (int)nf_rng_below(r, 4),
                 nf_rng_below(r, 2) ? "" : "/tokens");
        if (push_http(sc, "GET", path, NULL) < 0)
            return -1;
        if (strstr(path, "/tokens")) {
            nf_step *st = &sc->steps[sc->n - 1];
            st->query = strdup("after_seq=0");
            return st->query ? 0 : -1;
        }
        return 0;
    }
}

int nf_model_session(nf_rng *r, const nf_model *m, nf_script *out)
{
    nf_script_free(out);
    char chans[4][64];
    int nch = 0;
    int nsteps = 2 + (int)nf_rng_below(r, 7);
    int conns = nf_rng_below(r, 4) == 0 ? 2 : 1;
    nf_step open = {.kind = NF_WS_OPEN};
    if (nf_script_push(out, &open) < 0)
        return -1;
    for (int i = 0; i < nsteps && out->n < NF_MAX_STEPS - 2; i++) {
        int conn = conns > 1 ? (int)nf_rng_below(r, (uint32_t)conns) : 0;
        int rc = nf_rng_below(r, 4) == 0 ? http_step(r, m, out, chans, nch)
                                         : ws_step(r, out, conn, chans, &nch);
        if (rc < 0) {
            nf_script_free(out);
            return -1;
        }
    }
    return 0;
}
