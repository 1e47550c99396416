/* Baselines (--expect FILE): the verdicts a target is known to get, each with a reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runner.h"

void rc_baseline_free(rc_baseline *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->e[i].id);
        free(b->e[i].reason);
    }
    free(b->e);
    b->e = NULL;
    b->n = 0;
}

int rc_baseline_parse(const char *text, size_t len, rc_baseline *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        snprintf(err, errlen, "baseline is not valid JSON");
        return -1;
    }
    int rc = -1;
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    if (!cJSON_IsObject(cases)) {
        snprintf(err, errlen, "baseline needs an object member \"cases\"");
        goto out;
    }
    size_t n = (size_t)cJSON_GetArraySize(cases);
    out->e = calloc(n ? n : 1, sizeof *out->e);
    if (!out->e) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, cases)
    {
        const char *id = it->string;
        if (!cJSON_IsObject(it)) {
            snprintf(err, errlen, "baseline entry \"%s\" is not an object", id);
            goto out;
        }
        for (size_t i = 0; i < out->n; i++)
            if (strcmp(out->e[i].id, id) == 0) {
                snprintf(err, errlen, "baseline lists \"%s\" twice", id);
                goto out;
            }
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "verdict");
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(it, "reason");
        int vd = cJSON_IsString(v) ? rc_verdict_parse(v->valuestring) : -1;
        if (vd < 0) {
            snprintf(err, errlen,
                     "baseline entry \"%s\": \"verdict\" must be one of PASS, "
                     "NON-STRICT, FAIL, UNSUPPORTED, SKIP, ERROR",
                     id);
            goto out;
        }
        const char *rs = cJSON_IsString(r) ? r->valuestring : NULL;
        while (rs && (*rs == ' ' || *rs == '\t'))
            rs++;
        if (!rs || !*rs) {
            snprintf(err, errlen, "baseline entry \"%s\" needs a non-empty \"reason\"", id);
            goto out;
        }
        rc_base_entry *e = &out->e[out->n];
        e->id = strdup(id);
        e->reason = strdup(r->valuestring);
        e->verdict = (rc_verdict)vd;
        out->n++;
        if (!e->id || !e->reason) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc < 0)
        rc_baseline_free(out);
    return rc;
}

int rc_baseline_load(const char *path, rc_baseline *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open baseline %s", path);
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0)
            break;
    }
    fclose(f);
    char inner[256];
    int rc = rc_baseline_parse(buf ? buf : "", len, out, inner, sizeof inner);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, inner);
    free(buf);
    return rc;
}

rc_verdict rc_baseline_expected(const rc_baseline *b, const char *id, const char **reason)
{
    if (reason)
        *reason = NULL;
    for (size_t i = 0; b && i < b->n; i++)
        if (strcmp(b->e[i].id, id) == 0) {
            if (reason)
                *reason = b->e[i].reason;
            return b->e[i].verdict;
        }
    return RC_PASS;
}
