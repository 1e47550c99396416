/* Unit tests of rw_proc: the /proc text parsers and the file reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wire/proc.h"

static void test_proc_parsers(void **state)
{
    (void)state;
    assert_int_equal(rw_proc_parse_rss_kb("Name:\tx\nVmPeak:\t 9 kB\nVmRSS:\t   12345 kB\n"),
                     12345);
    assert_int_equal(rw_proc_parse_rss_kb("Name:\tx\n"), -1);
    assert_int_equal(rw_proc_parse_rss_kb(NULL), -1);
    /* A command with a space and a parenthesis; utime 250, stime 50, processor 1. */
    const char *stat = "4242 (my (srv) x) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 2000 "
                       "300 1 2 3 4 5 6 7 8 9 10 11 12 13 17 1 0 0\n";
    unsigned long long t = 0;
    int cpu = -1;
    assert_int_equal(rw_proc_parse_cpu(stat, &t, &cpu), 0);
    assert_int_equal(t, 300);
    assert_int_equal(cpu, 1);
    assert_int_equal(rw_proc_parse_cpu("4242 (x) S 1 2 3\n", &t, &cpu), -1);
    assert_int_equal(rw_proc_parse_cpu("no paren", &t, &cpu), -1);
}

static void test_readers(void **state)
{
    (void)state;
    char path[] = "/tmp/rw_proc_testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello world", 11), 11);
    close(fd);
    size_t n = 0;
    char *t = rw_file_read(path, 5, &n);
    assert_non_null(t);
    assert_int_equal(n, 5);
    assert_string_equal(t, "hello");
    free(t);
    unlink(path);
    assert_null(rw_file_read(path, 5, &n));
    /* This process has an RSS and CPU time of its own. */
    assert_true(rw_proc_rss_kb((int)getpid()) > 0);
    double secs = -1;
    int cpu = -2;
    assert_int_equal(rw_proc_cpu_seconds((int)getpid(), &secs, &cpu), 0);
    assert_true(secs >= 0 && cpu >= 0);
    assert_int_equal(rw_proc_rss_kb(0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc_parsers),
        cmocka_unit_test(test_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
