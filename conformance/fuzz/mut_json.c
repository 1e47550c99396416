/* nf_mut_json_text: the JSON layer (mut.h). Structural changes go through cJSON (so the
 * rest of the text stays valid); byte changes for what cJSON cannot print (invalid UTF-8,
 * broken escapes, truncation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mut.h"

#define MAX_NODES 64

static void collect(cJSON *n, cJSON **out, cJSON **parent, size_t *k, cJSON *par)
{
    if (*k >= MAX_NODES)
        return;
    parent[*k] = par;
    out[(*k)++] = n;
    for (cJSON *c = n->child; c; c = c->next)
        collect(c, out, parent, k, n);
}

/* A value of another type or shape: numbers at the edges, deep nesting, long strings. */
static cJSON *random_value(nf_rng *r)
{
    static const char *const raws[] = {
        "42", "-1", "0",     "1e999", "123456789012345678901234567890", "null", "true", "\"\"",
        "[]", "{}", "[1,2]", "-0.0"};
    uint32_t pick = nf_rng_below(r, 16);
    if (pick < 12)
        return cJSON_CreateRaw(raws[pick]);
    if (pick < 15) { /* nesting 2..40 deep */
        int d = 2 + (int)nf_rng_below(r, 39);
        char *s = malloc((size_t)d * 2 + 2);
        if (!s)
            return NULL;
        for (int i = 0; i < d; i++) {
            s[i] = '[';
            s[d + 1 + i] = ']';
        }
        s[d] = '1';
        s[2 * d + 1] = '\0';
        cJSON *v = cJSON_CreateRaw(s);
        free(s);
        return v;
    }
    size_t n = 200 + nf_rng_below(r, 12000);
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    memset(s, 'a', n);
    s[n] = '\0';
    cJSON *v = cJSON_CreateString(s);
    free(s);
    return v;
}

static int structural(nf_rng *r, cJSON *root)
{
    cJSON *nodes[MAX_NODES], *parents[MAX_NODES];
    size_t k = 0;
    collect(root, nodes, parents, &k, NULL);
    size_t i = nf_rng_below(r, (uint32_t)k);
    cJSON *n = nodes[i], *par = parents[i];
    if (!par) { /* the root: wrap it in an array or replace it */
        cJSON *v = random_value(r);
        if (!v)
            return -1;
        cJSON_AddItemToObject(root, "fz", v);
        return 0;
    }
    if (nf_rng_below(r, 4) == 0 && cJSON_IsObject(par) && n->string) { /* duplicate key */
        cJSON *v = random_value(r);
        if (!v)
            return -1;
        cJSON_AddItemToObject(par, n->string, v);
        return 0;
    }
    cJSON *v = random_value(r);
    if (!v)
        return -1;
    cJSON_ReplaceItemViaPointer(par, n, v);
    return 0;
}

static const char *const bytes_ins[] = {"\xff",    "\xc0\x80", "\xed\xa0\x80",
                                        "\\u0000", "\\ud800",  "\\",
                                        "\"",      "\x00",     "\xf4\x90\x80\x80"};
static const size_t bytes_len[] = {1, 2, 3, 6, 6, 1, 1, 1, 4};

static char *bytewise(nf_rng *r, const char *p, size_t len, size_t *outlen)
{
    size_t at = len ? nf_rng_below(r, (uint32_t)len + 1) : 0;
    uint32_t op = nf_rng_below(r, 3);
    if (op == 0 && len) { /* truncate */
        *outlen = at;
        char *o = malloc(at + 1);
        if (o) {
            memcpy(o, p, at);
            o[at] = '\0';
        }
        return o;
    }
    /* insert an invalid byte sequence or a broken escape; inside a string when one is near */
    const char *q = len ? memchr(p + at, '"', len - at) : NULL;
    if (q && op == 1)
        at = (size_t)(q - p) + 1;
    size_t w = nf_rng_below(r, sizeof bytes_len / sizeof bytes_len[0]);
    *outlen = len + bytes_len[w];
    char *o = malloc(*outlen + 1);
    if (!o)
        return NULL;
    memcpy(o, p, at);
    memcpy(o + at, bytes_ins[w], bytes_len[w]);
    memcpy(o + at + bytes_len[w], p + at, len - at);
    o[*outlen] = '\0';
    return o;
}

char *nf_mut_json_text(nf_rng *r, const char *p, size_t len, size_t *outlen)
{
    cJSON *root = nf_rng_below(r, 4) ? cJSON_ParseWithLength(p, len) : NULL;
    if (!root)
        return bytewise(r, p, len, outlen);
    char *s = NULL;
    if (structural(r, root) == 0)
        s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (s)
        *outlen = strlen(s);
    return s;
}

int nf_mut_json(nf_rng *r, nf_step *st)
{
    if (!st->text)
        return 0;
    size_t n;
    char *t = nf_mut_json_text(r, st->text, st->len, &n);
    if (!t)
        return -1;
    free(st->text);
    st->text = t;
    st->len = n;
    return 0;
}
