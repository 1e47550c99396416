/* nf_script: steps, copies, and the finding file (script.h). */
#include "script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define FINDING_FORMAT "rehome-fuzz-finding/1"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void nf_step_free(nf_step *s)
{
    free(s->text);
    free(s->sign_chan);
    free(s->sign_data);
    free(s->method);
    free(s->path);
    free(s->query);
    free(s->headers);
    memset(s, 0, sizeof *s);
}

int nf_step_set_text(nf_step *s, const char *p, size_t len)
{
    char *t = malloc(len + 1);
    if (!t)
        return -1;
    if (len)
        memcpy(t, p, len);
    t[len] = '\0';
    free(s->text);
    s->text = t;
    s->len = len;
    return 0;
}

int nf_step_copy(nf_step *dst, const nf_step *src)
{
    *dst = *src;
    dst->text = NULL;
    dst->sign_chan = dup_or_null(src->sign_chan);
    dst->sign_data = dup_or_null(src->sign_data);
    dst->method = dup_or_null(src->method);
    dst->path = dup_or_null(src->path);
    dst->query = dup_or_null(src->query);
    dst->headers = dup_or_null(src->headers);
    int bad = (src->sign_chan && !dst->sign_chan) || (src->sign_data && !dst->sign_data) ||
              (src->method && !dst->method) || (src->path && !dst->path) ||
              (src->query && !dst->query) || (src->headers && !dst->headers);
    if (bad || (src->text && nf_step_set_text(dst, src->text, src->len) < 0)) {
        nf_step_free(dst);
        return -1;
    }
    return 0;
}

void nf_script_free(nf_script *sc)
{
    for (size_t i = 0; i < sc->n; i++)
        nf_step_free(&sc->steps[i]);
    sc->n = 0;
}

int nf_script_push(nf_script *sc, const nf_step *st)
{
    if (sc->n >= NF_MAX_STEPS || nf_step_copy(&sc->steps[sc->n], st) < 0)
        return -1;
    sc->n++;
    return 0;
}

int nf_script_copy(nf_script *dst, const nf_script *src)
{
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++)
        if (nf_script_push(dst, &src->steps[i]) < 0) {
            nf_script_free(dst);
            return -1;
        }
    return 0;
}

int nf_script_subset(const nf_script *sc, const size_t *idx, size_t n, nf_script *out)
{
    out->n = 0;
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= sc->n || nf_script_push(out, &sc->steps[idx[i]]) < 0) {
            nf_script_free(out);
            return -1;
        }
    return 0;
}

static const char *const kind_names[] = {"ws-open", "ws-text", "ws-frame", "http"};

const char *nf_kind_name(int kind)
{
    return kind >= 0 && kind <= NF_HTTP ? kind_names[kind] : "?";
}

/* Text that survives a JSON string as typed: no NUL, no control bytes but \t\r\n. */
static int plain_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c >= 0x7f)
            return 0;
    }
    return 1;
}

static void add_bytes(cJSON *o, const char *p, size_t n)
{
    if (plain_text(p, n)) {
        cJSON_AddStringToObject(o, "text", p);
        return;
    }
    char *hex = malloc(2 * n + 1);
    if (!hex)
        return;
    for (size_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)p[i]);
    hex[2 * n] = '\0';
    cJSON_AddStringToObject(o, "hex", hex);
    free(hex);
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

static cJSON *step_json(const nf_step *s, const char *sent)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", nf_kind_name(s->kind));
    if (s->kind != NF_HTTP)
        cJSON_AddNumberToObject(o, "conn", s->conn);
    if (s->text)
        add_bytes(o, s->text, s->len);
    add_str(o, "sign_channel", s->sign_chan);
    add_str(o, "sign_channel_data", s->sign_data);
    if (s->kind == NF_WS_FRAME) {
        cJSON_AddNumberToObject(o, "fin", s->fin);
        cJSON_AddNumberToObject(o, "rsv", s->rsv);
        cJSON_AddNumberToObject(o, "opcode", s->opcode);
        cJSON_AddNumberToObject(o, "masked", s->masked);
        cJSON_AddNumberToObject(o, "len_form", s->len_form);
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)s->claim_len);
        cJSON_AddStringToObject(o, "claim_len", num); /* a string: 2^64-1 is not a double */
        snprintf(num, sizeof num, "%02x%02x%02x%02x", s->mask[0], s->mask[1], s->mask[2],
                 s->mask[3]);
        cJSON_AddStringToObject(o, "mask", num);
    }
    if (s->kind == NF_HTTP) {
        add_str(o, "method", s->method);
        add_str(o, "path", s->path);
        add_str(o, "query", s->query);
        add_str(o, "headers", s->headers);
        cJSON_AddNumberToObject(o, "sign", s->sign);
        cJSON_AddNumberToObject(o, "framing", s->framing);
        cJSON_AddNumberToObject(o, "sigmut", s->sigmut);
        cJSON_AddNumberToObject(o, "pipe", s->pipe);
    }
    if (sent)
        cJSON_AddStringToObject(o, "sent", sent);
    return o;
}

char *nf_finding_write(const nf_finding *f, const nf_script *sc, char *const *sent)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", FINDING_FORMAT);
    cJSON_AddStringToObject(root, "oracle", f->oracle);
    cJSON_AddStringToObject(root, "detail", f->detail);
    cJSON_AddStringToObject(root, "seen", f->seen);
    cJSON_AddNumberToObject(root, "seed", (double)f->seed);
    cJSON_AddNumberToObject(root, "exec", (double)f->exec);
    cJSON_AddNumberToObject(root, "repeat", f->repeat);
    cJSON_AddNumberToObject(root, "original_steps", (double)f->original_steps);
    cJSON *arr = cJSON_AddArrayToObject(root, "steps");
    for (size_t i = 0; i < sc->n; i++)
        cJSON_AddItemToArray(arr, step_json(&sc->steps[i], sent ? sent[i] : NULL));
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}
