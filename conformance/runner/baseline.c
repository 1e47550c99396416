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
    for (size_t i = 0; i < b->nx; i++) {
        free(b->x[i].pattern);
        free(b->x[i].reason);
    }
    free(b->x);
    b->x = NULL;
    b->nx = 0;
}

/* A reason of only blanks says nothing about why a deviation is accepted. */
static int blank(const char *s)
{
    while (s && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++;
    return !s || !*s;
}

/* "exclude": {"<id or glob>": "<reason>"}; absent is fine. */
static int parse_exclude(const cJSON *root, rc_baseline *out, char *err, size_t errlen)
{
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(root, "exclude");
    if (!ex)
        return 0;
    if (!cJSON_IsObject(ex)) {
        snprintf(err, errlen, "baseline member \"exclude\" must be an object");
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(ex);
    out->x = calloc(n ? n : 1, sizeof *out->x);
    if (!out->x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, ex)
    {
        const char *pat = it->string;
        if (!pat || !*pat) {
            snprintf(err, errlen, "baseline \"exclude\" has an empty id");
            return -1;
        }
        for (size_t i = 0; i < out->nx; i++)
            if (strcmp(out->x[i].pattern, pat) == 0) {
                snprintf(err, errlen, "baseline excludes \"%s\" twice", pat);
                return -1;
            }
        if (!cJSON_IsString(it) || blank(it->valuestring)) {
            snprintf(err, errlen,
                     "baseline exclusion \"%s\" needs a non-empty reason string as its value", pat);
            return -1;
        }
        rc_base_excl *x = &out->x[out->nx];
        x->pattern = strdup(pat);
        x->reason = strdup(it->valuestring);
        out->nx++;
        if (!x->pattern || !x->reason) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
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
        if (!cJSON_IsString(r) || blank(r->valuestring)) {
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
    if (parse_exclude(root, out, err, errlen) < 0)
        goto out;
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

const char *rc_baseline_excluded(const rc_baseline *b, const char *id)
{
    for (size_t i = 0; b && id && i < b->nx; i++)
        if (rc_glob_match(b->x[i].pattern, id))
            return b->x[i].reason;
    return NULL;
}
