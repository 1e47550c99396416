/* The in-process server of the srv and auth fuzz targets: see fz_srv.h. */
#include "fz_srv.h"

#include <string.h>

#include "fuzz.h"
#include "proto/json.h"
#include "proto/sign.h"

static fz_conn *slot_of(fz_srv *f, void *h)
{
    uintptr_t i = (uintptr_t)h;
    FZ_CHECK(i < FZ_CONNS && f->conns[i].c);
    return &f->conns[i];
}

static fz_seen *seen_of(fz_conn *k, const char *stream_id)
{
    fz_seen *fresh = NULL;
    for (int i = 0; i < FZ_STREAMS; i++) {
        if (k->seen[i].stream_id[0] && strcmp(k->seen[i].stream_id, stream_id) == 0)
            return &k->seen[i];
        if (!k->seen[i].stream_id[0] && !fresh)
            fresh = &k->seen[i];
    }
    if (fresh && strlen(stream_id) < sizeof fresh->stream_id)
        strcpy(fresh->stream_id, stream_id);
    return fresh; /* NULL: too many streams to track; that one goes unchecked */
}

/* Stream events: seq strictly increasing per connection and stream, nothing after the end. */
/* protocol §10: oracle: token seqs strictly increase per connection and stream */
/* protocol §11: oracle: nothing after thread.stream.ended, whose last_seq covers the tokens */
static void check_stream_event(const fz_srv *f, fz_conn *k, const char *event, const cJSON *data)
{
    int token = strcmp(event, "thread.token.streamed") == 0;
    if (!token && strcmp(event, "thread.stream.ended") != 0)
        return;
    FZ_CHECK(cJSON_IsString(data));
    int code;
    char err[128];
    cJSON *d = rh_json_parse(data->valuestring, strlen(data->valuestring), &code, err, sizeof err);
    FZ_CHECK(d);
    const char *sid = rh_json_str(d, "stream_id");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, token ? "seq" : "last_seq");
    FZ_CHECK(sid && cJSON_IsNumber(n));
    fz_seen *s = seen_of(k, sid);
    if (s && !f->seq_oracle_off) {
        uint64_t v = (uint64_t)n->valuedouble;
        FZ_CHECK(!s->ended);
        if (token) {
            FZ_CHECK(v > s->last_seq);
            s->last_seq = v;
        } else {
            FZ_CHECK(v >= s->last_seq);
            s->ended = 1;
        }
    }
    cJSON_Delete(d);
}

/* protocol §2.2: oracle: every frame a JSON envelope; socket_id valid */
static int io_send(void *ud, void *h, rh_buf *frame)
{
    fz_srv *f = ud;
    fz_conn *k = slot_of(f, h);
    if (f->trace)
        fprintf(stderr, "[%u] <- %s\n", (unsigned)(uintptr_t)h, frame->data);
    int code;
    char err[128];
    cJSON *j = rh_json_parse(frame->data, frame->len, &code, err, sizeof err);
    if (!j)
        fprintf(stderr, "server sent a bad frame (%s): %s\n", err, frame->data);
    FZ_CHECK(j && cJSON_IsObject(j));
    const char *ev = rh_json_str(j, "event");
    FZ_CHECK(ev && ev[0]);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
    if (strcmp(ev, "pusher:connection_established") == 0) {
        FZ_CHECK(cJSON_IsString(data));
        cJSON *d =
            rh_json_parse(data->valuestring, strlen(data->valuestring), &code, err, sizeof err);
        const char *sid = d ? rh_json_str(d, "socket_id") : NULL;
        FZ_CHECK(sid && rh_sign_valid_socket_id(sid) && strlen(sid) < sizeof k->socket_id);
        strcpy(k->socket_id, sid);
        cJSON_Delete(d);
    }
    check_stream_event(f, k, ev, data);
    cJSON_Delete(j);
    return k->send_fail ? -1 : 0;
}

/* protocol §2.5: oracle: close codes 1000-1015 or 4000-4999, with a reason */
static void io_close(void *ud, void *h, int code, const char *reason)
{
    fz_srv *f = ud;
    fz_conn *k = slot_of(f, h);
    if (f->trace)
        fprintf(stderr, "[%u] close %d %s\n", (unsigned)(uintptr_t)h, code, reason);
    FZ_CHECK((code >= 1000 && code < 1016) || (code >= 4000 && code < 5000));
    FZ_CHECK(reason);
    k->closing = 1;
}

static uint64_t io_now(void *ud)
{
    return ((fz_srv *)ud)->now_ms;
}

static int64_t io_wall(void *ud)
{
    return 1700000000 + (int64_t)(((fz_srv *)ud)->now_ms / 1000);
}

static int io_random(void *ud, void *out, size_t n)
{
    fz_srv *f = ud;
    uint8_t *p = out;
    for (size_t i = 0; i < n; i++) {
        f->rnd ^= f->rnd << 13;
        f->rnd ^= f->rnd >> 7;
        f->rnd ^= f->rnd << 17;
        p[i] = (uint8_t)(f->rnd >> 24);
    }
    return 0;
}

static void io_log(void *ud, int level, const char *msg)
{
    (void)ud;
    FZ_CHECK(level >= RH_LOG_ERROR && level <= RH_LOG_DEBUG && msg);
}

fz_srv *fz_srv_new(void)
{
    fz_srv *f = calloc(1, sizeof *f);
    FZ_CHECK(f);
    FZ_CHECK(rh_cfg_defaults(&f->cfg) == 0 && f->cfg.napps >= 1);
    /* Small limits, so the fuzzer reaches every refusal with short inputs. */
    rh_cfg_app *a = &f->cfg.apps[0];
    a->client_events = 1;
    a->max_presence_members = 3;
    a->max_message_bytes = 2048;
    a->max_token_bytes = 256;
    a->max_event_bytes = 256;
    a->max_channels = 4;
    a->max_batch = 3;
    a->client_events_per_sec = 3;
    f->cfg.replay_tokens = 8;
    f->cfg.replay_bytes = 256;
    f->cfg.ended_ttl = 5;
    f->cfg.activity_timeout = 10;
    f->cfg.pong_timeout = 3;
    rh_store_limits lim = {f->cfg.replay_tokens, f->cfg.replay_bytes};
    f->store = rh_store_memory_new(&lim);
    FZ_CHECK(f->store);
    f->io = (rh_srv_io){.ud = f,
                        .send = io_send,
                        .close = io_close,
                        .now_ms = io_now,
                        .wall_s = io_wall,
                        .random = io_random,
                        .log = io_log};
    f->now_ms = 1000000;
    f->rnd = 0x9e3779b97f4a7c15ULL;
    f->trace = getenv("FZ_TRACE") != NULL;
    char err[200];
    f->srv = rh_srv_new(&f->cfg, &f->io, f->store, err, sizeof err);
    FZ_CHECK(f->srv);
    return f;
}

void fz_srv_free(fz_srv *f)
{
    for (int i = 0; i < FZ_CONNS; i++)
        fz_closed(f, i);
    FZ_CHECK(rh_srv_conn_count(f->srv) == 0);
    rh_srv_free(f->srv);
    rh_store_free(f->store);
    rh_cfg_clear(&f->cfg);
    free(f->body);
    free(f);
}

int fz_open(fz_srv *f, const char *app_key)
{
    for (int i = 0; i < FZ_CONNS; i++) {
        if (f->conns[i].c)
            continue;
        memset(&f->conns[i], 0, sizeof f->conns[i]);
        /* Mark the slot taken before the server can call back into it. */
        f->conns[i].c = (rh_conn *)1;
        rh_conn *c = rh_srv_conn_open(f->srv, app_key, (void *)(uintptr_t)i);
        FZ_CHECK(c);
        f->conns[i].c = c;
        return i;
    }
    return -1;
}

void fz_msg(fz_srv *f, int slot, const char *data, size_t len, int is_binary)
{
    fz_conn *k = &f->conns[slot];
    if (!k->c || k->closing)
        return;
    rh_srv_conn_message(f->srv, k->c, data, len, is_binary);
}

void fz_closed(fz_srv *f, int slot)
{
    fz_conn *k = &f->conns[slot];
    if (!k->c)
        return;
    rh_conn *c = k->c;
    rh_srv_conn_closed(f->srv, c);
    memset(k, 0, sizeof *k);
}

void fz_forget(fz_srv *f, int slot)
{
    memset(f->conns[slot].seen, 0, sizeof f->conns[slot].seen);
}

void fz_settle(fz_srv *f)
{
    size_t open = 0;
    for (int i = 0; i < FZ_CONNS; i++) {
        if (f->conns[i].c && f->conns[i].closing)
            fz_closed(f, i);
        if (f->conns[i].c)
            open++;
    }
    FZ_CHECK(rh_srv_conn_count(f->srv) == open);
}

/* protocol §12.1: oracle: every HTTP error a JSON body whose code is the status */
static void http_done(void *ud, const rh_http_resp *r)
{
    fz_srv *f = ud;
    f->answers++;
    if (f->trace)
        fprintf(stderr, "HTTP %d %.*s\n", r->status, (int)r->body_len, r->body);
    FZ_CHECK(r && r->status >= 200 && r->status < 600);
    FZ_CHECK(r->body || r->body_len == 0);
    f->status = r->status;
    free(f->body);
    f->body = fz_strndup((const uint8_t *)(r->body ? r->body : ""), r->body_len);
    int json = r->content_type && strstr(r->content_type, "json");
    FZ_CHECK(json || r->status < 400);
    if (!json)
        return;
    int code;
    char err[128];
    cJSON *j = rh_json_parse(r->body, r->body_len, &code, err, sizeof err);
    if (!j)
        fprintf(stderr, "bad JSON answer (%s): %.*s\n", err, (int)r->body_len, r->body);
    FZ_CHECK(j);
    if (r->status >= 400) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");
        FZ_CHECK(rh_json_str(j, "error") && cJSON_IsNumber(c) && c->valueint == r->status);
    }
    cJSON_Delete(j);
}

int fz_http(fz_srv *f, const rh_http_req *req)
{
    f->answers = 0;
    rh_srv_http(f->srv, req, http_done, f);
    /* The memory store answers before rh_srv_http returns. */
    FZ_CHECK(f->answers == 1);
    if (f->status < 300 && req->body && req->body_len && strstr(req->path, "events") &&
        memmem(req->body, req->body_len, "thread.", 7))
        f->seq_oracle_off = 1;
    return f->status;
}
