/* rc_pp: the producer-driver protocol. See proto.h and docs/producer-driver.md. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/form.h"
#include "proto/httpsig.h"
#include "proto/utf8.h"

static int str_ok(const cJSON *v)
{
    return cJSON_IsString(v) && rh_utf8_valid(v->valuestring, strlen(v->valuestring));
}

/* The body as a JSON object whose members are exactly among names and strings (or, for
 * "tokens", an array of strings). NULL when it is anything else. */
static cJSON *body_object(const char *body, size_t len, const char *const *names)
{
    if (!body || !len)
        return cJSON_CreateObject();
    if (memchr(body, 0, len) || strcasestr(body, "\\u0000"))
        return NULL; /* cJSON strings end at U+0000: it could not be passed on exactly */
    cJSON *o = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(o))
        goto bad;
    for (const cJSON *m = o->child; m; m = m->next) {
        int known = 0;
        for (const char *const *n = names; *n; n++)
            known |= !strcmp(m->string, *n);
        if (!known)
            goto bad;
        if (!strcmp(m->string, "tokens")) {
            if (!cJSON_IsArray(m))
                goto bad;
            for (const cJSON *t = m->child; t; t = t->next)
                if (!str_ok(t))
                    goto bad;
        } else if (!str_ok(m)) {
            goto bad;
        }
    }
    return o;
bad:
    cJSON_Delete(o);
    return NULL;
}

/* Percent-decoded path segment [s, s+n) into out. 0, -1 when it cannot be passed on. */
static int segment(const char *s, size_t n, char *out, size_t outlen)
{
    rh_form f;
    char *q = malloc(n + 3);
    int rv = -1;
    if (!q || n == 0 || memchr(s, '+', n))
        goto out;
    memcpy(q, "x=", 2);
    memcpy(q + 2, s, n);
    q[n + 2] = 0;
    if (rh_form_parse(q, n + 2, &f) != RH_FORM_OK)
        goto out;
    const char *v = rh_form_get(&f, "x");
    if (v && strlen(v) < outlen && rh_utf8_valid(v, strlen(v))) {
        snprintf(out, outlen, "%s", v);
        rv = 0;
    }
    rh_form_free(&f);
out:
    free(q);
    return rv;
}

/* The replay query without the signature's parameters, as an object of strings. */
static cJSON *replay_query(const char *q)
{
    rh_form f;
    cJSON *o;
    if (rh_form_parse(q, strlen(q), &f) != RH_FORM_OK)
        return NULL;
    o = cJSON_CreateObject();
    for (size_t i = 0; o && i < f.n; i++) {
        const char *k = f.params[i].key;
        if (strncmp(k, "auth_", 5) != 0 && strcmp(k, "body_md5") != 0)
            cJSON_AddStringToObject(o, k, f.params[i].value);
    }
    rh_form_free(&f);
    return o;
}

static cJSON *op_for(const char *method, const char *rest, const char *query, const char *body,
                     size_t blen)
{
    static const char *const start_f[] = {"workspace_id", "thread_id", "run_id", "stream_id", 0};
    static const char *const tok_f[] = {"token", "tokens", 0};
    static const char *const end_f[] = {"reason", 0};
    static const char *const none_f[] = {0};
    char sid[512];
    const char *slash, *tail;
    cJSON *b = NULL;
    int post = !strcmp(method, "POST"), get = !strcmp(method, "GET");

    if (!*rest) {
        if (!post || !(b = body_object(body, blen, start_f)))
            return NULL;
        cJSON_AddStringToObject(b, "op", "start");
        return b;
    }
    if (rest[0] != '/')
        return NULL;
    slash = strchr(rest + 1, '/');
    tail = slash ? slash : rest + strlen(rest);
    if (segment(rest + 1, (size_t)(tail - rest - 1), sid, sizeof sid) < 0)
        return NULL;
    if (!*tail && get)
        b = body_object(body, blen, none_f);
    else if (!strcmp(tail, "/tokens") && post)
        b = body_object(body, blen, tok_f);
    else if (!strcmp(tail, "/tokens") && get)
        b = body_object(body, blen, none_f);
    else if (!strcmp(tail, "/end") && post)
        b = body_object(body, blen, end_f);
    if (!b)
        return NULL;
    if (!strcmp(tail, "/tokens") && post &&
        (cJSON_GetObjectItem(b, "token") != NULL) == (cJSON_GetObjectItem(b, "tokens") != NULL)) {
        cJSON_Delete(b); /* exactly one of token and tokens */
        return NULL;
    }
    const char *name = !*tail                  ? "state"
                       : !strcmp(tail, "/end") ? "end"
                       : post                  ? "append"
                                               : "replay";
    cJSON_AddStringToObject(b, "op", name);
    cJSON_AddStringToObject(b, "stream_id", sid);
    if (!strcmp(name, "replay")) {
        cJSON *q = replay_query(query);
        if (!q) {
            cJSON_Delete(b);
            return NULL;
        }
        cJSON_AddItemToObject(b, "query", q);
    }
    return b;
}

int rc_pp_translate(const char *app_id, const char *key, const char *secret, long now,
                    const char *method, const char *pq, const char *body, size_t blen, cJSON **op)
{
    char pre[200], path[1024], err[128];
    size_t plen = strcspn(pq, "?");
    const char *query = pq[plen] ? pq + plen + 1 : "";
    int n = snprintf(pre, sizeof pre, "/apps/%s/streams", app_id);
    *op = NULL;
    if (n <= 0 || (size_t)n >= sizeof pre || plen >= sizeof path || strncmp(pq, pre, (size_t)n))
        return 0;
    memcpy(path, pq, plen);
    path[plen] = 0;
    if (rh_httpsig_verify(key, secret, method, path, query, body, body ? blen : 0, now,
                          RH_HTTPSIG_WINDOW, err, sizeof err) != RH_HTTPSIG_OK)
        return 0;
    *op = op_for(method, path + n, query, body, body ? blen : 0);
    return *op != NULL;
}

char *rc_pp_request_line(long long id, const cJSON *op)
{
    cJSON *o = cJSON_Duplicate(op, 1);
    char *s, *line = NULL;
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "id", (double)id);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (s && asprintf(&line, "%s\n", s) < 0)
        line = NULL;
    free(s);
    return line;
}

int rc_pp_parse_answer(const char *line, rc_pp_answer *a, char *err, size_t errlen)
{
    cJSON *o = cJSON_Parse(line);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    const cJSON *er = cJSON_GetObjectItemCaseSensitive(o, "error");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "body");
    int rv = 0;
    memset(a, 0, sizeof *a);
    if (!cJSON_IsObject(o) || !cJSON_IsNumber(id) ||
        id->valuedouble != (double)(long long)id->valuedouble) {
        snprintf(err, errlen,
                 "not a protocol answer (a JSON object with an integer \"id\"): %.200s", line);
        cJSON_Delete(o);
        return -1;
    }
    a->id = (long long)id->valuedouble;
    if (cJSON_IsString(er)) {
        a->error = strdup(er->valuestring);
    } else if (cJSON_IsNumber(st) && st->valuedouble >= 100 && st->valuedouble <= 599 &&
               st->valuedouble == (double)(int)st->valuedouble) {
        a->status = (int)st->valuedouble;
        a->body = b && !cJSON_IsNull(b) ? cJSON_PrintUnformatted(b) : strdup("");
    } else {
        snprintf(err, errlen,
                 "answer %lld has neither an integer \"status\" 100..599 nor an "
                 "\"error\" string: %.200s",
                 a->id, line);
        rv = -2;
    }
    if (rv == 0 && !a->error && !a->body) {
        snprintf(err, errlen, "out of memory");
        rv = -2;
    }
    cJSON_Delete(o);
    return rv;
}

void rc_pp_answer_free(rc_pp_answer *a)
{
    free(a->body);
    free(a->error);
    a->body = a->error = NULL;
}

int rc_pp_check_hello(const char *body, char *err, size_t errlen)
{
    cJSON *o = cJSON_Parse(body ? body : "");
    const char *p = cJSON_IsString(cJSON_GetObjectItem(o, "protocol"))
                        ? cJSON_GetObjectItem(o, "protocol")->valuestring
                        : NULL;
    int rv = p && !strcmp(p, RC_PP_VERSION) ? 0 : -1;
    if (rv)
        snprintf(err, errlen, "hello answered protocol %s, the suite speaks %s", p ? p : "(none)",
                 RC_PP_VERSION);
    cJSON_Delete(o);
    return rv;
}
