/* Target srv: the whole server in-process (fz_srv.h), driven by a script of lines, so state
 * bugs across connections, subscriptions, streams and time are found too:
 *   o KEY                    open a connection with app key KEY ("" -> app-key)
 *   m N TEXT | b N TEXT      text / binary message to connection N
 *   s N CHANNEL [DATA]       pusher:subscribe signed for N's socket (DATA: channel_data)
 *   u N CHANNEL              pusher:unsubscribe
 *   c N | a N | f N          the edge closes N / ping-pong activity / N's send queue is full
 *   .                        the edge reports every close the server asked for
 *   t SECS                   clock forward, then a tick
 *   h METHOD PATH[?Q] BODY   HTTP request, unsigned
 *   H METHOD PATH[?Q] BODY   HTTP request signed with the app's key (Q: extra parameters)
 *   z TOKEN BODY             POST /broadcasting/auth with Bearer TOKEN
 *   x                        graceful shutdown
 * Unknown lines are skipped. At most 64 lines per input. */
#include <string.h>

#include "fuzz.h"
#include "fz_srv.h"
#include "proto/httpsig.h"
#include "proto/message.h"
#include "proto/sign.h"

#define MAX_LINES 64

static int slot(const char **p)
{
    int n = 0;
    if (**p >= '0' && **p <= '9')
        n = *(*p)++ - '0';
    if (**p == ' ')
        (*p)++;
    return n % FZ_CONNS;
}

/* Next space-separated word of s into a heap string; *s moves past it and one space. */
static char *word(const char **s)
{
    const char *e = strchr(*s, ' ');
    size_t n = e ? (size_t)(e - *s) : strlen(*s);
    char *w = fz_strndup((const uint8_t *)*s, n);
    *s += n + (e ? 1 : 0);
    return w;
}

static void subscribe(fz_srv *f, int n, const char *rest)
{
    fz_conn *k = &f->conns[n];
    if (!k->c || !k->socket_id[0])
        return;
    char *ch = word(&rest);
    const char *cd = *rest ? rest : NULL;
    char auth[128] = "";
    rh_sign_channel("app-key", "app-secret", k->socket_id, ch, cd, auth, sizeof auth);
    char *qch = rh_json_quote(ch, strlen(ch));
    char *qauth = rh_json_quote(auth, strlen(auth));
    char *qcd = cd ? rh_json_quote(cd, strlen(cd)) : NULL;
    FZ_CHECK(qch && qauth && (!cd || qcd));
    size_t len = strlen(qch) + strlen(qauth) + (qcd ? strlen(qcd) : 0) + 128;
    char *m = malloc(len);
    FZ_CHECK(m);
    int ml = snprintf(m, len,
                      "{\"event\":\"pusher:subscribe\",\"data\":{\"channel\":%s,\"auth\":%s%s%s}}",
                      qch, qauth, qcd ? ",\"channel_data\":" : "", qcd ? qcd : "");
    fz_forget(f, n);
    fz_msg(f, n, m, (size_t)ml, 0);
    free(m);
    free(qch);
    free(qauth);
    free(qcd);
    free(ch);
}

static void unsubscribe(fz_srv *f, int n, const char *ch)
{
    char *q = rh_json_quote(ch, strlen(ch));
    FZ_CHECK(q);
    size_t len = strlen(q) + 64;
    char *m = malloc(len);
    FZ_CHECK(m);
    int ml = snprintf(m, len, "{\"event\":\"pusher:unsubscribe\",\"data\":{\"channel\":%s}}", q);
    fz_forget(f, n);
    fz_msg(f, n, m, (size_t)ml, 0);
    free(m);
    free(q);
}

static void http(fz_srv *f, const char *rest, int sign)
{
    char *method = word(&rest);
    char *target = word(&rest);
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    char *signedq = NULL;
    size_t blen = strlen(rest);
    if (sign) {
        long ts = 1700000000 + (long)(f->now_ms / 1000);
        signedq = rh_httpsig_build_query("app-key", "app-secret", method, target, ts, rest, blen,
                                         q && *q ? q : NULL);
        /* Extra parameters that do not parse (a duplicate, a bad escape) cannot be signed:
         * sign without them. */
        if (!signedq)
            signedq = rh_httpsig_build_query("app-key", "app-secret", method, target, ts, rest,
                                             blen, NULL);
        FZ_CHECK(signedq);
    }
    rh_http_req req = {.method = method,
                       .path = target,
                       .query = signedq ? signedq
                                : q     ? q
                                        : "",
                       .body = rest,
                       .body_len = blen};
    fz_http(f, &req);
    free(signedq);
    free(method);
    free(target);
}

static void authorize(fz_srv *f, const char *rest)
{
    char *tok = word(&rest);
    char hdr[600];
    snprintf(hdr, sizeof hdr, "Bearer %s", tok);
    rh_http_req req = {.method = "POST",
                       .path = "/broadcasting/auth",
                       .query = "",
                       .body = rest,
                       .body_len = strlen(rest),
                       .authorization = tok[0] ? hdr : NULL};
    fz_http(f, &req);
    free(tok);
}

static void line(fz_srv *f, const char *s)
{
    char cmd = *s ? *s++ : '\0';
    if (*s == ' ')
        s++;
    int n;
    switch (cmd) {
    case 'o':
        fz_open(f, *s ? s : "app-key");
        break;
    case 'm':
    case 'b':
        n = slot(&s);
        if (strstr(s, "subscribe"))
            fz_forget(f, n);
        fz_msg(f, n, s, strlen(s), cmd == 'b');
        break;
    case 's':
        n = slot(&s);
        subscribe(f, n, s);
        break;
    case 'u':
        n = slot(&s);
        unsubscribe(f, n, s);
        break;
    case 'c':
        fz_closed(f, slot(&s));
        break;
    case 'a':
        n = slot(&s);
        if (f->conns[n].c && !f->conns[n].closing)
            rh_srv_conn_activity(f->srv, f->conns[n].c);
        break;
    case 'f':
        n = slot(&s);
        f->conns[n].send_fail = !f->conns[n].send_fail;
        break;
    case '.':
        fz_settle(f);
        break;
    case 't':
        f->now_ms += 1000 * (uint64_t)(strtoul(s, NULL, 10) % 100000);
        rh_srv_tick(f->srv);
        break;
    case 'h':
    case 'H':
        http(f, s, cmd == 'H');
        break;
    case 'z':
        authorize(f, s);
        break;
    case 'x':
        rh_srv_shutdown(f->srv);
        break;
    default:
        break;
    }
    size_t open = 0;
    for (int i = 0; i < FZ_CONNS; i++)
        open += f->conns[i].c != NULL;
    FZ_CHECK(rh_srv_conn_count(f->srv) == open);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size);
    fz_srv *f = fz_srv_new();
    char *p = text;
    for (int i = 0; i < MAX_LINES && p < text + size; i++) {
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        if (nl)
            *nl = '\0';
        line(f, p);
        if (!nl)
            break;
        p = nl + 1;
    }
    fz_settle(f);
    fz_srv_free(f);
    free(text);
    return 0;
}
