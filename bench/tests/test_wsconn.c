/* Unit tests of rb_wsc, the raw subscriber client's byte stream: the upgrade answer and
 * frames in any split over reads, several per read, fragments, and bad input reported as
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wsconn.h"

static const uint8_t nonce[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* Appends n bytes as one read (n under the room rb_wsc_space always offers). */
static void feed(rb_wsc *c, const void *p, size_t n)
{
    size_t room;
    unsigned char *dst = rb_wsc_space(c, &room);
    assert_non_null(dst);
    assert_true(n <= room);
    memcpy(dst, p, n);
    rb_wsc_received(c, n);
}

static size_t answer(const rb_wsc *c, char *out, size_t cap)
{
    char acc[RW_WSACCEPT_LEN + 1];
    rw_wskey_accept(c->key, acc);
    return (size_t)snprintf(out, cap,
                            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                            acc);
}

/* A server frame (unmasked). */
static size_t sframe(unsigned char *out, size_t cap, int fin, int op, const char *p, size_t n)
{
    rw_wsframe f = {.fin = fin, .opcode = op};
    return rw_wsframe_encode(out, cap, &f, p, n, NULL, NULL);
}

static void open_conn(rb_wsc *c)
{
    char head[512];
    rb_wsc_ev ev;
    rb_wsc_init(c, nonce);
    size_t n = answer(c, head, sizeof(head));
    feed(c, head, n);
    assert_int_equal(rb_wsc_next(c, &ev), RB_WSC_OPEN);
}

static void test_handshake_split_then_frames_in_one_read(void **state)
{
    (void)state;
    rb_wsc c;
    rb_wsc_ev ev;
    char head[512];
    rb_wsc_init(&c, nonce);
    char req[512];
    size_t rl = rb_wsc_request(&c, req, sizeof(req), "/app/k?protocol=7", "127.0.0.1", 80);
    assert_true(rl < sizeof(req) && strstr(req, c.key) && strncmp(req, "GET /app/k?", 11) == 0);
    size_t n = answer(&c, head, sizeof(head));
    /* The answer one byte per read, with the first frame's bytes right behind it. */
    unsigned char buf[256];
    size_t fl = sframe(buf, sizeof(buf), 1, RW_WS_TEXT, "{\"event\":\"a\"}", 13);
    for (size_t i = 0; i + 1 < n; i++) {
        feed(&c, head + i, 1);
        assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_MORE);
    }
    feed(&c, head + n - 1, 1);
    feed(&c, buf, fl);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_OPEN);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_TEXT);
    assert_int_equal(ev.len, 13);
    assert_memory_equal(ev.data, "{\"event\":\"a\"}", 13);
    /* Three frames in one read: text, ping, text. */
    size_t off = sframe(buf, sizeof(buf), 1, RW_WS_TEXT, "one", 3);
    off += sframe(buf + off, sizeof(buf) - off, 1, RW_WS_PING, "pp", 2);
    off += sframe(buf + off, sizeof(buf) - off, 1, RW_WS_TEXT, "three", 5);
    feed(&c, buf, off);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_TEXT);
    assert_memory_equal(ev.data, "one", 3);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_PING);
    assert_int_equal(ev.len, 2);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_TEXT);
    assert_memory_equal(ev.data, "three", 5);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_MORE);
    rb_wsc_free(&c);
}

static void test_frames_split_and_fragmented(void **state)
{
    (void)state;
    rb_wsc c;
    rb_wsc_ev ev;
    open_conn(&c);
    /* A 300-byte frame (16-bit length) split inside its header, then inside its payload. */
    char big[300];
    memset(big, 'x', sizeof(big));
    unsigned char buf[512];
    size_t fl = sframe(buf, sizeof(buf), 1, RW_WS_TEXT, big, sizeof(big));
    feed(&c, buf, 3);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_MORE);
    feed(&c, buf + 3, 100);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_MORE);
    feed(&c, buf + 103, fl - 103);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_TEXT);
    assert_int_equal(ev.len, sizeof(big));
    /* A message in two fragments with a ping between them. */
    size_t off = sframe(buf, sizeof(buf), 0, RW_WS_TEXT, "hel", 3);
    off += sframe(buf + off, sizeof(buf) - off, 1, RW_WS_PING, "", 0);
    off += sframe(buf + off, sizeof(buf) - off, 1, RW_WS_CONT, "lo", 2);
    feed(&c, buf, off);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_PING);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_TEXT);
    assert_int_equal(ev.len, 5);
    assert_memory_equal(ev.data, "hello", 5);
    /* A 200 KB message in 1000-byte reads: the buffer grows. */
    size_t n = 200000;
    char *msg = malloc(n);
    unsigned char *fr = malloc(n + 16);
    assert_non_null(msg);
    assert_non_null(fr);
    memset(msg, 'y', n);
    fl = sframe(fr, n + 16, 1, RW_WS_TEXT, msg, n);
    for (size_t i = 0; i < fl; i += 1000) {
        feed(&c, fr + i, fl - i < 1000 ? fl - i : 1000);
        int k = rb_wsc_next(&c, &ev);
        assert_int_equal(k, i + 1000 >= fl ? RB_WSC_TEXT : RB_WSC_MORE);
    }
    assert_int_equal(ev.len, n);
    free(msg);
    free(fr);
    /* A close frame and its code. */
    fl = sframe(buf, sizeof(buf), 1, RW_WS_CLOSE, "\x0f\xa1", 2);
    feed(&c, buf, fl);
    assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_CLOSE);
    assert_int_equal(ev.code, 4001);
    rb_wsc_free(&c);
}

static void expect_error(rb_wsc *c, const char *why)
{
    rb_wsc_ev ev;
    assert_int_equal(rb_wsc_next(c, &ev), RB_WSC_ERROR);
    assert_non_null(strstr(ev.why, why));
    /* Sticky: nothing after an error is read. */
    assert_int_equal(rb_wsc_next(c, &ev), RB_WSC_ERROR);
    rb_wsc_free(c);
}

static void test_bad_input_is_an_error(void **state)
{
    (void)state;
    rb_wsc c;
    rb_wsc_init(&c, nonce);
    const char *no = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
    feed(&c, no, strlen(no));
    expect_error(&c, "HTTP 403");

    rb_wsc_init(&c, nonce);
    const char *bad = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n";
    feed(&c, bad, strlen(bad));
    expect_error(&c, "Sec-WebSocket-Accept");

    rb_wsc_init(&c, nonce);
    feed(&c, "garbage\r\n\r\n", 11);
    expect_error(&c, "malformed");

    /* A head that never ends stops at the bound. */
    rb_wsc_init(&c, nonce);
    char line[1000];
    memset(line, 'h', sizeof(line));
    feed(&c, "HTTP/1.1 101 OK\r\n", 17);
    rb_wsc_ev ev;
    for (int i = 0; i < 9; i++) {
        assert_int_equal(rb_wsc_next(&c, &ev), RB_WSC_MORE);
        feed(&c, line, sizeof(line));
    }
    expect_error(&c, "over 8192");

    /* A masked server frame, an RSV bit, a 2^40-byte length, a reserved opcode. */
    static const unsigned char masked[] = {0x81, 0x81, 1, 2, 3, 4, 'a'};
    static const unsigned char rsv[] = {0xc1, 0x01, 'a'};
    static const unsigned char huge[] = {0x81, 127, 0, 0, 1, 0, 0, 0, 0, 0};
    static const unsigned char op3[] = {0x83, 0x00};
    open_conn(&c);
    feed(&c, masked, sizeof(masked));
    expect_error(&c, "masked");
    open_conn(&c);
    feed(&c, rsv, sizeof(rsv));
    expect_error(&c, "RSV");
    open_conn(&c);
    feed(&c, huge, sizeof(huge));
    expect_error(&c, "over");
    open_conn(&c);
    feed(&c, op3, sizeof(op3));
    expect_error(&c, "bad message");
}

static void test_client_frames_are_masked(void **state)
{
    (void)state;
    static const uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
    unsigned char out[64];
    size_t n = rb_wsc_frame(out, sizeof(out), RW_WS_TEXT, "pong", 4, mask);
    rw_wsframe f;
    size_t h;
    assert_int_equal(rw_wsframe_decode(out, n, &f, &h), RW_WSFRAME_HEADER);
    assert_int_equal(f.masked, 1);
    assert_int_equal(f.fin, 1);
    assert_int_equal(f.opcode, RW_WS_TEXT);
    assert_int_equal(rw_wsframe_check(&f, 1000, 1), RW_WSFRAME_OK);
    assert_int_equal(f.len, 4);
    assert_int_equal(n, h + 4);
    assert_memory_not_equal(out + h, "pong", 4);
    rw_wsframe_mask(out + h, 4, f.mask, 0);
    assert_memory_equal(out + h, "pong", 4);
    /* Too little room: the length it needs, nothing claimed written. */
    assert_true(rb_wsc_frame(out, 4, RW_WS_TEXT, "pong", 4, mask) > 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_split_then_frames_in_one_read),
        cmocka_unit_test(test_frames_split_and_fragmented),
        cmocka_unit_test(test_bad_input_is_an_error),
        cmocka_unit_test(test_client_frames_are_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
