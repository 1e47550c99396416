/* rh_form: urlencoded forms and query strings. Owned by the proto module. */
#include "form.h"

#include <stdlib.h>
#include <string.h>

int rh_form_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..len) into out (room for len + 1); returns the decoded length or an error. */
static long decode(const char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (len - i < 3)
                return RH_FORM_ERR_ESCAPE;
            int h = rh_form_hexval(s[i + 1]), l = rh_form_hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return RH_FORM_ERR_ESCAPE;
            c = (char)(h * 16 + l);
            i += 2;
        }
        if (c == '\0')
            return RH_FORM_ERR_NUL;
        out[o++] = c;
    }
    out[o] = '\0';
    return (long)o;
}

int rh_form_parse(const char *s, size_t len, rh_form *out)
{
    out->params = NULL;
    out->n = 0;
    if (!s || len == 0)
        return RH_FORM_OK;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '&')
            cap++;
    if (cap > RH_FORM_MAX_PARAMS) {
        /* Empty segments ("a&&b") do not count; recount only when the cheap bound fails. */
        size_t real = 0;
        for (size_t i = 0; i < len; i++)
            if (s[i] != '&' && (i == 0 || s[i - 1] == '&'))
                real++;
        if (real > RH_FORM_MAX_PARAMS)
            return RH_FORM_ERR_TOO_MANY;
        cap = real;
    }
    out->params = calloc(cap ? cap : 1, sizeof(*out->params));
    if (!out->params)
        return RH_FORM_ERR_NOMEM;
    int rc = RH_FORM_OK;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && s[end] != '&')
            end++;
        if (end == i) {
            i++;
            continue;
        }
        const char *eq = memchr(s + i, '=', end - i);
        size_t klen = eq ? (size_t)(eq - (s + i)) : end - i;
        size_t vlen = eq ? (size_t)(s + end - eq - 1) : 0;
        /* One block per param: "key\0value\0". */
        char *blk = malloc(klen + vlen + 2);
        if (!blk) {
            rc = RH_FORM_ERR_NOMEM;
            break;
        }
        long kd = decode(s + i, klen, blk);
        long vd = kd < 0 ? kd : decode(eq ? eq + 1 : "", vlen, blk + kd + 1);
        if (kd < 0 || vd < 0) {
            free(blk);
            rc = (int)(kd < 0 ? kd : vd);
            break;
        }
        if (rh_form_get(out, blk)) {
            free(blk);
            rc = RH_FORM_ERR_DUPLICATE;
            break;
        }
        out->params[out->n].key = blk;
        out->params[out->n].value = blk + kd + 1;
        out->n++;
        i = end + 1;
    }
    if (rc != RH_FORM_OK)
        rh_form_free(out);
    return rc;
}

const char *rh_form_get(const rh_form *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->params[i].key, key) == 0)
            return f->params[i].value;
    return NULL;
}

void rh_form_free(rh_form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->params[i].key);
    free(f->params);
    f->params = NULL;
    f->n = 0;
}

const char *rh_form_strerror(int code)
{
    switch (code) {
    case RH_FORM_OK:
        return "ok";
    case RH_FORM_ERR_ESCAPE:
        return "malformed percent escape";
    case RH_FORM_ERR_NUL:
        return "%00 (NUL) in a parameter";
    case RH_FORM_ERR_TOO_MANY:
        return "too many parameters";
    case RH_FORM_ERR_NOMEM:
        return "out of memory";
    case RH_FORM_ERR_DUPLICATE:
        return "duplicate parameter";
    default:
        return "unknown form error";
    }
}
