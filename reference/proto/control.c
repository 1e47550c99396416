/* rh_ctl: control API request bodies. Owned by the proto module. */
#include "control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

static void put_err(char *err, size_t errlen, const char *m)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", m);
}

/* Parses body as a JSON object; on failure sets *rc and the message. */
static cJSON *parse_object(const char *body, size_t len, int *rc, char *err, size_t errlen)
{
    int jcode;
    char jerr[128];
    cJSON *root = rh_json_parse(body, len, &jcode, jerr, sizeof(jerr));
    if (!root) {
        if (err && errlen)
            snprintf(err, errlen, "body is not valid JSON: %s", jerr);
        *rc = jcode == RH_JSON_ERR_UTF8    ? RH_CTL_ERR_UTF8
              : jcode == RH_JSON_ERR_NOMEM ? RH_CTL_ERR_NOMEM
                                           : RH_CTL_ERR_JSON;
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        put_err(err, errlen, "body must be a JSON object");
        cJSON_Delete(root);
        *rc = RH_CTL_ERR_JSON;
        return NULL;
    }
    return root;
}

static int is_blank(const char *body, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
            return 0;
    return 1;
}

int rh_ctl_parse_start(const char *body, size_t len, rh_ctl_start *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    int rc = RH_CTL_OK;
    cJSON *root = parse_object(body, len, &rc, err, errlen);
    if (!root)
        return rc;
    static const char *const names[] = {"workspace_id", "thread_id", "run_id", "stream_id"};
    char *dst[] = {out->workspace_id, out->thread_id, out->run_id, out->stream_id};
    for (int i = 0; i < 4; i++) {
        const char *v = rh_json_str(root, names[i]);
        if (!v) {
            if (err && errlen)
                snprintf(err, errlen, "\"%s\" is missing or not a string", names[i]);
            rc = RH_CTL_ERR_FIELD;
            break;
        }
        size_t n = strlen(v);
        if (!rh_chan_valid_id(v, n)) {
            if (err && errlen)
                snprintf(err, errlen, "\"%s\" must match [A-Za-z0-9_-]{1,64}", names[i]);
            rc = RH_CTL_ERR_ID;
            break;
        }
        memcpy(dst[i], v, n + 1);
    }
    cJSON_Delete(root);
    if (rc != RH_CTL_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

void rh_ctl_tokens_clear(rh_ctl_tokens *t)
{
    if (!t)
        return;
    if (t->tokens)
        for (size_t i = 0; i < t->n; i++)
            free(t->tokens[i]);
    free(t->tokens);
    free(t->lens);
    memset(t, 0, sizeof(*t));
}

/* Appends one token; 0 or a negative rh_ctl_err. */
static int add_token(rh_ctl_tokens *t, const cJSON *it, size_t idx, size_t max_bytes, char *err,
                     size_t errlen)
{
    if (!cJSON_IsString(it)) {
        if (err && errlen)
            snprintf(err, errlen, "tokens[%zu] is not a string", idx);
        return RH_CTL_ERR_FIELD;
    }
    size_t n = strlen(it->valuestring);
    if (!rh_utf8_valid(it->valuestring, n)) {
        if (err && errlen)
            snprintf(err, errlen, "token %zu is not valid UTF-8", idx);
        return RH_CTL_ERR_UTF8;
    }
    if (n > max_bytes || t->total + n > max_bytes) {
        if (err && errlen)
            snprintf(err, errlen, "tokens total more than %zu bytes", max_bytes);
        return RH_CTL_ERR_TOO_LARGE;
    }
    char *copy = malloc(n + 1);
    if (!copy) {
        put_err(err, errlen, "out of memory");
        return RH_CTL_ERR_NOMEM;
    }
    memcpy(copy, it->valuestring, n + 1);
    t->tokens[t->n] = copy;
    t->lens[t->n] = n;
    t->n++;
    t->total += n;
    return RH_CTL_OK;
}

int rh_ctl_parse_tokens(const char *body, size_t len, size_t max_bytes, rh_ctl_tokens *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    int rc = RH_CTL_OK;
    cJSON *root = parse_object(body, len, &rc, err, errlen);
    if (!root)
        return rc;
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(root, "token");
    const cJSON *many = cJSON_GetObjectItemCaseSensitive(root, "tokens");
    size_t n = 0;
    if (one && many) {
        put_err(err, errlen, "give either \"token\" or \"tokens\", not both");
        rc = RH_CTL_ERR_FIELD;
    } else if (!one && !many) {
        put_err(err, errlen, "\"token\" (string) or \"tokens\" (array of strings) is required");
        rc = RH_CTL_ERR_FIELD;
    } else if (one && !cJSON_IsString(one)) {
        put_err(err, errlen, "\"token\" must be a string");
        rc = RH_CTL_ERR_FIELD;
    } else if (many && !cJSON_IsArray(many)) {
        put_err(err, errlen, "\"tokens\" must be an array of strings");
        rc = RH_CTL_ERR_FIELD;
    } else {
        n = one ? 1 : (size_t)cJSON_GetArraySize(many);
        if (n == 0) {
            put_err(err, errlen, "\"tokens\" is empty (at least one token is required)");
            rc = RH_CTL_ERR_FIELD;
        } else if (n > RH_CTL_MAX_TOKENS) {
            if (err && errlen)
                snprintf(err, errlen, "%zu tokens in one request (at most %d)", n,
                         RH_CTL_MAX_TOKENS);
            rc = RH_CTL_ERR_TOO_LARGE;
        }
    }
    if (rc == RH_CTL_OK) {
        out->tokens = calloc(n, sizeof(*out->tokens));
        out->lens = calloc(n, sizeof(*out->lens));
        if (!out->tokens || !out->lens) {
            put_err(err, errlen, "out of memory");
            rc = RH_CTL_ERR_NOMEM;
        } else if (one) {
            rc = add_token(out, one, 0, max_bytes, err, errlen);
        } else {
            size_t i = 0;
            for (const cJSON *it = many->child; it && rc == RH_CTL_OK; it = it->next, i++)
                rc = add_token(out, it, i, max_bytes, err, errlen);
        }
    }
    cJSON_Delete(root);
    if (rc != RH_CTL_OK)
        rh_ctl_tokens_clear(out);
    return rc;
}

int rh_ctl_parse_end(const char *body, size_t len, rh_end_reason *out, char *err, size_t errlen)
{
    *out = RH_END_COMPLETED;
    if (!body || is_blank(body, len))
        return RH_CTL_OK;
    int rc = RH_CTL_OK;
    cJSON *root = parse_object(body, len, &rc, err, errlen);
    if (!root)
        return rc;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "reason");
    if (r && !cJSON_IsString(r)) {
        put_err(err, errlen, "\"reason\" must be a string");
        rc = RH_CTL_ERR_FIELD;
    } else if (r && rh_ctl_reason_parse(r->valuestring, out) != 0) {
        if (err && errlen)
            snprintf(err, errlen,
                     "unknown reason \"%.64s\" (expected completed, cancelled or failed)",
                     r->valuestring);
        rc = RH_CTL_ERR_REASON;
        *out = RH_END_COMPLETED;
    }
    cJSON_Delete(root);
    return rc;
}

/* protocol §19.1: a membership change names the user and what it becomes */
int rh_ctl_parse_member(const char *body, size_t len, char user_id[RH_CTL_USER_MAX + 1],
                        int *member, char *err, size_t errlen)
{
    int rc = RH_CTL_OK;
    cJSON *root = parse_object(body ? body : "", body ? len : 0, &rc, err, errlen);
    if (!root)
        return rc;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "user_id");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "member");
    size_t n = cJSON_IsString(u) ? strlen(u->valuestring) : 0;
    int printable = n > 0 && n <= RH_CTL_USER_MAX;
    for (size_t i = 0; printable && i < n; i++)
        printable = u->valuestring[i] > ' ' && u->valuestring[i] < 0x7f;
    if (!cJSON_IsBool(m)) {
        put_err(err, errlen, "\"member\" must be true or false");
        rc = RH_CTL_ERR_FIELD;
    } else if (!printable) {
        put_err(err, errlen, "\"user_id\" must be 1 to 128 printable ASCII characters");
        rc = RH_CTL_ERR_ID;
    } else {
        memcpy(user_id, u->valuestring, n + 1);
        *member = cJSON_IsTrue(m);
    }
    cJSON_Delete(root);
    return rc;
}

const char *rh_ctl_reason_name(rh_end_reason r)
{
    switch (r) {
    case RH_END_COMPLETED:
        return "completed";
    case RH_END_CANCELLED:
        return "cancelled";
    case RH_END_FAILED:
        return "failed";
    default:
        return "unknown";
    }
}

int rh_ctl_reason_parse(const char *s, rh_end_reason *out)
{
    if (!s)
        return -1;
    for (int r = RH_END_COMPLETED; r <= RH_END_FAILED; r++)
        if (strcmp(s, rh_ctl_reason_name((rh_end_reason)r)) == 0) {
            *out = (rh_end_reason)r;
            return 0;
        }
    return -1;
}

const char *rh_ctl_strerror(int code)
{
    switch (code) {
    case RH_CTL_OK:
        return "ok";
    case RH_CTL_ERR_JSON:
        return "body is not a JSON object";
    case RH_CTL_ERR_FIELD:
        return "field missing or of the wrong type";
    case RH_CTL_ERR_ID:
        return "id must match [A-Za-z0-9_-]{1,64}";
    case RH_CTL_ERR_UTF8:
        return "invalid UTF-8";
    case RH_CTL_ERR_TOO_LARGE:
        return "over the size limit";
    case RH_CTL_ERR_REASON:
        return "unknown end reason";
    case RH_CTL_ERR_NOMEM:
        return "out of memory";
    default:
        return "unknown control error";
    }
}
