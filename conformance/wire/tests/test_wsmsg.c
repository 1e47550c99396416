/* Unit tests of rw_wsmsg: whole and fragmented messages, control frames between fragments,
 * close codes, and the protocol errors a client must notice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include "wire/wsmsg.h"

static int feed(rw_wsmsg *m, int fin, int op, const char *p, rw_wsmsg_event *ev)
{
    rw_wsframe f = {.fin = fin, .opcode = op};
    return rw_wsmsg_frame(m, &f, p, strlen(p), ev);
}

static void test_messages(void **state)
{
    (void)state;
    rw_wsmsg m;
    rw_wsmsg_event ev;
    rw_wsmsg_init(&m, 16);
    assert_int_equal(feed(&m, 1, RW_WS_TEXT, "hi", &ev), RW_WSMSG_MESSAGE);
    assert_int_equal(ev.opcode, RW_WS_TEXT);
    assert_int_equal(ev.len, 2);
    assert_int_equal(feed(&m, 0, RW_WS_BINARY, "ab", &ev), RW_WSMSG_NONE);
    assert_int_equal(feed(&m, 1, RW_WS_PING, "p", &ev), RW_WSMSG_CONTROL);
    assert_int_equal(ev.opcode, RW_WS_PING);
    assert_int_equal(feed(&m, 0, RW_WS_CONT, "cd", &ev), RW_WSMSG_NONE);
    assert_int_equal(feed(&m, 1, RW_WS_CONT, "e", &ev), RW_WSMSG_MESSAGE);
    assert_int_equal(ev.opcode, RW_WS_BINARY);
    assert_int_equal(ev.len, 5);
    assert_memory_equal(ev.data, "abcde", 5);
    assert_int_equal(feed(&m, 1, RW_WS_CLOSE,
                          "\x0f\xa1"
                          "bye",
                          &ev),
                     RW_WSMSG_CONTROL);
    assert_int_equal(ev.close_code, 4001);
    assert_int_equal(feed(&m, 1, RW_WS_CLOSE, "", &ev), RW_WSMSG_CONTROL);
    assert_int_equal(ev.close_code, 1005);
    rw_wsmsg_free(&m);
}

static void test_errors(void **state)
{
    (void)state;
    rw_wsmsg m;
    rw_wsmsg_event ev;
    rw_wsmsg_init(&m, 4);
    assert_int_equal(feed(&m, 1, RW_WS_CONT, "x", &ev), RW_WSMSG_ERROR);
    assert_int_equal(ev.why, RW_WSMSG_E_CONT_NO_START);
    assert_int_equal(feed(&m, 1, 3, "x", &ev), RW_WSMSG_ERROR);
    assert_int_equal(ev.why, RW_WSMSG_E_OPCODE);
    assert_int_equal(feed(&m, 0, RW_WS_TEXT, "ab", &ev), RW_WSMSG_NONE);
    assert_int_equal(feed(&m, 1, RW_WS_TEXT, "x", &ev), RW_WSMSG_ERROR);
    assert_int_equal(ev.why, RW_WSMSG_E_NEW_IN_FRAG);
    assert_int_equal(feed(&m, 1, RW_WS_CONT, "cde", &ev), RW_WSMSG_ERROR);
    assert_int_equal(ev.why, RW_WSMSG_E_TOO_LARGE);
    assert_string_equal(rw_wsmsg_strerror(RW_WSMSG_E_TOO_LARGE), "fragmented message too large");
    rw_wsmsg_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
