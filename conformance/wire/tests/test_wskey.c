/* Unit tests of rw_wskey: RFC 6455's sample key and accept, the upgrade request, and the
 * check of the server's answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "wire/wskey.h"

static int check(const char *resp, const char *key, char *seen)
{
    rw_header h[16];
    rw_http_head hd;
    assert_true(rw_http_parse_head(resp, strlen(resp), &hd, h, 16) > 0);
    char want[RW_WSACCEPT_LEN + 1];
    return rw_wskey_check(&hd, key, want, seen, 64);
}

static void test_key_accept(void **state)
{
    (void)state;
    /* RFC 6455 4.1: the nonce "the sample nonce" gives this key, and 1.3 its accept. */
    char key[RW_WSKEY_LEN + 1], acc[RW_WSACCEPT_LEN + 1];
    rw_wskey_make((const uint8_t *)"the sample nonce", key);
    assert_string_equal(key, "dGhlIHNhbXBsZSBub25jZQ==");
    rw_wskey_accept(key, acc);
    assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_request(void **state)
{
    (void)state;
    char out[512];
    size_t n = rw_wskey_request(out, sizeof out, "/app/k", "h", 80, "KEY", "ua", "Origin: o\r\n");
    assert_int_equal(n, strlen(out));
    assert_string_equal(out, "GET /app/k HTTP/1.1\r\nHost: h:80\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: KEY\r\n"
                             "Sec-WebSocket-Version: 13\r\nUser-Agent: ua\r\nOrigin: o\r\n\r\n");
    assert_int_equal(rw_wskey_request(NULL, 0, "/", "h", 1, "K", NULL, NULL),
                     strlen("GET / HTTP/1.1\r\nHost: h:1\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: K\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n"));
}

static void test_check(void **state)
{
    (void)state;
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    char seen[64];
    assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
                           "Connection: keep-alive, Upgrade\r\n"
                           "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                           key, seen),
                     RW_WSKEY_OK);
    assert_int_equal(check("HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Accept: AAAA\r\n\r\n",
                           key, seen),
                     RW_WSKEY_BAD_ACCEPT);
    assert_string_equal(seen, "AAAA");
    assert_int_equal(
        check("HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", key, seen),
        RW_WSKEY_BAD_ACCEPT);
    assert_string_equal(seen, "");
    assert_int_equal(check("HTTP/1.1 101 x\r\nConnection: Upgrade\r\n\r\n", key, seen),
                     RW_WSKEY_NO_UPGRADE);
    assert_int_equal(check("HTTP/1.1 403 Forbidden\r\n\r\n", key, seen), RW_WSKEY_NOT_101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_accept),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
