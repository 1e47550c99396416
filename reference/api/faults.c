/* Fault switches of the HTTP side that sit at a seam rather than inline: the control API's
 * body parsers (srv->api->parse) are swapped for lax ones, the outgoing stream frames
 * (srv->api->out, the token encoder and sender) for decorators that break them, and frames
 * held back by order faults wait here. The store faults wrap the store (faults_store.c).
 * rh_api_faults_install is called for each fault switched on (server/server.c rh_srv_set_fault);
 * without -Dfaults=true it installs nothing and the plain path of api/stream.c is the only one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "proto/busmsg.h"
#include "proto/channel.h"
#include "proto/events.h"
#include "proto/json.h"
#include "proto/message.h"

/* --- held frames (events-reorder, seq-swap) ----------------------------------------------- */

static void held_free(rh_api_held *h)
{
    rh_buf_unref(h->frame);
    free(h->key);
    free(h->channel);
    free(h->except);
    free(h);
}

int rh_api_hold(rh_srv *srv, const rh_cfg_app *app, const char *key, const char *channel,
                rh_buf *frame, const char *except)
{
    rh_api_held *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->key = strdup(key);
    h->channel = strdup(channel);
    h->except = except ? strdup(except) : NULL;
    if (!h->key || !h->channel || (except && !h->except)) {
        free(h->key);
        free(h->channel);
        free(h->except);
        free(h);
        return -1;
    }
    h->app = app;
    h->frame = rh_buf_ref(frame);
    h->next = srv->api->held;
    srv->api->held = h;
    return 0;
}

int rh_api_deliver_held(rh_srv *srv, const rh_cfg_app *app, const char *key)
{
    for (rh_api_held **pp = &srv->api->held; *pp; pp = &(*pp)->next) {
        rh_api_held *h = *pp;
        if (h->app == app && strcmp(h->key, key) == 0) {
            *pp = h->next;
            rh_hub_publish(srv, app, h->channel, h->frame, h->except);
            held_free(h);
            return 1;
        }
    }
    return 0;
}

int rh_api_reorder(rh_srv *srv, const rh_cfg_app *app, rh_busmsg *m, const char *channel,
                   const char *except, rh_buf *frame)
{
    size_t kl = strlen(channel) + 4;
    char *key = malloc(kl);
    if (!key)
        return -1;
    memcpy(key, "ev:", 3);
    memcpy(key + 3, channel, kl - 3);
    int rc = 0;
    rh_api_held **pp = &srv->api->held;
    while (*pp && !((*pp)->app == app && strcmp((*pp)->key, key) == 0))
        pp = &(*pp)->next;
    if (*pp) { /* this one first, then the one that waited */
        rh_api_held *h = *pp;
        *pp = h->next;
        rh_api_busmsg_delivery(m, channel, except, frame);
        rh_api_busmsg_delivery(m, h->channel, h->except, h->frame);
        held_free(h);
    } else {
        rc = rh_api_hold(srv, app, key, channel, frame, except);
    }
    free(key);
    return rc;
}

void rh_api_held_free_all(rh_srv *srv)
{
    rh_api_held *h = srv->api->held;
    while (h) {
        rh_api_held *next = h->next;
        held_free(h);
        h = next;
    }
    srv->api->held = NULL;
}

#ifdef RH_WITH_FAULTS

/* --- stream frame decorators (missing-field, wrong-type, seq-dup, seq-swap) --------------- */

static void swap_key(const rh_store_stream *s, char *key, size_t keylen)
{
    snprintf(key, keylen, "sw:%s", s->stream_id);
}

/* The token event built field by field, as a hand-rolled encoder would. */
static rh_buf *encode_token_faulty(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq,
                                   const char *token, size_t len)
{
    const rh_store_stream *s = ref->s;
    cJSON *o = cJSON_CreateObject();
    char seqs[24];
    snprintf(seqs, sizeof seqs, "%llu", (unsigned long long)seq);
    char *tok = strndup(token, len);
    int ok = o && tok && cJSON_AddStringToObject(o, "workspace_id", s->workspace_id) &&
             cJSON_AddStringToObject(o, "thread_id", s->thread_id) &&
             (rh_fault_on(srv, RH_FAULT_MISSING_FIELD) ||
              cJSON_AddStringToObject(o, "run_id", s->run_id)) &&
             cJSON_AddStringToObject(o, "stream_id", s->stream_id) &&
             (rh_fault_on(srv, RH_FAULT_WRONG_TYPE)
                  ? cJSON_AddStringToObject(o, "seq", seqs) != NULL
                  : cJSON_AddNumberToObject(o, "seq", (double)seq) != NULL) &&
             cJSON_AddStringToObject(o, "token", tok);
    free(tok);
    char *data = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!data)
        return NULL;
    rh_buf *f = rh_msg_encode(RH_EVT_TOKEN, ref->channel, data, strlen(data));
    cJSON_free(data);
    return f;
}

/* seq-swap holds token 3 in a per-stream slot and sends it after token 4; seq-dup sends
 * token 3 twice (a retried send, not deduped). */
static void send_token_faulty(rh_srv *srv, const rh_api_stream_ref *ref, uint64_t seq, rh_buf *f)
{
    char key[RH_STORE_ID_MAX + 8];
    swap_key(ref->s, key, sizeof key);
    if (rh_fault_on(srv, RH_FAULT_SEQ_SWAP) && seq == 3 &&
        rh_api_hold(srv, ref->app, key, ref->channel, f, NULL) == 0)
        return;
    rh_api_out_plain.send_token(srv, ref, seq, f);
    if (rh_fault_on(srv, RH_FAULT_SEQ_DUP) && seq == 3)
        rh_hub_publish(srv, ref->app, ref->channel, f, NULL);
    if (rh_fault_on(srv, RH_FAULT_SEQ_SWAP) && seq == 4)
        rh_api_deliver_held(srv, ref->app, key);
}

/* seq-swap: nothing stays behind the end. */
static void before_end_faulty(rh_srv *srv, const rh_api_stream_ref *ref)
{
    char key[RH_STORE_ID_MAX + 8];
    swap_key(ref->s, key, sizeof key);
    rh_api_deliver_held(srv, ref->app, key);
}

/* --- lax parsers (stream-lax-ids, utf8-unchecked) ------------------------------------------ */

/* The stream-lax-ids parser: any non-empty string the store can hold. */
static int parse_start_lax(const char *body, size_t len, rh_api_start_ids *out, char *err,
                           size_t errlen)
{
    static const char *const names[4] = {"workspace_id", "thread_id", "run_id", "stream_id"};
    char *dst[4] = {out->workspace_id, out->thread_id, out->run_id, out->stream_id};
    int code;
    cJSON *o = rh_json_parse(body, len, &code, err, errlen);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        snprintf(err, errlen, "body must be a JSON object");
        return RH_CTL_ERR_JSON;
    }
    for (int i = 0; i < 4; i++) {
        const char *v = rh_json_str(o, names[i]);
        if (!v || !*v || strlen(v) > RH_STORE_ID_MAX) {
            snprintf(err, errlen, "%s: missing or not a string", names[i]);
            cJSON_Delete(o);
            return RH_CTL_ERR_FIELD;
        }
        strcpy(dst[i], v);
    }
    cJSON_Delete(o);
    return RH_CTL_OK;
}

/* The utf8-unchecked parser: cJSON takes any bytes inside strings. */
static int parse_tokens_lax(const char *body, size_t len, size_t max, rh_ctl_tokens *t, char *err,
                            size_t errlen)
{
    memset(t, 0, sizeof *t);
    cJSON *o = cJSON_ParseWithLength(body, len);
    cJSON *one = cJSON_GetObjectItemCaseSensitive(o, "token");
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "tokens");
    size_t n = cJSON_IsString(one) ? 1 : cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
    int rc = RH_CTL_OK;
    if (!cJSON_IsObject(o) || n == 0 || n > RH_CTL_MAX_TOKENS) {
        snprintf(err, errlen, "body must be {\"token\": S} or {\"tokens\": [S, ...]}");
        rc = RH_CTL_ERR_FIELD;
        goto out;
    }
    t->tokens = calloc(n, sizeof *t->tokens);
    t->lens = calloc(n, sizeof *t->lens);
    if (!t->tokens || !t->lens) {
        rc = RH_CTL_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *it = one ? one : cJSON_GetArrayItem(arr, (int)i);
        if (!cJSON_IsString(it)) {
            snprintf(err, errlen, "tokens[%zu]: not a string", i);
            rc = RH_CTL_ERR_FIELD;
            goto out;
        }
        t->lens[i] = strlen(it->valuestring);
        t->total += t->lens[i];
        if (t->total > max) {
            snprintf(err, errlen, "tokens over %zu bytes", max);
            rc = RH_CTL_ERR_TOO_LARGE;
            goto out;
        }
        t->tokens[i] = strdup(it->valuestring);
        if (!t->tokens[i]) {
            rc = RH_CTL_ERR_NOMEM;
            goto out;
        }
        t->n = i + 1;
    }
out:
    cJSON_Delete(o);
    if (rc != RH_CTL_OK)
        rh_ctl_tokens_clear(t);
    return rc;
}

/* stream-lax-ids: a path's stream id is any string the store can hold. */
static int valid_sid_lax(const char *id, size_t n)
{
    return rh_chan_valid_id(id, n) || n <= RH_STORE_ID_MAX;
}

int rh_api_faults_install(rh_srv *srv, rh_fault f)
{
    if (f == RH_FAULT_START_CONFLICT || f == RH_FAULT_TOKEN_AFTER_END ||
        f == RH_FAULT_END_REASON_OVERWRITE || f == RH_FAULT_END_ALREADY_FALSE ||
        f == RH_FAULT_END_LAST_SEQ)
        return rh_api_fault_store_install(srv);
    rh_api_parsers *parse = &srv->api->parse;
    if (f == RH_FAULT_STREAM_LAX_IDS) {
        parse->start = parse_start_lax;
        parse->valid_sid = valid_sid_lax;
    }
    if (f == RH_FAULT_UTF8_UNCHECKED)
        parse->tokens = parse_tokens_lax;
    if (f == RH_FAULT_ALLOW_NUL_ROUNDTRIP)
        parse->tokens = rh_api_parse_tokens_nul;
    rh_api_out *out = &srv->api->out;
    if (f == RH_FAULT_MISSING_FIELD || f == RH_FAULT_WRONG_TYPE)
        out->encode_token = encode_token_faulty;
    if (f == RH_FAULT_SEQ_DUP || f == RH_FAULT_SEQ_SWAP) {
        out->send_token = send_token_faulty;
        out->before_end = before_end_faulty;
    }
    return 0;
}

#else

int rh_api_faults_install(rh_srv *srv, rh_fault f)
{
    (void)srv;
    (void)f;
    return 0;
}

#endif
