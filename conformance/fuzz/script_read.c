/* nf_finding_read: the finding file reader (script.h). Every field is checked for its type
 * and range; a file that is not a finding is refused with a reason, never half-read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "proto/form.h"
#include "script.h"

#define FINDING_FORMAT "rehome-fuzz-finding/1"

typedef struct rd {
    char *err;
    size_t errlen;
    int bad;
} rd;

static void fail(rd *r, const char *what, size_t i)
{
    if (!r->bad)
        snprintf(r->err, r->errlen, "step %zu: %s", i, what);
    r->bad = 1;
}

/* An optional integer member within [lo, hi] (absent: def). */
static int get_int(rd *r, const cJSON *o, const char *k, int lo, int hi, int def, size_t i)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        return def;
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi ||
        v->valuedouble != (double)(int)v->valuedouble) {
        fail(r, k, i);
        return def;
    }
    return (int)v->valuedouble;
}

static char *get_str(rd *r, const cJSON *o, const char *k, size_t i)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v)
        return NULL;
    if (!cJSON_IsString(v)) {
        fail(r, k, i);
        return NULL;
    }
    char *s = strdup(v->valuestring);
    if (!s)
        fail(r, "out of memory", i);
    return s;
}

/* "hex" (even count of hex digits) into st->text. */
static void get_hex(rd *r, const char *hex, nf_step *st, size_t i)
{
    size_t n = strlen(hex);
    if (n % 2) {
        fail(r, "hex: odd length", i);
        return;
    }
    char *b = malloc(n / 2 + 1);
    if (!b) {
        fail(r, "out of memory", i);
        return;
    }
    for (size_t k = 0; k < n / 2; k++) {
        int hi = rh_form_hexval(hex[2 * k]), lo = rh_form_hexval(hex[2 * k + 1]);
        if (hi < 0 || lo < 0) {
            free(b);
            fail(r, "hex: not a hex digit", i);
            return;
        }
        b[k] = (char)(hi << 4 | lo);
    }
    b[n / 2] = '\0';
    st->text = b;
    st->len = n / 2;
}

static void frame_fields(rd *r, const cJSON *o, nf_step *st, size_t i)
{
    st->fin = get_int(r, o, "fin", 0, 1, 1, i);
    st->rsv = get_int(r, o, "rsv", 0, 7, 0, i);
    st->opcode = get_int(r, o, "opcode", 0, 15, 1, i);
    st->masked = get_int(r, o, "masked", 0, 1, 1, i);
    st->len_form = get_int(r, o, "len_form", 0, 64, 0, i);
    if (st->len_form != 0 && st->len_form != 7 && st->len_form != 16 && st->len_form != 64)
        fail(r, "len_form", i);
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(o, "claim_len");
    if (cl) {
        char *end;
        errno = 0;
        if (!cJSON_IsString(cl) || !cl->valuestring[0] || cl->valuestring[0] == '-')
            fail(r, "claim_len", i);
        else if ((st->claim_len = strtoull(cl->valuestring, &end, 10), *end || errno))
            fail(r, "claim_len", i);
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "mask");
    if (m) {
        if (!cJSON_IsString(m) || strlen(m->valuestring) != 8) {
            fail(r, "mask", i);
            return;
        }
        for (int k = 0; k < 4; k++) {
            int hi = rh_form_hexval(m->valuestring[2 * k]),
                lo = rh_form_hexval(m->valuestring[2 * k + 1]);
            if (hi < 0 || lo < 0)
                fail(r, "mask", i);
            else
                st->mask[k] = (uint8_t)(hi << 4 | lo);
        }
    }
}

static void read_step(rd *r, const cJSON *o, nf_step *st, size_t i)
{
    memset(st, 0, sizeof *st);
    if (!cJSON_IsObject(o)) {
        fail(r, "not an object", i);
        return;
    }
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
    st->kind = -1;
    for (int n = 0; n <= NF_HTTP && cJSON_IsString(k); n++)
        if (strcmp(k->valuestring, nf_kind_name(n)) == 0)
            st->kind = n;
    if (st->kind < 0) {
        fail(r, "unknown kind", i);
        return;
    }
    st->conn = get_int(r, o, "conn", 0, NF_MAX_CONN - 1, 0, i);
    const cJSON *hex = cJSON_GetObjectItemCaseSensitive(o, "hex");
    if (hex && cJSON_IsString(hex)) {
        get_hex(r, hex->valuestring, st, i);
    } else if (hex) {
        fail(r, "hex", i);
    } else if ((st->text = get_str(r, o, "text", i)) != NULL) {
        st->len = strlen(st->text);
    }
    st->sign_chan = get_str(r, o, "sign_channel", i);
    st->sign_data = get_str(r, o, "sign_channel_data", i);
    if (st->kind == NF_WS_FRAME)
        frame_fields(r, o, st, i);
    if (st->kind == NF_HTTP) {
        st->method = get_str(r, o, "method", i);
        st->path = get_str(r, o, "path", i);
        st->query = get_str(r, o, "query", i);
        st->headers = get_str(r, o, "headers", i);
        st->sign = get_int(r, o, "sign", 0, 1, 1, i);
        st->framing = get_int(r, o, "framing", 0, NF_BODY_WRONG, 0, i);
        st->sigmut = get_int(r, o, "sigmut", 0, NF_SIG_DUP_PARAM, 0, i);
        st->pipe = get_int(r, o, "pipe", 0, 1, 0, i);
        if (!r->bad && (!st->method || !st->path))
            fail(r, "an http step needs method and path", i);
    }
}

static void copy_str(const cJSON *root, const char *k, char *out, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, k);
    snprintf(out, cap, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static unsigned long long get_u64(const cJSON *root, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, k);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1.8e19
               ? (unsigned long long)v->valuedouble
               : 0;
}

int nf_finding_read(const char *text, size_t len, nf_finding *f, nf_script *sc, char *err,
                    size_t errlen)
{
    memset(f, 0, sizeof *f);
    sc->n = 0;
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(root, "steps");
    const char *why = !root ? "not JSON"
                      : !cJSON_IsString(fmt) || strcmp(fmt->valuestring, FINDING_FORMAT) != 0
                          ? "not a finding file (format is not " FINDING_FORMAT ")"
                      : !cJSON_IsArray(steps)                    ? "steps is not an array"
                      : cJSON_GetArraySize(steps) > NF_MAX_STEPS ? "too many steps"
                                                                 : NULL;
    if (why) {
        snprintf(err, errlen, "%s", why);
        cJSON_Delete(root);
        return -1;
    }
    copy_str(root, "oracle", f->oracle, sizeof f->oracle);
    copy_str(root, "detail", f->detail, sizeof f->detail);
    copy_str(root, "seen", f->seen, sizeof f->seen);
    f->seed = get_u64(root, "seed");
    f->exec = get_u64(root, "exec");
    f->original_steps = (size_t)get_u64(root, "original_steps");
    rd r = {.err = err, .errlen = errlen};
    f->repeat = get_int(&r, root, "repeat", 0, 10000, 1, 0);
    const cJSON *o;
    cJSON_ArrayForEach(o, steps)
    {
        read_step(&r, o, &sc->steps[sc->n], sc->n);
        sc->n++;
        if (r.bad)
            break;
    }
    cJSON_Delete(root);
    if (r.bad) {
        nf_script_free(sc);
        return -1;
    }
    return 0;
}
