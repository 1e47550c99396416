/* Unit tests of the suite's clients against a scripted loopback peer: chunked and
 * close-delimited HTTP bodies, the WebSocket handshake check, fragment reassembly with a
 * ping in between (auto-pong), close codes, and the wire log. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "client/client.h"
#include "runner/internal.h"

typedef struct peer {
    int lfd;
    int port;
    const char *script; /* which behaviour */
    pthread_t th;
    int saw_pong; /* ws script: the client answered our ping with a masked pong "p" */
} peer;

static ssize_t read_head(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            return (ssize_t)n;
    }
    return -1;
}

static void send_all(int fd, const void *p, size_t n)
{
    assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* Reads one masked client frame; returns opcode, payload unmasked into out. */
static int read_frame(int fd, char *out, size_t *len)
{
    unsigned char h[14];
    if (read(fd, h, 2) != 2)
        return -1;
    size_t l = h[1] & 127;
    assert_true(h[1] & 0x80); /* the client masks */
    if (read(fd, h + 2, 4) != 4)
        return -1;
    if (l > 0 && read(fd, out, l) != (ssize_t)l)
        return -1;
    for (size_t i = 0; i < l; i++)
        out[i] ^= (char)h[2 + (i & 3)];
    *len = l;
    return h[0] & 15;
}

static void accept_key(const char *req, char *out, int corrupt)
{
    const char *k = strstr(req, "Sec-WebSocket-Key: ");
    assert_non_null(k);
    char cat[128];
    int n = snprintf(cat, sizeof cat, "%.24s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", k + 19);
    unsigned char d[SHA_DIGEST_LENGTH];
    SHA1((unsigned char *)cat, (size_t)n, d);
    EVP_EncodeBlock((unsigned char *)out, d, sizeof d);
    if (corrupt)
        out[0] = out[0] == 'A' ? 'B' : 'A';
}

static void *peer_main(void *arg)
{
    peer *p = arg;
    int fd = accept(p->lfd, NULL, NULL);
    char req[4096];
    if (fd < 0 || read_head(fd, req, sizeof req) < 0)
        return NULL;
    if (strcmp(p->script, "chunked") == 0) {
        const char r[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Test: yes \r\n\r\n"
                         "4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\nTrailer: x\r\n\r\n";
        send_all(fd, r, sizeof r - 1);
    } else if (strcmp(p->script, "until-close") == 0) {
        const char r[] = "HTTP/1.1 404 Not Found\r\n\r\nnot json";
        send_all(fd, r, sizeof r - 1);
    } else {
        char acc[64], resp[256];
        accept_key(req, acc, strcmp(p->script, "ws-bad-accept") == 0);
        int n = snprintf(resp, sizeof resp,
                         "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                         acc);
        send_all(fd, resp, (size_t)n);
        if (strcmp(p->script, "ws") == 0) {
            /* "hel" (fin=0), ping "p", "lo" continuation (fin=1), then close 4001 "bye" */
            const unsigned char frames[] = {0x01, 3,   'h',  'e', 'l',  0x89, 1,   'p', 0x80, 2,
                                            'l',  'o', 0x88, 5,   0x0f, 0xa1, 'b', 'y', 'e'};
            send_all(fd, frames, sizeof frames);
            char pl[256];
            size_t len;
            int op;
            while ((op = read_frame(fd, pl, &len)) >= 0) {
                if (op == RC_WS_PONG && len == 1 && pl[0] == 'p')
                    p->saw_pong = 1;
                if (op == RC_WS_CLOSE)
                    break;
            }
        }
    }
    close(fd);
    return NULL;
}

static void peer_start(peer *p, const char *script)
{
    memset(p, 0, sizeof *p);
    p->script = script;
    p->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->lfd, 4), 0);
    socklen_t sl = sizeof a;
    getsockname(p->lfd, (struct sockaddr *)&a, &sl);
    p->port = ntohs(a.sin_port);
    pthread_create(&p->th, NULL, peer_main, p);
}

static void peer_stop(peer *p)
{
    pthread_join(p->th, NULL);
    close(p->lfd);
}

static void noop(rc_ctx *ctx)
{
    (void)ctx;
}

static const rc_case tcase = {.id = "unit/0/client",
                              .section = "0",
                              .basis = RC_CONTRACT,
                              .title = "t",
                              .requirement = "r",
                              .run = noop};

typedef struct fixture {
    rc_rng rng;
    rc_target t;
    rc_ctx ctx;
} fixture;

static void fx_init(fixture *f, int port)
{
    rc_rng_init(&f->rng, 7);
    memset(&f->t, 0, sizeof f->t);
    f->t.host = "127.0.0.1";
    f->t.port = port;
    f->t.ws_path = "/app/k";
    rc_ctx_init(&f->ctx, &tcase, &f->t, &f->rng, 3000, 10);
}

static rc_verdict fx_finish(fixture *f, rc_result *r)
{
    rc_ctx_finish(&f->ctx, r);
    return r->verdict;
}

static void test_http_chunked(void **state)
{
    (void)state;
    peer p;
    peer_start(&p, "chunked");
    fixture f;
    fx_init(&f, p.port);
    rc_http_resp resp;
    assert_int_equal(rc_http(&f.ctx, "GET", "/x", NULL, NULL, 0, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "{\"a\":1}");
    assert_non_null(resp.json);
    long long a = 0;
    assert_true(rc_json_int(resp.json, "a", &a));
    assert_int_equal(a, 1);
    char v[16];
    assert_true(rc_http_header(&resp, "x-test", v, sizeof v));
    assert_string_equal(v, "yes");
    assert_false(rc_http_header(&resp, "x-absent", v, sizeof v));
    rc_http_resp_free(&resp);
    peer_stop(&p);
    rc_result r;
    assert_int_equal(fx_finish(&f, &r), RC_PASS);
    assert_true(r.nwire >= 2); /* request and response logged */
    assert_string_equal(r.wire[0].dir, "out");
    rc_result_free(&r);
}

static void test_http_until_close(void **state)
{
    (void)state;
    peer p;
    peer_start(&p, "until-close");
    fixture f;
    fx_init(&f, p.port);
    rc_http_resp resp;
    assert_int_equal(rc_http(&f.ctx, "POST", "/y", "X-A: b\r\n", "{}", 2, &resp), 0);
    assert_int_equal(resp.status, 404);
    assert_string_equal(resp.body, "not json");
    assert_null(resp.json);
    rc_http_resp_free(&resp);
    peer_stop(&p);
    rc_result r;
    assert_int_equal(fx_finish(&f, &r), RC_PASS);
    rc_result_free(&r);
}

static void test_ws_frames(void **state)
{
    (void)state;
    peer p;
    peer_start(&p, "ws");
    fixture f;
    fx_init(&f, p.port);
    rc_ws *ws = rc_ws_open(&f.ctx, NULL, 0, NULL);
    assert_non_null(ws);
    rc_ws_msg m;
    assert_int_equal(rc_ws_recv(ws, 2000, &m), 1);
    assert_int_equal(m.opcode, RC_WS_TEXT);
    assert_int_equal(m.len, 5);
    assert_string_equal(m.data, "hello");
    assert_int_equal(rc_ws_recv(ws, 2000, &m), -1);
    assert_int_equal(rc_ws_close_code(ws), 4001);
    assert_false(rc_ws_is_open(ws));
    peer_stop(&p);
    assert_true(p.saw_pong);
    rc_result r;
    assert_int_equal(fx_finish(&f, &r), RC_PASS);
    int saw_close = 0;
    for (size_t i = 0; i < r.nwire; i++)
        saw_close |= strstr(r.wire[i].data, "[close 4001] bye") != NULL;
    assert_true(saw_close);
    rc_result_free(&r);
}

static void test_ws_bad_accept(void **state)
{
    (void)state;
    peer p;
    peer_start(&p, "ws-bad-accept");
    fixture f;
    fx_init(&f, p.port);
    assert_null(rc_ws_open(&f.ctx, NULL, 0, NULL));
    peer_stop(&p);
    rc_result r;
    assert_int_equal(fx_finish(&f, &r), RC_FAIL);
    assert_non_null(strstr(r.message, "Sec-WebSocket-Accept"));
    rc_result_free(&r);
}

static void test_unreachable(void **state)
{
    (void)state;
    peer p;
    peer_start(&p, "none");
    int port = p.port;
    /* Free the port again: nothing listens there afterwards. */
    pthread_cancel(p.th);
    pthread_join(p.th, NULL);
    close(p.lfd);
    fixture f;
    fx_init(&f, port);
    int status = -1;
    assert_null(rc_ws_open(&f.ctx, NULL, 1, &status));
    assert_int_equal(status, 0);
    rc_result r;
    assert_int_equal(fx_finish(&f, &r), RC_PASS); /* expect_failure: quiet */
    rc_result_free(&r);
    fx_init(&f, port);
    assert_null(rc_ws_open(&f.ctx, NULL, 0, NULL));
    assert_int_equal(fx_finish(&f, &r), RC_ERROR);
    rc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_chunked), cmocka_unit_test(test_http_until_close),
        cmocka_unit_test(test_ws_frames),    cmocka_unit_test(test_ws_bad_accept),
        cmocka_unit_test(test_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
