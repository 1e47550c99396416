/* The allow-* switches (core/faults.h) that need more than a line at their call site: each
 * makes the server behave as the contract allows but docs/protocol.md does not choose, so
 * that the suite can show it never FAILs such a server. Reached only with the switch on. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api_int.h"

/* U+FDD0 is a noncharacter no test token uses: an escaped U+0000 is parsed as it and turned
 * back into a NUL byte afterwards, since the strict parser refuses U+0000 itself. */
#define NUL_STANDIN     "\\ufdd0"
#define NUL_STANDIN_UTF "\xef\xb7\x90"

static char *escape_nul(const char *body, size_t len, size_t *outlen)
{
    char *out = malloc(len + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (body[i] == '\\' && i + 1 < len && body[i + 1] != 'u') {
            out[o++] = body[i++];
            out[o++] = body[i];
        } else if (body[i] == '\\' && len - i >= 6 && memcmp(body + i, "\\u0000", 6) == 0) {
            memcpy(out + o, NUL_STANDIN, 6);
            o += 6;
            i += 5;
        } else {
            out[o++] = body[i];
        }
    }
    *outlen = o;
    return out;
}

static void unescape_nul(rh_ctl_tokens *t)
{
    t->total = 0;
    for (size_t k = 0; k < t->n; k++) {
        char *s = t->tokens[k];
        size_t r = 0, w = 0, n = t->lens[k];
        while (r < n) {
            if (n - r >= 3 && memcmp(s + r, NUL_STANDIN_UTF, 3) == 0) {
                s[w++] = '\0';
                r += 3;
            } else {
                s[w++] = s[r++];
            }
        }
        s[w] = '\0';
        t->lens[k] = w;
        t->total += w;
    }
}

int rh_api_parse_tokens_nul(const char *body, size_t len, size_t max, rh_ctl_tokens *t, char *err,
                            size_t errlen)
{
    size_t n = 0;
    char *b = escape_nul(body, len, &n);
    if (!b) {
        memset(t, 0, sizeof *t);
        return RH_CTL_ERR_NOMEM;
    }
    int rc = rh_ctl_parse_tokens(b, n, max, t, err, errlen);
    free(b);
    if (rc == RH_CTL_OK)
        unescape_nul(t);
    return rc;
}

typedef struct shape_ctx {
    rh_http_done done;
    void *ud;
} shape_ctx;

static void shape_done(void *ud, const rh_http_resp *resp)
{
    shape_ctx *x = ud;
    rh_http_resp r = *resp;
    char *text = NULL;
    if (resp->status >= 400) {
        /* {"error": M, "code": N, ...} becomes {"message": M, ...}: other members (a 410's
         * oldest_seq) belong to the feature, not to the error body's shape. */
        cJSON *o = cJSON_ParseWithLength(resp->body, resp->body_len);
        cJSON *msg = cJSON_DetachItemFromObjectCaseSensitive(o, "error");
        cJSON_DeleteItemFromObjectCaseSensitive(o, "code");
        if (cJSON_IsObject(o) && msg && cJSON_AddItemToObject(o, "message", msg)) {
            msg = NULL;
            text = cJSON_PrintUnformatted(o);
        }
        cJSON_Delete(msg);
        cJSON_Delete(o);
        if (text) {
            r.body = text;
            r.body_len = strlen(text);
        }
    }
    x->done(x->ud, &r);
    cJSON_free(text);
    free(x);
}

int rh_api_allow_error_shape(rh_http_done *done, void **ud)
{
    shape_ctx *x = malloc(sizeof *x);
    if (!x)
        return -1;
    *x = (shape_ctx){*done, *ud};
    *done = shape_done;
    *ud = x;
    return 0;
}
