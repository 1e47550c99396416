/* nf_mut: the framing, Pusher and HTTP layers and the choice of step and layer (mut.h); the
 * JSON layer is mut_json.c. */
#include "mut.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char *const layer_names[] = {"framing", "json", "pusher", "http"};

const char *nf_layer_name(int layer)
{
    return layer >= 0 && layer < NF_L__N ? layer_names[layer] : "?";
}

int nf_mut_framing(nf_rng *r, nf_step *st)
{
    if (st->kind == NF_WS_TEXT) {
        st->kind = NF_WS_FRAME;
        st->fin = 1;
        st->opcode = 1;
        st->masked = 1;
    }
    switch (nf_rng_below(r, 9)) {
    case 0:
        st->opcode = (int)nf_rng_below(r, 16);
        break;
    case 1:
        st->rsv = 1 + (int)nf_rng_below(r, 7);
        break;
    case 2:
        st->fin = 0;
        break;
    case 3:
        st->masked = 0;
        break;
    case 4: {
        static const int forms[] = {7, 16, 64};
        st->len_form = forms[nf_rng_below(r, 3)];
        break;
    }
    case 5: {
        static const uint64_t lens[] = {126, 65535, 65536, 1ull << 31, 1ull << 63, UINT64_MAX};
        st->claim_len = lens[nf_rng_below(r, 6)];
        st->len_form = 64;
        break;
    }
    case 6: { /* a control frame: over 125 bytes half the time */
        st->opcode = 8 + (int)nf_rng_below(r, 3);
        if (nf_rng_below(r, 2) && st->len < 126) {
            char big[200];
            memset(big, 'c', sizeof big);
            if (nf_step_set_text(st, big, sizeof big) < 0)
                return -1;
        }
        break;
    }
    case 7:
        st->opcode = nf_rng_below(r, 2) ? 0 : 2; /* continuation with none started, binary */
        break;
    default:
        st->claim_len = st->len + 1 + nf_rng_below(r, 64); /* longer than what follows */
        break;
    }
    for (int i = 0; i < 4; i++)
        st->mask[i] = (uint8_t)nf_rng_below(r, 256);
    return 0;
}

/* --- pusher ----------------------------------------------------------------------------- */

static const char *const event_names[] = {
    "pusher:subscribe", "pusher:unsubscribe", "pusher:ping",
    "pusher:pong",      "client-fz",          "pusher_internal:subscription_succeeded",
    "pusher:signin",    "pusher:cache_miss",  "client-",
    "pusher:",          "fz-event",           ""};

static cJSON *odd_value(nf_rng *r)
{
    static const char *const raws[] = {"42", "{}", "[]", "null", "true", "[\"a\"]", "\"\"", "-1"};
    return cJSON_CreateRaw(raws[nf_rng_below(r, 8)]);
}

/* A channel name that breaks a rule: too long, bad characters, another prefix. */
static char *odd_channel(nf_rng *r, const char *old)
{
    static const char *const prefixes[] = {
        "private-", "presence-", "private-encrypted-", "#server-to-user-", "private-cache-", ""};
    char buf[512];
    const char *base = old ? old : "fz";
    switch (nf_rng_below(r, 5)) {
    case 0:
    case 1: { /* long: 90..340 bytes, same prefix */
        size_t n = 90 + nf_rng_below(r, 250);
        snprintf(buf, sizeof buf, "%s", base);
        size_t l = strlen(buf);
        while (l < n && l < sizeof buf - 1)
            buf[l++] = 'x';
        buf[l] = '\0';
        break;
    }
    case 2:
        snprintf(buf, sizeof buf, "%s%s", base, nf_rng_below(r, 2) ? " sp" : "\xc3\xa9*");
        break;
    case 3: {
        const char *dash = strrchr(base, '-');
        snprintf(buf, sizeof buf, "%s%s", prefixes[nf_rng_below(r, 6)], dash ? dash + 1 : base);
        break;
    }
    default:
        buf[0] = '\0';
        break;
    }
    return strdup(buf);
}

/* The object holding the channel: data for subscribe/unsubscribe, else the root. */
static cJSON *channel_holder(cJSON *root)
{
    cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
    return cJSON_IsObject(d) && cJSON_GetObjectItemCaseSensitive(d, "channel") ? d : root;
}

static int mut_channel(nf_rng *r, nf_step *st, cJSON *root)
{
    cJSON *h = channel_holder(root);
    cJSON *c = cJSON_GetObjectItemCaseSensitive(h, "channel");
    if (nf_rng_below(r, 3) == 0) { /* not a string at all */
        cJSON_DeleteItemFromObjectCaseSensitive(h, "channel");
        cJSON_AddItemToObject(h, "channel", odd_value(r));
        return 0;
    }
    char *name = odd_channel(r, cJSON_IsString(c) ? c->valuestring : NULL);
    if (!name)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(h, "channel");
    cJSON_AddStringToObject(h, "channel", name);
    if (st->sign_chan) { /* keep the signature valid for the new name */
        free(st->sign_chan);
        st->sign_chan = name;
    } else {
        free(name);
    }
    return 0;
}

static int mut_auth(nf_rng *r, cJSON *root)
{
    static const char *const auths[] = {
        "\"app-key\"", "\"app-key:\"", "\":00\"", "\"\"", "42", "\"other-key:0123456789abcdef\"",
        "null"};
    cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsObject(d))
        return 0;
    cJSON_DeleteItemFromObjectCaseSensitive(d, "auth");
    if (nf_rng_below(r, 5))
        cJSON_AddItemToObject(d, "auth", cJSON_CreateRaw(auths[nf_rng_below(r, 7)]));
    return 0;
}

/* channel_data with user_info or user_id of another type, signed as sent. */
static int mut_channel_data(nf_rng *r, nf_step *st, cJSON *root)
{
    cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
    cJSON *cd = cJSON_IsObject(d) ? cJSON_GetObjectItemCaseSensitive(d, "channel_data") : NULL;
    cJSON *obj = cJSON_IsString(cd) ? cJSON_Parse(cd->valuestring) : NULL;
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return 0;
    }
    const char *key = nf_rng_below(r, 3) ? "user_info" : "user_id";
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (nf_rng_below(r, 6))
        cJSON_AddItemToObject(obj, key, odd_value(r));
    char *text = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (!text)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(d, "channel_data");
    cJSON_AddStringToObject(d, "channel_data", text);
    free(st->sign_data);
    st->sign_data = text;
    return 0;
}

/* data as a string holding JSON, an object, an array, a number. */
static int mut_data(nf_rng *r, cJSON *root)
{
    cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "data");
    cJSON *v = NULL;
    uint32_t op = nf_rng_below(r, 3);
    if (op == 0 && cJSON_IsString(d)) {
        v = cJSON_Parse(d->valuestring);
    } else if (op == 0 && d) {
        char *s = cJSON_PrintUnformatted(d);
        v = s ? cJSON_CreateString(s) : NULL;
        free(s);
    } else if (op == 1) { /* the same data inside an array */
        v = cJSON_CreateArray();
        if (v && d)
            cJSON_AddItemToArray(v, cJSON_Duplicate(d, 1));
    } else {
        v = odd_value(r);
    }
    if (!v)
        v = cJSON_CreateRaw("[1]");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "data");
    cJSON_AddItemToObject(root, "data", v);
    return 0;
}

/* A batch item replaced by null, a scalar or an empty object. */
static int mut_batch(nf_rng *r, cJSON *root)
{
    cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "batch");
    int n = cJSON_IsArray(b) ? cJSON_GetArraySize(b) : 0;
    if (n == 0)
        return 0;
    static const char *const raws[] = {"null", "null", "42", "{}", "[]", "\"x\""};
    cJSON_ReplaceItemInArray(b, (int)nf_rng_below(r, (uint32_t)n),
                             cJSON_CreateRaw(raws[nf_rng_below(r, 6)]));
    return 0;
}

int nf_mut_pusher(nf_rng *r, nf_step *st)
{
    cJSON *root = st->text ? cJSON_ParseWithLength(st->text, st->len) : NULL;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return 0;
    }
    int rc = 0;
    const char *evkey = st->kind == NF_HTTP ? "name" : "event";
    int has_batch = cJSON_GetObjectItemCaseSensitive(root, "batch") != NULL;
    int has_cd = st->sign_data != NULL;
    /* channel_data is where presence servers parse the most: a third of the changes */
    uint32_t op = has_cd && nf_rng_below(r, 3) == 0 ? 5 : nf_rng_below(r, has_batch ? 2 : 5);
    switch (op) {
    case 0:
        if (has_batch) {
            rc = mut_batch(r, root);
            break;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(root, evkey);
        cJSON_AddStringToObject(
            root, evkey, event_names[nf_rng_below(r, sizeof event_names / sizeof *event_names)]);
        break;
    case 1:
        rc = has_batch ? mut_batch(r, root) : mut_channel(r, st, root);
        break;
    case 2:
        rc = mut_auth(r, root);
        break;
    case 3:
    case 4:
        rc = mut_data(r, root);
        break;
    default:
        rc = mut_channel_data(r, st, root);
        break;
    }
    char *s = rc == 0 ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!s)
        return -1;
    free(st->text);
    st->text = s;
    st->len = strlen(s);
    return 0;
}
