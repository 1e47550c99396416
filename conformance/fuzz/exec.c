/* nf_exec: one script against the target (exec.h). */
#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/ws_int.h"
#include "proto/sign.h"
#include "wire/clock.h"
#include "wire/pscan.h"
#include "wire/pusher.h"
#include "wire/wsframe.h"

typedef struct run {
    const nf_target *t;
    nf_answers *a;
    rc_hooks h;
    rc_ws *ws[NF_MAX_CONN];
    char sid[NF_MAX_CONN][64];
} run;

static void on_report(void *ud, rc_hook_kind kind, const char *msg, const char *exp,
                      const char *seen)
{
    (void)exp;
    (void)seen;
    nf_answers *a = ud;
    if (kind == RC_HOOK_FAIL && !a->malformed[0])
        snprintf(a->malformed, sizeof a->malformed, "%s", msg);
}

static void printable(char *dst, size_t cap, const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        dst[k++] = c >= 0x20 && c < 0x7f ? (char)c : c == '\r' ? 'r' : c == '\n' ? 'n' : '.';
    }
    dst[k] = '\0';
}

static void answer(run *r, const char *shape, const char *text, size_t len)
{
    nf_answers *a = r->a;
    if (a->n < NF_MAX_ANS)
        snprintf(a->shapes[a->n++], NF_SHAPE_MAX, "%s", shape);
    char line[300];
    printable(line, sizeof line, text, len);
    size_t l = strlen(a->last);
    if (l > sizeof a->last - 400) { /* keep the newest */
        memmove(a->last, a->last + l / 2, l - l / 2 + 1);
        l = strlen(a->last);
    }
    snprintf(a->last + l, sizeof a->last - l, "%s\n", line);
}

static void ws_message(run *r, const rc_ws_msg *m)
{
    char shape[NF_SHAPE_MAX];
    if (m->opcode != RC_WS_TEXT) {
        snprintf(shape, sizeof shape, "ws:op%d", m->opcode);
        answer(r, shape, "(binary)", 8);
        return;
    }
    nf_shape_ws(m->data, m->len, shape);
    answer(r, shape, m->data, m->len);
    const char *bad = nf_shape_malformed(m->data, m->len);
    if (bad && !r->a->malformed[0])
        snprintf(r->a->malformed, sizeof r->a->malformed, "%s: %.300s", bad, m->data);
}

static void ws_gone(run *r, int c)
{
    char shape[NF_SHAPE_MAX], note[32];
    int code = rc_ws_close_code(r->ws[c]);
    nf_shape_close(code, shape);
    snprintf(note, sizeof note, "(closed %d)", code);
    answer(r, shape, note, strlen(note));
    rc_ws_free(r->ws[c]);
    r->ws[c] = NULL;
}

/* Reads until pusher:pong (want_pong) or quiet_ms of silence, within the step's budget. */
static void ws_drain(run *r, int c, int want_pong, int quiet_ms)
{
    int64_t dl = rw_deadline_ns(r->t->step_ms);
    while (r->ws[c]) {
        rc_ws_msg m;
        int left = rw_left_ms(dl);
        int got = rc_ws_recv(r->ws[c], want_pong ? left : (quiet_ms < left ? quiet_ms : left), &m);
        if (got < 0) {
            ws_gone(r, c);
            return;
        }
        if (got == 0)
            return;
        ws_message(r, &m);
        if (want_pong && m.opcode == RC_WS_TEXT && strstr(m.data, "\"pusher:pong\""))
            return;
    }
}

static int ws_open(run *r, int c)
{
    int status = 0;
    r->ws[c] = rc_ws_connect(&r->h, &r->t->ep, r->t->ws_path, NULL, 1, &status);
    if (!r->ws[c]) {
        char shape[NF_SHAPE_MAX];
        snprintf(shape, sizeof shape, "upgrade:%d", status);
        answer(r, shape, shape, strlen(shape));
        r->a->refused |= status == 0;
        return -1;
    }
    r->sid[c][0] = '\0';
    int64_t dl = rw_deadline_ns(r->t->step_ms * 2);
    while (r->ws[c] && !r->sid[c][0]) {
        rc_ws_msg m;
        int got = rc_ws_recv(r->ws[c], rw_left_ms(dl), &m);
        if (got <= 0) {
            if (got < 0)
                ws_gone(r, c);
            return -1;
        }
        ws_message(r, &m);
        rw_pscan p;
        if (m.opcode == RC_WS_TEXT && rw_pscan_frame(m.data, m.len, &p) == 0 &&
            p.kind == RW_PSCAN_ESTABLISHED)
            snprintf(r->sid[c], sizeof r->sid[c], "%s", p.socket_id);
    }
    return r->sid[c][0] ? 0 : -1;
}

/* The payload with "@AUTH@" replaced by the signature for this connection (heap). */
static char *with_auth(run *r, const nf_step *st, int c, size_t *len)
{
    const char *at = st->sign_chan ? strstr(st->text ? st->text : "", "@AUTH@") : NULL;
    char auth[256] = "";
    if (at && rh_sign_channel(r->t->key, r->t->secret, r->sid[c], st->sign_chan, st->sign_data,
                              auth, sizeof auth) != 0)
        auth[0] = '\0';
    size_t n = st->len, al = strlen(auth);
    char *out = malloc(n + al + 1);
    if (!out)
        return NULL;
    if (at) {
        size_t pre = (size_t)(at - st->text);
        memcpy(out, st->text, pre);
        memcpy(out + pre, auth, al);
        memcpy(out + pre + al, at + 6, n - pre - 6);
        n = n - 6 + al;
    } else if (n) {
        memcpy(out, st->text, n);
    }
    out[n] = '\0';
    *len = n;
    return out;
}

static int ws_step(run *r, const nf_step *st, size_t i)
{
    int c = st->conn;
    if (!r->ws[c] && ws_open(r, c) < 0)
        return 0;
    if (st->kind == NF_WS_OPEN)
        return 0;
    size_t n;
    char *p = with_auth(r, st, c, &n);
    if (!p)
        return -1;
    int raw = st->kind == NF_WS_FRAME;
    rw_wsframe f = {.fin = raw ? st->fin : 1,
                    .rsv = raw ? st->rsv : 0,
                    .opcode = raw ? st->opcode : RW_WS_TEXT,
                    .masked = raw ? st->masked : 1,
                    .len = raw && st->claim_len ? st->claim_len : n,
                    .len_form = raw ? st->len_form : 0};
    memcpy(f.mask, st->mask, 4);
    unsigned char *buf = malloc(RW_WSFRAME_MAX_HEADER + n);
    if (!buf) {
        free(p);
        return -1;
    }
    size_t h = rw_wsframe_header(buf, &f);
    memcpy(buf + h, p, n);
    if (f.masked)
        rw_wsframe_mask(buf + h, n, f.mask, 0);
    char desc[400];
    size_t dl =
        (size_t)snprintf(desc, sizeof desc, "fin=%d rsv=%d op=%d masked=%d len=%llu: ", f.fin,
                         f.rsv, f.opcode, f.masked, (unsigned long long)f.len);
    printable(desc + dl, sizeof desc - dl, p, n);
    r->a->sent[i] = strdup(desc);
    free(p);
    int wr = rc_net_write(&r->ws[c]->net, buf, h + n, rw_deadline_ns(r->t->step_ms));
    free(buf);
    if (wr < 0) {
        ws_gone(r, c);
        return 0;
    }
    int clean =
        f.fin && f.opcode <= RW_WS_BINARY && f.opcode != 0 && !f.rsv && f.masked && f.len == n;
    if (clean) {
        const char *ping = rw_pusher_ping();
        if (rc_ws_send_text(r->ws[c], ping, strlen(ping)) < 0) {
            ws_gone(r, c);
            return 0;
        }
    }
    ws_drain(r, c, clean, 40);
    /* other connections: what reached them meanwhile (relayed events) */
    for (int k = 0; k < NF_MAX_CONN; k++)
        if (k != c && r->ws[k])
            ws_drain(r, k, 0, 1);
    return 0;
}

int nf_http_step(const nf_target *t, const nf_step *st, nf_answers *a, size_t i,
                 void (*answer_cb)(void *, const char *, const char *, size_t), void *ud);

static void http_answer(void *ud, const char *shape, const char *text, size_t len)
{
    answer(ud, shape, text, len);
}

int nf_exec(const nf_target *t, const nf_script *sc, nf_answers *a)
{
    memset(a, 0, sizeof *a);
    run r = {.t = t, .a = a};
    r.h.ud = a;
    r.h.report = on_report;
    int rc = 0;
    for (size_t i = 0; i < sc->n && rc == 0 && !a->refused; i++) {
        const nf_step *st = &sc->steps[i];
        if (st->kind == NF_HTTP)
            rc = nf_http_step(t, st, a, i, http_answer, &r);
        else
            rc = ws_step(&r, st, i);
    }
    for (int c = 0; c < NF_MAX_CONN; c++)
        if (r.ws[c])
            rc_ws_free(r.ws[c]);
    return rc;
}

void nf_answers_free(nf_answers *a)
{
    for (size_t i = 0; i < NF_MAX_STEPS; i++) {
        free(a->sent[i]);
        a->sent[i] = NULL;
    }
}
