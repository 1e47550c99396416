/* The "lst" bus message (see buslst.h). */
#include "buslst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

void rh_buslst_head(rh_busmsg *m, const char *app_id, const char *node_id, const char *socket_id,
                    const char *channel, unsigned long long list_id)
{
    char id[24];
    snprintf(id, sizeof id, "%llu", list_id);
    rh_busmsg_add_str(m, "lst");
    rh_busmsg_add_str(m, app_id);
    rh_busmsg_add_str(m, node_id);
    rh_busmsg_add_str(m, socket_id);
    rh_busmsg_add_str(m, channel);
    rh_busmsg_add_str(m, id);
}

int rh_buslst_parse(const rh_busfield *f, long n, rh_buslst *out)
{
    memset(out, 0, sizeof *out);
    if (n < 7 || (n - 7) % 2 != 0 || !rh_busfield_is(&f[0], "lst") ||
        rh_busfield_u64(&f[5], &out->id) != 0)
        return -1;
    out->refused = rh_busfield_is(&f[6], "0");
    if ((!out->refused && !rh_busfield_is(&f[6], "1")) || (out->refused && n > 7))
        return -1;
    for (long i = 7; i < n; i += 2)
        if (!f[i].len || memchr(f[i].s, '\0', f[i].len))
            return -1;
    out->app = f[1];
    out->node = f[2];
    out->socket = f[3];
    out->channel = f[4];
    out->members = f + 7;
    out->n = (size_t)(n - 7) / 2;
    return 0;
}

/* Adds one member; 0, or -1 out of memory. A repeated user_id is skipped. */
static int add_member(cJSON *ids, cJSON *hash, const rh_busfield *uid, const rh_busfield *info)
{
    char *id = malloc(uid->len + 1);
    if (!id)
        return -1;
    memcpy(id, uid->s, uid->len);
    id[uid->len] = '\0';
    int rc = 0;
    if (!cJSON_GetObjectItemCaseSensitive(hash, id)) {
        cJSON *v = info->len ? cJSON_ParseWithLength(info->s, info->len) : NULL;
        if (!v)
            v = cJSON_CreateNull();
        cJSON *s = cJSON_CreateString(id);
        if (!s || !cJSON_AddItemToArray(ids, s)) {
            cJSON_Delete(s);
            rc = -1;
        }
        /* adding copies the key: it can fail, and the item is then still ours */
        if (rc || !v || !cJSON_AddItemToObject(hash, id, v)) {
            cJSON_Delete(v);
            rc = -1;
        }
    }
    free(id);
    return rc;
}

char *rh_buslst_presence_json(const rh_buslst *l)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *pres = root ? cJSON_AddObjectToObject(root, "presence") : NULL;
    cJSON *ids = pres ? cJSON_AddArrayToObject(pres, "ids") : NULL;
    cJSON *hash = pres ? cJSON_AddObjectToObject(pres, "hash") : NULL;
    char *out = NULL;
    if (!ids || !hash)
        goto done;
    for (size_t i = 0; i < l->n; i++)
        if (add_member(ids, hash, &l->members[2 * i], &l->members[2 * i + 1]) != 0)
            goto done;
    if (cJSON_AddNumberToObject(pres, "count", (double)cJSON_GetArraySize(ids)))
        out = cJSON_PrintUnformatted(root);
done:
    cJSON_Delete(root);
    return out;
}
