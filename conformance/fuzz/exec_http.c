/* nf_http_step: one HTTP step of nf_exec (exec.h): the request (or a pipelined pair) built
 * with conformance/wire's formatter and signer, written in one write on a fresh rc_net
 * connection, and every response read back with wire's head parser and chunked decoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/net.h"
#include "exec.h"
#include "proto/sign.h"
#include "wire/chunked.h"
#include "wire/clock.h"
#include "wire/http.h"
#include "wire/pusher.h"

typedef void (*answer_fn)(void *, const char *, const char *, size_t);

/* The signed target with the signature mutation applied (heap). */
static char *target_of(const nf_target *t, const nf_step *st, const char *body, size_t blen)
{
    long now = (long)time(NULL) - (st->sigmut == NF_SIG_OLD ? 3600 : 0);
    char *s = st->sign ? rw_pusher_api_target(t->key, t->secret, st->method, st->path, st->query,
                                              body, blen, now)
                       : NULL;
    if (!s) { /* unsigned, or a query the signer refuses: sent as it is */
        size_t n = strlen(st->path) + (st->query ? strlen(st->query) : 0) + 2;
        s = malloc(n);
        if (s)
            snprintf(s, n, "%s%s%s", st->path, st->query ? "?" : "", st->query ? st->query : "");
        return s;
    }
    char *sig = strstr(s, "auth_signature=");
    char *md5 = strstr(s, "body_md5=");
    if (st->sigmut == NF_SIG_DROP && sig)
        sig[0] = sig[1] = sig[2] = sig[3] = 'x'; /* "xxxx_signature": not the parameter */
    else if (st->sigmut == NF_SIG_CORRUPT && sig)
        sig[15] = sig[15] == '0' ? '1' : '0';
    else if (st->sigmut == NF_SIG_BAD_MD5 && md5)
        md5[9] = md5[9] == '0' ? '1' : '0';
    else if (st->sigmut == NF_SIG_DUP_PARAM) {
        size_t n = strlen(s) + 32;
        char *d = malloc(n);
        if (d)
            snprintf(d, n, "%s&auth_key=fz", s);
        free(s);
        s = d;
    }
    return s;
}

/* The body chunked in two chunks (heap). */
static char *chunked_body(const char *b, size_t n, size_t *out)
{
    char *c = malloc(n + 64);
    if (!c)
        return NULL;
    size_t h = n / 2, l = 0;
    if (h)
        l += (size_t)sprintf(c + l, "%zx\r\n", h);
    memcpy(c + l, b, h);
    l += h;
    l += (size_t)sprintf(c + l, "%s%zx\r\n", h ? "\r\n" : "", n - h);
    memcpy(c + l, b + h, n - h);
    l += n - h;
    l += (size_t)sprintf(c + l, "\r\n0\r\n\r\n");
    *out = l;
    return c;
}

static char *one_request(const nf_target *t, const nf_step *st, int keep_alive, size_t *len)
{
    const char *body = st->text;
    size_t blen = st->len;
    char *target = target_of(t, st, body, blen);
    if (!target)
        return NULL;
    char hdr[1024];
    const char *x = st->headers ? st->headers : "";
    size_t cl = 0;
    char *cb = NULL;
    const void *send_body = body;
    size_t send_len = blen;
    int fr = body ? st->framing : NF_BODY_LENGTH;
    if (fr == NF_BODY_CHUNKED || fr == NF_BODY_BOTH) {
        cb = chunked_body(body, blen, &cl);
        send_body = cb;
        send_len = cl;
    }
    int te = fr == NF_BODY_CHUNKED || fr == NF_BODY_BOTH;
    size_t hl0 = (size_t)snprintf(hdr, sizeof hdr, "%.600s%s", x,
                                  te ? "Transfer-Encoding: chunked\r\n" : "");
    if (fr == NF_BODY_BOTH || fr == NF_BODY_WRONG)
        snprintf(hdr + hl0, sizeof hdr - hl0, "Content-Length: %zu\r\n",
                 fr == NF_BODY_BOTH ? blen : blen + 1);
    /* Content-Length from the formatter only for plain framing (body given); else the body
     * goes after the head as it is. */
    int plain = fr == NF_BODY_LENGTH;
    rw_http_req q = {.method = st->method,
                     .target = target,
                     .host = t->ep.host,
                     .port = t->ep.port,
                     .user_agent = "rehome-conform-fuzz",
                     .keep_alive = keep_alive,
                     .content_type = body ? NULL : "",
                     .headers = hdr[0] ? hdr : NULL,
                     .body = plain ? body : NULL,
                     .body_len = plain ? blen : 0};
    size_t hl;
    char *head = rw_http_format_alloc(&q, &hl);
    free(target);
    char *out = head ? malloc(hl + (plain ? 0 : send_len) + 1) : NULL;
    if (out) {
        memcpy(out, head, hl);
        if (!plain && send_body)
            memcpy(out + hl, send_body, send_len);
        *len = hl + (plain || !send_body ? 0 : send_len);
        out[*len] = '\0';
    }
    free(head);
    free(cb);
    return out;
}

/* Reads responses until the connection ends, `want` responses are in, or the budget. */
static void read_responses(const nf_target *t, rc_net *n, int want, const char *method,
                           answer_fn cb, void *ud)
{
    size_t cap = 1 << 16, len = 0, off = 0;
    char *buf = malloc(cap);
    int64_t dl = rw_deadline_ns(t->step_ms * 2);
    int got = 0, eof = 0;
    while (buf && got < want) {
        rw_header hs[64];
        rw_http_head h;
        int r = off < len ? rw_http_parse_head(buf + off, len - off, &h, hs, 64) : RW_HTTP_PARTIAL;
        if (r == RW_HTTP_ERROR) {
            cb(ud, "http:!head", buf + off, len - off > 200 ? 200 : len - off);
            break;
        }
        if (r > 0) {
            rw_body_kind kind;
            uint64_t blen = 0;
            if (rw_http_framing(&h, method, &kind, &blen) < 0) {
                cb(ud, "http:!framing", buf + off, (size_t)r);
                break;
            }
            size_t bstart = off + (size_t)r, have = len - bstart, used = 0, dlen = have;
            char *body = buf + bstart;
            int done = kind == RW_BODY_NONE || (kind == RW_BODY_LENGTH && have >= blen) ||
                       (kind == RW_BODY_EOF && eof);
            char *dec = NULL;
            if (kind == RW_BODY_CHUNKED && (dec = malloc(have + 1)) != NULL) {
                rw_chunked ck;
                rw_chunked_init(&ck, 0);
                int cs = rw_chunked_feed(&ck, body, have, &used, dec, &dlen);
                done = cs == RW_CHUNKED_DONE || cs == RW_CHUNKED_ERROR || eof;
                body = dec;
            } else if (kind == RW_BODY_LENGTH) {
                dlen = used = have < blen ? have : (size_t)blen;
            } else {
                used = have;
            }
            if (done || eof) {
                char shape[NF_SHAPE_MAX];
                nf_shape_http(h.status, body, dlen, shape);
                cb(ud, shape, buf + off, (size_t)r + (used < 200 ? used : 200));
                got++;
                off = bstart + used;
                free(dec);
                if (eof && off >= len)
                    break;
                continue;
            }
            free(dec);
        }
        if (eof || len == cap) {
            if (len == off || len == cap)
                break;
        }
        long k = rc_net_read(n, buf + len, cap - len, dl);
        if (k == -2) {
            cb(ud, "http:timeout", "(no answer in time)", 19);
            break;
        }
        if (k <= 0) {
            if (eof || len == off) {
                if (got == 0)
                    cb(ud, "http:closed", "(closed without an answer)", 26);
                break;
            }
            eof = 1;
            continue;
        }
        len += (size_t)k;
    }
    free(buf);
}

int nf_http_step(const nf_target *t, const nf_step *st, nf_answers *a, size_t i, answer_fn cb,
                 void *ud)
{
    size_t l1 = 0, l2 = 0;
    char *req = one_request(t, st, 0, &l2), *pre = NULL;
    if (!req)
        return -1;
    if (st->pipe) {
        nf_step get = {.kind = NF_HTTP, .method = "GET", .sign = 1};
        char path[300];
        snprintf(path, sizeof path, "/apps/%s/channels", t->app_id);
        get.path = path;
        pre = one_request(t, &get, 1, &l1);
    }
    char *all = malloc(l1 + l2 + 1);
    if (!all) {
        free(req);
        free(pre);
        return -1;
    }
    if (pre)
        memcpy(all, pre, l1);
    memcpy(all + l1, req, l2);
    free(pre);
    free(req);
    char desc[600];
    size_t dn = l1 + l2 < sizeof desc - 1 ? l1 + l2 : sizeof desc - 1;
    /* l1 + l2 is the request's length, never 0 here; cppcheck does not follow it */
    // cppcheck-suppress knownConditionTrueFalse
    for (size_t k = 0; k < dn; k++) {
        unsigned char c = (unsigned char)all[k];
        desc[k] = c >= 0x20 && c < 0x7f ? (char)c : c == '\n' ? '|' : '.';
    }
    desc[dn] = '\0';
    a->sent[i] = strdup(desc);
    rc_net n;
    char err[256];
    if (rc_net_connect(&n, t->ep.host, t->ep.port, t->ep.tls, t->ep.ca_file,
                       rw_deadline_ns(t->step_ms * 2), err, sizeof err) < 0) {
        a->refused = 1;
        cb(ud, "http:refused", err, strlen(err));
        free(all);
        return 0;
    }
    if (rc_net_write(&n, all, l1 + l2, rw_deadline_ns(t->step_ms)) == 0)
        read_responses(t, &n, st->pipe ? 2 : 1, st->method, cb, ud);
    else
        cb(ud, "http:write-failed", "(write failed)", 14);
    rc_net_close(&n);
    free(all);
    return 0;
}
