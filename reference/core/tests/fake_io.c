#include "fake_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sign.h"

static fk_conn *by_handle(fk *f, void *h)
{
    size_t i = (size_t)(uintptr_t)h;
    return i < FK_MAX_CONNS ? &f->conns[i] : NULL;
}

static int io_send(void *ud, void *h, rh_buf *frame)
{
    fk *f = ud;
    fk_conn *k = by_handle(f, h);
    if (!k || k->send_fail)
        return -1;
    if (k->send_fail_once) {
        k->send_fail_once = 0;
        return -1;
    }
    if (k->nframes == FK_MAX_FRAMES)
        return -1;
    k->frames[k->nframes++] = rh_buf_ref(frame);
    return 0;
}

static void io_close(void *ud, void *h, int code, const char *reason)
{
    fk *f = ud;
    fk_conn *k = by_handle(f, h);
    if (!k)
        return;
    k->closes++;
    if (!k->close_code) {
        k->close_code = code;
        snprintf(k->close_reason, sizeof(k->close_reason), "%s", reason ? reason : "");
    }
    if (f->close_reenters && k->c) {
        rh_conn *c = k->c;
        k->c = NULL;
        rh_srv_conn_closed(f->srv, c);
    }
}

static uint64_t io_now(void *ud)
{
    return ((fk *)ud)->now_ms;
}

static int64_t io_wall(void *ud)
{
    return 1700000000 + (int64_t)(((fk *)ud)->now_ms / 1000);
}

static int io_random(void *ud, void *out, size_t n)
{
    fk *f = ud;
    if (f->rnd_fail)
        return -1;
    if (f->rnd_repeat > 0 && n == f->rnd_last_len) {
        f->rnd_repeat--;
        memcpy(out, f->rnd_last, n);
        return 0;
    }
    uint8_t *p = out;
    for (size_t i = 0; i < n; i++) {
        f->rnd ^= f->rnd << 13;
        f->rnd ^= f->rnd >> 7;
        f->rnd ^= f->rnd << 17;
        p[i] = (uint8_t)(f->rnd >> 24);
    }
    if (n <= sizeof(f->rnd_last)) {
        memcpy(f->rnd_last, out, n);
        f->rnd_last_len = n;
    }
    return 0;
}

static void io_log(void *ud, int level, const char *msg)
{
    (void)level;
    (void)msg;
    ((fk *)ud)->logs++;
}

static void app_init(rh_cfg_app *a, const char *id, const char *key, const char *secret)
{
    a->id = (char *)id;
    a->key = (char *)key;
    a->secret = (char *)secret;
    rh_cfg_app_defaults(a);
}

fk *fk_new_cfg(void)
{
    fk *f = calloc(1, sizeof(*f));
    if (!f)
        abort();
    app_init(&f->apps[0], "app-id", "app-key", "app-secret");
    app_init(&f->apps[1], "other-id", "other-key", "other-secret");
    f->cfg.host = (char *)"127.0.0.1";
    f->cfg.port = 8080;
    f->cfg.activity_timeout = 120;
    f->cfg.pong_timeout = 30;
    f->cfg.ended_ttl = 300;
    f->cfg.auth_window = 600;
    f->cfg.send_queue_bytes = 4u << 20;
    f->cfg.apps = f->apps;
    f->cfg.napps = 2;
    f->io = (rh_srv_io){.ud = f,
                        .send = io_send,
                        .close = io_close,
                        .now_ms = io_now,
                        .wall_s = io_wall,
                        .random = io_random,
                        .log = io_log};
    f->now_ms = 1000000;
    f->rnd = 0x9e3779b97f4a7c15ULL;
    return f;
}

void fk_start(fk *f, const char *const *faults)
{
    char err[200];
    f->srv = rh_srv_new(&f->cfg, &f->io, NULL, err, sizeof(err));
    if (!f->srv) {
        fprintf(stderr, "rh_srv_new: %s\n", err);
        abort();
    }
    for (size_t i = 0; faults && faults[i]; i++)
        if (rh_srv_set_fault(f->srv, faults[i]) != 0) {
            fprintf(stderr, "unknown fault %s\n", faults[i]);
            abort();
        }
}

fk *fk_new(const char *const *faults)
{
    fk *f = fk_new_cfg();
    fk_start(f, faults);
    return f;
}

void fk_clear(fk *f, int i)
{
    fk_conn *k = &f->conns[i];
    for (size_t j = 0; j < k->nframes; j++)
        rh_buf_unref(k->frames[j]);
    k->nframes = 0;
}

void fk_free(fk *f)
{
    rh_srv_free(f->srv);
    for (size_t i = 0; i < FK_MAX_CONNS; i++)
        fk_clear(f, (int)i);
    free(f);
}

int fk_open(fk *f, const char *key)
{
    if (f->nconns == FK_MAX_CONNS)
        abort();
    int i = (int)f->nconns++;
    f->conns[i].c = rh_srv_conn_open(f->srv, key, (void *)(uintptr_t)i);
    return i;
}

int fk_connect(fk *f)
{
    int i = fk_open(f, "app-key");
    cJSON *d = fk_data(f, i, 0);
    const cJSON *sid = d ? cJSON_GetObjectItemCaseSensitive(d, "socket_id") : NULL;
    if (cJSON_IsString(sid))
        snprintf(f->conns[i].socket_id, sizeof(f->conns[i].socket_id), "%s", sid->valuestring);
    cJSON_Delete(d);
    fk_clear(f, i);
    return i;
}

void fk_msg(fk *f, int i, const char *json)
{
    rh_srv_conn_message(f->srv, f->conns[i].c, json, strlen(json), 0);
}

void fk_closed(fk *f, int i)
{
    rh_conn *c = f->conns[i].c;
    f->conns[i].c = NULL;
    rh_srv_conn_closed(f->srv, c);
}

size_t fk_count(fk *f, int i)
{
    return f->conns[i].nframes;
}

const char *fk_frame(fk *f, int i, int n)
{
    fk_conn *k = &f->conns[i];
    if (n < 0)
        n += (int)k->nframes;
    if (n < 0 || (size_t)n >= k->nframes)
        return NULL;
    return k->frames[n]->data;
}

cJSON *fk_json(fk *f, int i, int n)
{
    const char *s = fk_frame(f, i, n);
    return s ? cJSON_Parse(s) : NULL;
}

cJSON *fk_data(fk *f, int i, int n)
{
    cJSON *j = fk_json(f, i, n);
    const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;
    cJSON *out = cJSON_IsString(d) ? cJSON_Parse(d->valuestring) : NULL;
    cJSON_Delete(j);
    return out;
}

const char *fk_event(fk *f, int i, int n)
{
    static char buf[128];
    cJSON *j = fk_json(f, i, n);
    const cJSON *e = j ? cJSON_GetObjectItemCaseSensitive(j, "event") : NULL;
    snprintf(buf, sizeof(buf), "%s", cJSON_IsString(e) ? e->valuestring : "");
    cJSON_Delete(j);
    return buf;
}

int fk_error_code(fk *f, int i, int n)
{
    cJSON *j = fk_json(f, i, n);
    const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;
    const cJSON *code = cJSON_IsObject(d) ? cJSON_GetObjectItemCaseSensitive(d, "code") : NULL;
    int out = cJSON_IsNumber(code) ? code->valueint : -1;
    cJSON_Delete(j);
    return out;
}

size_t fk_count_event(fk *f, int i, const char *ev)
{
    size_t n = 0;
    for (size_t j = 0; j < f->conns[i].nframes; j++)
        if (strcmp(fk_event(f, i, (int)j), ev) == 0)
            n++;
    return n;
}

void fk_sign(const char *key, const char *secret, const char *socket_id, const char *channel,
             const char *channel_data, char *out, size_t outlen)
{
    if (rh_sign_channel(key, secret, socket_id, channel, channel_data, out, outlen) != 0)
        abort();
}

void fk_sub_auth(fk *f, int i, const char *channel, const char *auth, const char *channel_data)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "event", "pusher:subscribe");
    cJSON *d = cJSON_AddObjectToObject(m, "data");
    cJSON_AddStringToObject(d, "channel", channel);
    if (auth)
        cJSON_AddStringToObject(d, "auth", auth);
    if (channel_data)
        cJSON_AddStringToObject(d, "channel_data", channel_data);
    char *s = cJSON_PrintUnformatted(m);
    fk_msg(f, i, s);
    cJSON_free(s);
    cJSON_Delete(m);
}

void fk_sub(fk *f, int i, const char *channel)
{
    fk_sub_auth(f, i, channel, NULL, NULL);
}

void fk_sub_private(fk *f, int i, const char *channel)
{
    char auth[200];
    fk_sign("app-key", "app-secret", f->conns[i].socket_id, channel, NULL, auth, sizeof(auth));
    fk_sub_auth(f, i, channel, auth, NULL);
}

void fk_sub_presence(fk *f, int i, const char *channel, const char *user_id, const char *name)
{
    char cd[300], auth[200];
    snprintf(cd, sizeof(cd), "{\"user_id\":\"%s\",\"user_info\":{\"name\":\"%s\"}}", user_id, name);
    fk_sign("app-key", "app-secret", f->conns[i].socket_id, channel, cd, auth, sizeof(auth));
    fk_sub_auth(f, i, channel, auth, cd);
}
