/* nf_shape: answer shapes and the set of those seen (shape.h). */
#include "shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* "{k1,k2}" of an object's keys in order (at most 8), "" for anything else. */
static void keys_of(const cJSON *o, char *out, size_t cap)
{
    out[0] = '\0';
    if (!cJSON_IsObject(o))
        return;
    size_t l = (size_t)snprintf(out, cap, "{");
    int k = 0;
    for (const cJSON *c = o->child; c && k < 8 && l < cap; c = c->next, k++)
        l += (size_t)snprintf(out + l, cap - l, "%s%.24s", k ? "," : "", c->string);
    if (l < cap)
        snprintf(out + l, cap - l, "}");
}

void nf_shape_ws(const char *text, size_t len, char out[NF_SHAPE_MAX])
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "event");
    if (!root || !cJSON_IsString(ev)) {
        snprintf(out, NF_SHAPE_MAX, root ? "ws:!event" : "ws:!json");
        cJSON_Delete(root);
        return;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
    cJSON *parsed = cJSON_IsString(d) ? cJSON_Parse(d->valuestring) : NULL;
    const cJSON *dd = parsed ? parsed : d;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(dd, "code");
    char keys[96], codes[24] = "";
    keys_of(dd, keys, sizeof keys);
    if (cJSON_IsNumber(code))
        snprintf(codes, sizeof codes, ":%d", code->valueint);
    /* client events and API events carry names the fuzzer made up: one shape for each kind */
    const char *name = ev->valuestring;
    if (strncmp(name, "client-", 7) == 0)
        name = "client-*";
    else if (strncmp(name, "pusher", 6) != 0)
        name = "*";
    /* 3 + 64 + 23 + 68 + NUL fit NF_SHAPE_MAX: a longer key list is cut, never the name */
    snprintf(out, NF_SHAPE_MAX, "ws:%.64s%s%.68s", name, codes, keys);
    cJSON_Delete(parsed);
    cJSON_Delete(root);
}

void nf_shape_close(int code, char out[NF_SHAPE_MAX])
{
    snprintf(out, NF_SHAPE_MAX, "close:%d", code);
}

void nf_shape_http(int status, const char *body, size_t len, char out[NF_SHAPE_MAX])
{
    cJSON *root = len ? cJSON_ParseWithLength(body, len) : NULL;
    char keys[96];
    keys_of(root, keys, sizeof keys);
    snprintf(out, NF_SHAPE_MAX, "http:%d%s", status, root ? keys : len ? "!json" : "");
    cJSON_Delete(root);
}

const char *nf_shape_malformed(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "event");
    const char *why = NULL;
    if (!cJSON_IsObject(root))
        why = "a server message that is not a JSON object";
    else if (!cJSON_IsString(ev))
        why = "a server message without a string event";
    else {
        const char *e = ev->valuestring;
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
        int free_form = strcmp(e, "pusher:error") == 0 || strcmp(e, "pusher:ping") == 0 ||
                        strcmp(e, "pusher:subscription_error") == 0 ||
                        strcmp(e, "pusher:pong") == 0 || strncmp(e, "client-", 7) == 0;
        if (d && !free_form && !cJSON_IsString(d))
            why = "a server message whose data is not a string (not double-encoded)";
    }
    cJSON_Delete(root);
    return why;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

void nf_seen_free(nf_seen *s)
{
    free(s->h);
    memset(s, 0, sizeof *s);
}

static int grow(nf_seen *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    uint64_t *h = calloc(cap, sizeof *h);
    if (!h)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->h[i]) {
            size_t j = s->h[i] & (cap - 1);
            while (h[j])
                j = (j + 1) & (cap - 1);
            h[j] = s->h[i];
        }
    free(s->h);
    s->h = h;
    s->cap = cap;
    return 0;
}

int nf_seen_add(nf_seen *s, const char *shape)
{
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return -1;
    uint64_t h = fnv(shape);
    size_t j = h & (s->cap - 1);
    while (s->h[j]) {
        if (s->h[j] == h)
            return 0;
        j = (j + 1) & (s->cap - 1);
    }
    s->h[j] = h;
    s->n++;
    return 1;
}
