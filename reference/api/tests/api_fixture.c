/* The fake server edge of the api tests (see api_fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "proto/httpsig.h"
#include "proto/message.h"
#include "proto/sign.h"
#include "testing/failmalloc.h"

static int io_send(void *ud, void *h, rh_buf *frame)
{
    fx *f = ud;
    if (f->nframes == FX_MAX_FRAMES)
        return -1;
    tm_pause(); /* the edge's own copy: not an allocation of the server */
    f->frames[f->nframes].h = h;
    f->frames[f->nframes].text = strndup(frame->data, frame->len);
    tm_resume();
    f->nframes++;
    return 0;
}

static void io_close(void *ud, void *h, int code, const char *reason)
{
    (void)ud;
    (void)h;
    (void)code;
    (void)reason;
}

static uint64_t io_now(void *ud)
{
    return ((fx *)ud)->now_ms;
}

static int64_t io_wall(void *ud)
{
    return ((fx *)ud)->wall_s;
}

/* Deterministic bytes (a counter through splitmix64): reproducible, yet distinct. */
static int io_random(void *ud, void *out, size_t n)
{
    fx *f = ud;
    unsigned char *p = out;
    for (size_t i = 0; i < n; i++) {
        uint64_t z = (f->rnd += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        p[i] = (unsigned char)(z ^ (z >> 31));
    }
    return 0;
}

fx *fx_new(void)
{
    return fx_new_cfg(NULL);
}

fx *fx_new_cfg(const char *json)
{
    return fx_new_with(json, NULL);
}

fx *fx_new_with(const char *json, rh_store *store)
{
    char err[256];
    fx *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    /* rh_cfg_parse starts from the defaults itself */
    if (!json && rh_cfg_defaults(&f->cfg) != 0)
        return NULL;
    if (json && rh_cfg_parse(json, strlen(json), &f->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "rh_cfg_parse: %s\n", err);
        return NULL;
    }
    f->now_ms = 1000000;
    f->wall_s = 1700000000;
    f->store = store ? store : rh_store_memory_new(NULL);
    rh_srv_io io = {.ud = f,
                    .send = io_send,
                    .close = io_close,
                    .now_ms = io_now,
                    .wall_s = io_wall,
                    .random = io_random,
                    .log = NULL};
    f->srv = rh_srv_new(&f->cfg, &io, f->store, err, sizeof err);
    if (!f->srv) {
        fprintf(stderr, "rh_srv_new: %s\n", err);
        return NULL;
    }
    /* FX_FAULT=name runs the correct-behaviour tests against a faulty server: they must fail
     * (a unit-level kill matrix; see the report) */
    if (getenv("FX_FAULT") && rh_srv_set_fault(f->srv, getenv("FX_FAULT")) != 0)
        return NULL;
    return f;
}

void fx_clear_frames(fx *f)
{
    for (size_t i = 0; i < f->nframes; i++)
        free(f->frames[i].text);
    f->nframes = 0;
}

static void clear_answer(fx *f)
{
    free(f->body);
    cJSON_Delete(f->json);
    f->body = NULL;
    f->json = NULL;
    f->calls = 0;
    f->status = 0;
}

void fx_forget_answer(fx *f)
{
    clear_answer(f);
}

void fx_free(fx *f)
{
    if (!f)
        return;
    rh_srv_free(f->srv);
    rh_store_free(f->store);
    rh_cfg_clear(&f->cfg);
    fx_clear_frames(f);
    clear_answer(f);
    free(f);
}

int fx_fault(fx *f, const char *name)
{
    return rh_srv_set_fault(f->srv, name);
}

const char *fx_connect(fx *f, int h, char *sid, size_t sidlen)
{
    size_t before = f->nframes;
    f->conns[h] = rh_srv_conn_open(f->srv, "app-key", (void *)(intptr_t)h);
    if (!f->conns[h])
        return NULL;
    for (size_t i = before; i < f->nframes; i++) {
        cJSON *fr = cJSON_Parse(f->frames[i].text);
        cJSON *d = fx_data(fr);
        const char *s = d ? cJSON_GetStringValue(cJSON_GetObjectItem(d, "socket_id")) : NULL;
        if (s)
            snprintf(sid, sidlen, "%s", s);
        cJSON_Delete(d);
        cJSON_Delete(fr);
        if (s)
            return sid;
    }
    return NULL;
}

int fx_subscribe(fx *f, int h, const char *sid, const char *channel)
{
    char auth[200] = "", msg[1024];
    int presence = strncmp(channel, "presence-", 9) == 0;
    if (presence) {
        char cd[200];
        snprintf(cd, sizeof cd, "{\"user_id\":\"u%d\",\"user_info\":{\"name\":\"u\"}}", h);
        rh_sign_channel("app-key", "app-secret", sid, channel, cd, auth, sizeof auth);
        char *q = rh_json_quote(cd, strlen(cd));
        snprintf(msg, sizeof msg,
                 "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"%s\",\"auth\":\"%s\","
                 "\"channel_data\":%s}}",
                 channel, auth, q);
        free(q);
    } else {
        if (strncmp(channel, "private-", 8) == 0)
            rh_sign_channel("app-key", "app-secret", sid, channel, NULL, auth, sizeof auth);
        snprintf(msg, sizeof msg,
                 "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":\"%s\",\"auth\":\"%s\"}}",
                 channel, auth);
    }
    size_t before = f->nframes;
    rh_srv_conn_message(f->srv, f->conns[h], msg, strlen(msg), 0);
    for (size_t i = before; i < f->nframes; i++)
        if (f->frames[i].h == (void *)(intptr_t)h &&
            strstr(f->frames[i].text, "subscription_succeeded"))
            return 1;
    return 0;
}

static void on_done(void *ud, const rh_http_resp *r)
{
    fx *f = ud;
    f->calls++;
    f->status = r->status;
    snprintf(f->ctype, sizeof f->ctype, "%s", r->content_type ? r->content_type : "");
    snprintf(f->retry_after, sizeof f->retry_after, "%s", r->retry_after ? r->retry_after : "");
    if (f->nanswers < FX_MAX_ANSWERS) {
        f->answers[f->nanswers] = r->status;
        f->answer_frames[f->nanswers] = f->nframes;
        f->nanswers++;
    }
    tm_pause();
    free(f->body);
    f->body = strndup(r->body, r->body_len);
    cJSON_Delete(f->json);
    f->json = cJSON_Parse(f->body);
    tm_resume();
}

int fx_http_raw(fx *f, const char *method, const char *path, const char *query, const char *body,
                size_t body_len, const char *authorization, const char *content_type)
{
    clear_answer(f);
    rh_http_req req = {.method = method,
                       .path = path,
                       .query = query ? query : "",
                       .body = body ? body : "",
                       .body_len = body_len,
                       .authorization = authorization,
                       .content_type = content_type,
                       .idempotency_key = f->idem_key};
    rh_srv_http(f->srv, &req, on_done, f);
    if (f->calls != 1 && !(f->async && f->calls == 0)) {
        fprintf(stderr, "done called %d times for %s %s\n", f->calls, method, path);
        return -1;
    }
    if (getenv("FX_VERBOSE"))
        fprintf(stderr, "%s %s?%s -> %d %s\n", method, path, req.query, f->status, f->body);
    return f->status;
}

char *fx_sign_query(const char *key, const char *secret, const char *method, const char *path,
                    long ts, const char *body, size_t len, const char *extra)
{
    /* built here rather than with rh_httpsig_build_query so a test never depends on the
     * client-side helper it could share a bug with */
    char md5[RH_MD5_HEX] = "", sig[RH_SIGN_HEX];
    if (len)
        rh_sign_md5_hex(body, len, md5);
    size_t need = strlen(key) + (extra ? strlen(extra) : 0) + 256;
    char *q = malloc(need);
    int n = snprintf(q, need, "auth_key=%s&auth_timestamp=%ld&auth_version=1.0%s%s%s%s", key, ts,
                     len ? "&body_md5=" : "", md5, extra ? "&" : "", extra ? extra : "");
    if (rh_httpsig_sign(secret, method, path, q, sig) != 0) {
        free(q);
        return NULL;
    }
    snprintf(q + n, need - (size_t)n, "&auth_signature=%s", sig);
    return q;
}

int fx_http(fx *f, const char *method, const char *path, const char *extra, const char *body)
{
    return fx_http_app(f, "app-key", "app-secret", method, path, extra, body);
}

int fx_http_app(fx *f, const char *key, const char *secret, const char *method, const char *path,
                const char *extra, const char *body)
{
    size_t len = body ? strlen(body) : 0;
    char *q = fx_sign_query(key, secret, method, path, (long)f->wall_s, body, len, extra);
    int st = fx_http_raw(f, method, path, q, body, len, NULL, "application/json");
    free(q);
    return st;
}

cJSON *fx_data(const cJSON *frame)
{
    const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(frame, "data"));
    return d ? cJSON_Parse(d) : NULL;
}

size_t fx_frames(fx *f, int h, const char *name, cJSON **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nframes && n < max; i++) {
        if (f->frames[i].h != (void *)(intptr_t)h)
            continue;
        cJSON *fr = cJSON_Parse(f->frames[i].text);
        const char *ev = cJSON_GetStringValue(cJSON_GetObjectItem(fr, "event"));
        if (fr && (!name || (ev && strcmp(ev, name) == 0)))
            out[n++] = fr;
        else
            cJSON_Delete(fr);
    }
    return n;
}

const char *fx_frame_text(fx *f, int h, const char *name, size_t idx)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nframes; i++) {
        if (f->frames[i].h != (void *)(intptr_t)h)
            continue;
        cJSON *fr = cJSON_Parse(f->frames[i].text);
        const char *ev = cJSON_GetStringValue(cJSON_GetObjectItem(fr, "event"));
        int match = ev && strcmp(ev, name) == 0;
        cJSON_Delete(fr);
        if (match && n++ == idx)
            return f->frames[i].text;
    }
    return NULL;
}

void fx_delete_all(cJSON **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(v[i]);
}

const char *fx_error(fx *f)
{
    const char *e = cJSON_GetStringValue(cJSON_GetObjectItem(f->json, "error"));
    return e ? e : "";
}

int64_t fx_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -999;
}

size_t fx_count(fx *f, int h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < f->nframes; i++) {
        cJSON *o = f->frames[i].h == (void *)(intptr_t)h ? cJSON_Parse(f->frames[i].text) : NULL;
        const char *ev = cJSON_GetStringValue(cJSON_GetObjectItem(o, "event"));
        n += ev && strcmp(ev, name) == 0;
        cJSON_Delete(o);
    }
    return n;
}
