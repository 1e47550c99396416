/* rh_httpsig: Pusher HTTP API signatures. Owned by the proto module. */
#include "httpsig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

/* Parses raw_query and lower-cases its keys; keys equal after lower-casing are a duplicate. */
static int parse_lower(const char *raw_query, rh_form *f)
{
    const char *q = raw_query ? raw_query : "";
    int rc = rh_form_parse(q, strlen(q), f);
    if (rc == RH_FORM_ERR_NOMEM)
        return RH_HTTPSIG_ERR_NOMEM;
    if (rc != RH_FORM_OK)
        return RH_HTTPSIG_ERR_MALFORMED;
    for (size_t i = 0; i < f->n; i++)
        for (char *k = f->params[i].key; *k; k++)
            *k = (char)tolower((unsigned char)*k);
    for (size_t i = 0; i < f->n; i++)
        for (size_t j = i + 1; j < f->n; j++)
            if (strcmp(f->params[i].key, f->params[j].key) == 0) {
                rh_form_free(f);
                return RH_HTTPSIG_ERR_MALFORMED;
            }
    return RH_HTTPSIG_OK;
}

static int cmp_param(const void *a, const void *b)
{
    const rh_form_param *x = a, *y = b;
    return strcmp(x->key, y->key);
}

static char *canonical_of(rh_form *f)
{
    if (f->n > 1)
        qsort(f->params, f->n, sizeof(*f->params), cmp_param);
    size_t total = 1;
    for (size_t i = 0; i < f->n; i++)
        total += strlen(f->params[i].key) + strlen(f->params[i].value) + 2;
    char *out = malloc(total);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->params[i].key, "auth_signature") == 0)
            continue;
        size_t lk = strlen(f->params[i].key), lv = strlen(f->params[i].value);
        if (o)
            out[o++] = '&';
        memcpy(out + o, f->params[i].key, lk);
        o += lk;
        out[o++] = '=';
        memcpy(out + o, f->params[i].value, lv);
        o += lv;
    }
    out[o] = '\0';
    return out;
}

char *rh_httpsig_canonical_query(const char *raw_query, int *errcode)
{
    rh_form f;
    int rc = parse_lower(raw_query, &f);
    char *out = NULL;
    if (rc == RH_HTTPSIG_OK) {
        out = canonical_of(&f);
        if (!out)
            rc = RH_HTTPSIG_ERR_NOMEM;
        rh_form_free(&f);
    }
    if (errcode)
        *errcode = rc;
    return out;
}

/* METHOD "\n" PATH "\n" CANONICAL, heap. */
static char *string_to_sign(const char *method, const char *path, const char *canon)
{
    size_t lm = strlen(method), lp = strlen(path), lc = strlen(canon);
    char *s = malloc(lm + lp + lc + 3);
    if (!s)
        return NULL;
    for (size_t i = 0; i < lm; i++)
        s[i] = (char)toupper((unsigned char)method[i]);
    s[lm] = '\n';
    memcpy(s + lm + 1, path, lp);
    s[lm + 1 + lp] = '\n';
    memcpy(s + lm + lp + 2, canon, lc + 1);
    return s;
}

static int sign_canon(const char *secret, const char *method, const char *path, const char *canon,
                      char out[RH_SIGN_HEX], char **sts_out)
{
    char *sts = string_to_sign(method, path, canon);
    if (!sts)
        return RH_HTTPSIG_ERR_NOMEM;
    rh_sign_hmac_hex(secret, sts, strlen(sts), out);
    if (sts_out)
        *sts_out = sts;
    else
        free(sts);
    return out[0] ? RH_HTTPSIG_OK : RH_HTTPSIG_ERR_NOMEM;
}

int rh_httpsig_sign(const char *secret, const char *method, const char *path, const char *raw_query,
                    char out[RH_SIGN_HEX])
{
    int rc;
    char *canon = rh_httpsig_canonical_query(raw_query, &rc);
    if (!canon)
        return rc;
    rc = sign_canon(secret, method, path, canon, out, NULL);
    free(canon);
    return rc;
}

char *rh_httpsig_build_query(const char *key, const char *secret, const char *method,
                             const char *path, long timestamp, const char *body, size_t body_len,
                             const char *extra)
{
    char md5[RH_MD5_HEX] = "";
    if (body_len > 0)
        rh_sign_md5_hex(body, body_len, md5);
    const char *ex = extra ? extra : "";
    /* Fixed parts: names and separators (~90), a long (<= 20), MD5 (32), signature (64). */
    size_t need = strlen(key) + strlen(ex) + 256;
    char *q = malloc(need);
    if (!q)
        return NULL;
    int n =
        snprintf(q, need, "auth_key=%s&auth_timestamp=%ld&auth_version=1.0%s%s%s%s", key, timestamp,
                 body_len ? "&body_md5=" : "", body_len ? md5 : "", *ex ? "&" : "", ex);
    char sig[RH_SIGN_HEX];
    if (n < 0 || (size_t)n + 16 + 64 >= need ||
        rh_httpsig_sign(secret, method, path, q, sig) != RH_HTTPSIG_OK) {
        free(q);
        return NULL;
    }
    snprintf(q + n, need - (size_t)n, "&auth_signature=%s", sig);
    return q;
}

static void msg(char *err, size_t errlen, const char *fmt, const char *a)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, a);
}

/* Strict decimal (optional '-'); 0 on success. */
static int parse_long(const char *s, long *out)
{
    const char *p = *s == '-' ? s + 1 : s;
    size_t n = strlen(p);
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return -1;
    errno = 0;
    *out = strtol(s, NULL, 10);
    return errno ? -1 : 0;
}

/* Copies s into out with newlines shown as "\n" so the message stays on one line. */
static void show_sts(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    for (; *s && o + 3 < outlen; s++) {
        if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

static int verify_form(rh_form *f, const char *key, const char *secret, const char *method,
                       const char *path, const char *body, size_t body_len, long now, long window_s,
                       char *err, size_t errlen)
{
    static const char *const required[] = {"auth_key", "auth_timestamp", "auth_version",
                                           "auth_signature"};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!rh_form_get(f, required[i])) {
            msg(err, errlen, "missing query parameter %s", required[i]);
            return RH_HTTPSIG_ERR_MISSING;
        }
    const char *akey = rh_form_get(f, "auth_key");
    if (strcmp(akey, key) != 0) {
        msg(err, errlen, "auth_key \"%.80s\" is not this app's key", akey);
        return RH_HTTPSIG_ERR_KEY;
    }
    const char *ver = rh_form_get(f, "auth_version");
    if (strcmp(ver, "1.0") != 0) {
        msg(err, errlen, "auth_version \"%.40s\" is not supported (expected 1.0)", ver);
        return RH_HTTPSIG_ERR_VERSION;
    }
    const char *ts = rh_form_get(f, "auth_timestamp");
    long t;
    if (parse_long(ts, &t) < 0) {
        msg(err, errlen, "auth_timestamp \"%.40s\" is not an integer", ts);
        return RH_HTTPSIG_ERR_TIMESTAMP;
    }
    if (window_s > 0) {
        long d = now > t ? now - t : t - now;
        if (d > window_s) {
            if (err && errlen)
                snprintf(err, errlen, "auth_timestamp %ld is %ld s from server time (window %ld s)",
                         t, d, window_s);
            return RH_HTTPSIG_ERR_TIMESTAMP;
        }
    }
    const char *bmd5 = rh_form_get(f, "body_md5");
    if (body_len > 0 && !bmd5) {
        msg(err, errlen, "%s", "missing query parameter body_md5 (required with a body)");
        return RH_HTTPSIG_ERR_BODY_MD5;
    }
    if (bmd5) {
        char md5[RH_MD5_HEX];
        rh_sign_md5_hex(body_len ? body : "", body_len, md5);
        if (strlen(bmd5) != 32 || !rh_sign_ct_equal(md5, bmd5, 32)) {
            msg(err, errlen, "body_md5 \"%.40s\" is not the MD5 of the body", bmd5);
            return RH_HTTPSIG_ERR_BODY_MD5;
        }
    }
    char *canon = canonical_of(f);
    if (!canon)
        return RH_HTTPSIG_ERR_NOMEM;
    char sig[RH_SIGN_HEX];
    char *sts = NULL;
    int rc = sign_canon(secret, method, path, canon, sig, &sts);
    free(canon);
    if (rc != RH_HTTPSIG_OK)
        return rc;
    const char *given = rh_form_get(f, "auth_signature");
    if (strlen(given) != 64 || !rh_sign_ct_equal(sig, given, 64)) {
        char shown[256];
        show_sts(sts, shown, sizeof(shown));
        msg(err, errlen, "auth_signature does not match (string to sign: \"%s\")", shown);
        rc = RH_HTTPSIG_ERR_SIGNATURE;
    }
    free(sts);
    return rc;
}

/* protocol §6.1: the request signature: canonical query, body_md5, timestamp window */
int rh_httpsig_verify(const char *key, const char *secret, const char *method, const char *path,
                      const char *raw_query, const char *body, size_t body_len, long now,
                      long window_s, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    rh_form f;
    int rc = parse_lower(raw_query, &f);
    if (rc != RH_HTTPSIG_OK) {
        msg(err, errlen, "%s",
            rc == RH_HTTPSIG_ERR_NOMEM
                ? "out of memory"
                : "query string is malformed (bad escape, NUL or duplicate parameter)");
        return rc;
    }
    rc = verify_form(&f, key, secret, method, path, body, body_len, now, window_s, err, errlen);
    rh_form_free(&f);
    return rc;
}

const char *rh_httpsig_strerror(int code)
{
    switch (code) {
    case RH_HTTPSIG_OK:
        return "ok";
    case RH_HTTPSIG_ERR_MALFORMED:
        return "query string is malformed";
    case RH_HTTPSIG_ERR_MISSING:
        return "a required auth parameter is missing";
    case RH_HTTPSIG_ERR_KEY:
        return "auth_key is not this app's key";
    case RH_HTTPSIG_ERR_VERSION:
        return "auth_version is not 1.0";
    case RH_HTTPSIG_ERR_TIMESTAMP:
        return "auth_timestamp is outside the allowed window";
    case RH_HTTPSIG_ERR_BODY_MD5:
        return "body_md5 is missing or wrong";
    case RH_HTTPSIG_ERR_SIGNATURE:
        return "auth_signature does not match";
    case RH_HTTPSIG_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown signature error";
    }
}
