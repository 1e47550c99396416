/* rh_pres: presence channel_data. Owned by the proto module. */
#include "presence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Largest integer a double holds exactly; beyond it "decimal" would be a rounding. */
#define EXACT_INT 9007199254740992.0

static int fail(char *err, size_t errlen, const char *m)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", m);
    return -1;
}

void rh_pres_clear(rh_pres_member *m)
{
    if (!m)
        return;
    free(m->user_id);
    free(m->user_info);
    m->user_id = NULL;
    m->user_info = NULL;
}

static char *user_id_text(const cJSON *id, char *err, size_t errlen)
{
    if (cJSON_IsString(id)) {
        if (id->valuestring[0] == '\0') {
            fail(err, errlen, "channel_data.user_id is empty");
            return NULL;
        }
        if (strlen(id->valuestring) > RH_PRES_USER_ID_MAX) {
            fail(err, errlen, "channel_data.user_id is over 128 bytes");
            return NULL;
        }
        char *s = strdup(id->valuestring);
        if (!s)
            fail(err, errlen, "out of memory");
        return s;
    }
    if (cJSON_IsNumber(id)) {
        double v = id->valuedouble;
        /* Range first: the cast is only defined for values that fit. NaN fails both tests. */
        if (!(v >= -EXACT_INT && v <= EXACT_INT) || v != (double)(long long)v) {
            fail(err, errlen, "channel_data.user_id number must be an integer of at most 2^53");
            return NULL;
        }
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
        char *s = strdup(tmp);
        if (!s)
            fail(err, errlen, "out of memory");
        return s;
    }
    fail(err, errlen,
         id ? "channel_data.user_id must be a string or a number"
            : "channel_data.user_id is missing");
    return NULL;
}

int rh_pres_parse(const char *channel_data, size_t len, rh_pres_member *out, char *err,
                  size_t errlen)
{
    out->user_id = NULL;
    out->user_info = NULL;
    if (!channel_data || len == 0)
        return fail(err, errlen, "channel_data is missing (required on presence channels)");
    int jcode;
    char jerr[128];
    cJSON *root = rh_json_parse(channel_data, len, &jcode, jerr, sizeof(jerr));
    if (!root) {
        if (err && errlen)
            snprintf(err, errlen, "channel_data is not valid JSON: %s", jerr);
        return -1;
    }
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = fail(err, errlen, "channel_data must be a JSON object");
        goto done;
    }
    out->user_id = user_id_text(cJSON_GetObjectItemCaseSensitive(root, "user_id"), err, errlen);
    if (!out->user_id) {
        rc = -1;
        goto done;
    }
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(root, "user_info");
    if (info && !cJSON_IsNull(info)) {
        out->user_info = cJSON_PrintUnformatted(info);
        if (!out->user_info) {
            rc = fail(err, errlen, "out of memory");
        } else if (strlen(out->user_info) > RH_PRES_USER_INFO_MAX) {
            rc = fail(err, errlen, "channel_data.user_info is over 1024 bytes");
        }
    }
done:
    cJSON_Delete(root);
    if (rc)
        rh_pres_clear(out);
    return rc;
}

void rh_pres_list_init(rh_pres_list *l)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *pres = root ? cJSON_AddObjectToObject(root, "presence") : NULL;
    l->root = root;
    l->ids = pres ? cJSON_AddArrayToObject(pres, "ids") : NULL;
    l->hash = pres ? cJSON_AddObjectToObject(pres, "hash") : NULL;
    l->failed = !l->ids || !l->hash;
}

void rh_pres_list_add(rh_pres_list *l, const char *user_id, size_t id_len, const char *info,
                      size_t info_len)
{
    char *id = l->failed ? NULL : malloc(id_len + 1);
    if (!id) {
        l->failed = 1;
        return;
    }
    memcpy(id, user_id, id_len);
    id[id_len] = '\0';
    if (!cJSON_GetObjectItemCaseSensitive(l->hash, id)) {
        cJSON *v = info && info_len ? cJSON_ParseWithLength(info, info_len) : NULL;
        if (!v)
            v = cJSON_CreateNull();
        cJSON *s = cJSON_CreateString(id);
        if (!s || !cJSON_AddItemToArray(l->ids, s)) {
            cJSON_Delete(s);
            l->failed = 1;
        }
        /* adding copies the key: it can fail, and the item is then still ours */
        if (l->failed || !v || !cJSON_AddItemToObject(l->hash, id, v)) {
            cJSON_Delete(v);
            l->failed = 1;
        }
    }
    free(id);
}

char *rh_pres_list_finish(rh_pres_list *l)
{
    cJSON *pres = l->root ? cJSON_GetObjectItemCaseSensitive(l->root, "presence") : NULL;
    char *out = NULL;
    if (!l->failed && pres &&
        cJSON_AddNumberToObject(pres, "count", (double)cJSON_GetArraySize(l->ids)))
        out = cJSON_PrintUnformatted(l->root);
    cJSON_Delete(l->root);
    memset(l, 0, sizeof *l);
    return out;
}
