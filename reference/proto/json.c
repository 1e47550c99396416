/* rh_json: strict JSON parsing. Owned by the proto module.
 *
 * A hand-written validator runs first because cJSON is lenient exactly where two readers could
 * disagree (invalid UTF-8, raw control characters, "+1", "01", \u0000 cutting strings); cJSON
 * then builds the tree, and duplicate keys are found on that tree, where escapes are decoded
 * ("a" and "\u0061" are the same key). */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* cJSON copies a number into a 64-byte buffer and silently mis-parses longer ones. */
#define RH_JSON_MAX_NUMBER 63

typedef struct scan {
    const unsigned char *p;
    size_t len;
    size_t i;
    int code;
    char *err;
    size_t errlen;
} scan;

static int fail(scan *s, int code, const char *what)
{
    s->code = code;
    if (s->err && s->errlen)
        snprintf(s->err, s->errlen, "%s at byte %zu", what, s->i);
    return -1;
}

static void skip_ws(scan *s)
{
    while (s->i < s->len) {
        unsigned char c = s->p[s->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        s->i++;
    }
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits after "\u" at s->i; advances past them. */
static int read_u4(scan *s, unsigned *out)
{
    if (s->len - s->i < 4)
        return fail(s, RH_JSON_ERR_SYNTAX, "truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(s->p[s->i + k]);
        if (h < 0)
            return fail(s, RH_JSON_ERR_SYNTAX, "bad \\u escape");
        v = (v << 4) | (unsigned)h;
    }
    s->i += 4;
    *out = v;
    return 0;
}

static int scan_string(scan *s)
{
    s->i++; /* opening quote */
    size_t run = s->i;
    while (s->i < s->len) {
        unsigned char c = s->p[s->i];
        if (c == '"') {
            if (!rh_utf8_valid((const char *)s->p + run, s->i - run))
                return fail(s, RH_JSON_ERR_UTF8, "invalid UTF-8 in string ending");
            s->i++;
            return 0;
        }
        if (c < 0x20)
            return fail(s, RH_JSON_ERR_SYNTAX, "control character in string");
        if (c != '\\') {
            s->i++;
            continue;
        }
        if (!rh_utf8_valid((const char *)s->p + run, s->i - run))
            return fail(s, RH_JSON_ERR_UTF8, "invalid UTF-8 in string before");
        s->i++;
        if (s->i >= s->len)
            break;
        c = s->p[s->i++];
        if (c == 'u') {
            unsigned u;
            if (read_u4(s, &u) < 0)
                return -1;
            if (u == 0)
                return fail(s, RH_JSON_ERR_NUL, "\\u0000 in string");
            if (u >= 0xDC00 && u <= 0xDFFF)
                return fail(s, RH_JSON_ERR_UTF8, "lone low surrogate escape");
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned lo;
                if (s->len - s->i < 2 || s->p[s->i] != '\\' || s->p[s->i + 1] != 'u')
                    return fail(s, RH_JSON_ERR_UTF8, "lone high surrogate escape");
                s->i += 2;
                if (read_u4(s, &lo) < 0)
                    return -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(s, RH_JSON_ERR_UTF8, "high surrogate not followed by low");
            }
        } else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
            s->i--;
            return fail(s, RH_JSON_ERR_SYNTAX, "bad escape");
        }
        run = s->i;
    }
    return fail(s, RH_JSON_ERR_SYNTAX, "unterminated string");
}

static int digits(scan *s)
{
    size_t start = s->i;
    while (s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9')
        s->i++;
    return s->i > start;
}

static int scan_number(scan *s)
{
    size_t start = s->i;
    if (s->p[s->i] == '-')
        s->i++;
    if (s->i < s->len && s->p[s->i] == '0') {
        s->i++;
    } else if (!digits(s)) {
        return fail(s, RH_JSON_ERR_SYNTAX, "bad number");
    }
    if (s->i < s->len && s->p[s->i] == '.') {
        s->i++;
        if (!digits(s))
            return fail(s, RH_JSON_ERR_SYNTAX, "bad number fraction");
    }
    if (s->i < s->len && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
        s->i++;
        if (s->i < s->len && (s->p[s->i] == '+' || s->p[s->i] == '-'))
            s->i++;
        if (!digits(s))
            return fail(s, RH_JSON_ERR_SYNTAX, "bad number exponent");
    }
    if (s->i - start > RH_JSON_MAX_NUMBER)
        return fail(s, RH_JSON_ERR_SYNTAX, "number too long");
    return 0;
}

static int scan_literal(scan *s, const char *lit)
{
    size_t n = strlen(lit);
    if (s->len - s->i < n || memcmp(s->p + s->i, lit, n) != 0)
        return fail(s, RH_JSON_ERR_SYNTAX, "unexpected token");
    s->i += n;
    return 0;
}

static int scan_value(scan *s, int depth);

static int scan_container(scan *s, int depth, unsigned char close)
{
    if (depth > RH_JSON_MAX_DEPTH)
        return fail(s, RH_JSON_ERR_DEPTH, "nesting too deep");
    s->i++;
    skip_ws(s);
    if (s->i < s->len && s->p[s->i] == close) {
        s->i++;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            skip_ws(s);
            if (s->i >= s->len || s->p[s->i] != '"')
                return fail(s, RH_JSON_ERR_SYNTAX, "expected object key");
            if (scan_string(s) < 0)
                return -1;
            skip_ws(s);
            if (s->i >= s->len || s->p[s->i] != ':')
                return fail(s, RH_JSON_ERR_SYNTAX, "expected ':'");
            s->i++;
        }
        if (scan_value(s, depth) < 0)
            return -1;
        skip_ws(s);
        if (s->i >= s->len)
            return fail(s, RH_JSON_ERR_SYNTAX, "unexpected end");
        if (s->p[s->i] == close) {
            s->i++;
            return 0;
        }
        if (s->p[s->i] != ',')
            return fail(s, RH_JSON_ERR_SYNTAX,
                        close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        s->i++;
    }
}

static int scan_value(scan *s, int depth)
{
    skip_ws(s);
    if (s->i >= s->len)
        return fail(s, RH_JSON_ERR_SYNTAX, "unexpected end");
    switch (s->p[s->i]) {
    case '{':
        return scan_container(s, depth + 1, '}');
    case '[':
        return scan_container(s, depth + 1, ']');
    case '"':
        return scan_string(s);
    case 't':
        return scan_literal(s, "true");
    case 'f':
        return scan_literal(s, "false");
    case 'n':
        return scan_literal(s, "null");
    default:
        if (s->p[s->i] == '-' || (s->p[s->i] >= '0' && s->p[s->i] <= '9'))
            return scan_number(s);
        return fail(s, RH_JSON_ERR_SYNTAX, "unexpected character");
    }
}

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Returns 0, RH_JSON_ERR_DUPLICATE (name copied into err) or RH_JSON_ERR_NOMEM. */
static int check_dups(const cJSON *node, char *err, size_t errlen)
{
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
        return 0;
    size_t n = 0;
    for (const cJSON *c = node->child; c; c = c->next) {
        int rc = check_dups(c, err, errlen);
        if (rc)
            return rc;
        n++;
    }
    if (!cJSON_IsObject(node) || n < 2)
        return 0;
    const cJSON *stackv[16];
    const cJSON **v = n <= 16 ? stackv : malloc(n * sizeof(*v));
    if (!v)
        return RH_JSON_ERR_NOMEM;
    size_t k = 0;
    for (const cJSON *c = node->child; c; c = c->next)
        v[k++] = c;
    qsort(v, n, sizeof(*v), cmp_keys);
    int rc = 0;
    for (k = 1; k < n; k++) {
        if (strcmp(v[k - 1]->string, v[k]->string) == 0) {
            if (err && errlen)
                snprintf(err, errlen, "duplicate key \"%.64s\"", v[k]->string);
            rc = RH_JSON_ERR_DUPLICATE;
            break;
        }
    }
    if (v != stackv)
        free(v);
    return rc;
}

static void set_err(int *errcode, int code)
{
    if (errcode)
        *errcode = code;
}

cJSON *rh_json_parse(const char *buf, size_t len, int *errcode, char *err, size_t errlen)
{
    scan s = {.p = (const unsigned char *)buf, .len = len, .err = err, .errlen = errlen};
    if (err && errlen)
        err[0] = '\0';
    if (!buf)
        s.len = 0;
    if (scan_value(&s, 0) < 0) {
        set_err(errcode, s.code);
        return NULL;
    }
    skip_ws(&s);
    if (s.i != s.len) {
        fail(&s, RH_JSON_ERR_SYNTAX, "trailing data");
        set_err(errcode, s.code);
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength(buf, len);
    if (!root) {
        /* The validator accepted it, so cJSON can only have run out of memory. */
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        set_err(errcode, RH_JSON_ERR_NOMEM);
        return NULL;
    }
    int rc = check_dups(root, err, errlen);
    if (rc) {
        if (rc == RH_JSON_ERR_NOMEM && err && errlen)
            snprintf(err, errlen, "out of memory");
        cJSON_Delete(root);
        set_err(errcode, rc);
        return NULL;
    }
    set_err(errcode, RH_JSON_OK);
    return root;
}

const char *rh_json_str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

const char *rh_json_strerror(int code)
{
    switch (code) {
    case RH_JSON_OK:
        return "ok";
    case RH_JSON_ERR_SYNTAX:
        return "invalid JSON";
    case RH_JSON_ERR_UTF8:
        return "invalid UTF-8";
    case RH_JSON_ERR_DUPLICATE:
        return "duplicate key";
    case RH_JSON_ERR_NUL:
        return "\\u0000 in string";
    case RH_JSON_ERR_DEPTH:
        return "nesting too deep";
    case RH_JSON_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown JSON error";
    }
}
