/* tm: an allocation-failure hook for the unit tests (test-only), so the out-of-memory branches
 * of the server run under test.
 *
 * A test executable linked with rh_failmalloc_link_args (-Wl,--wrap=malloc,calloc,realloc,
 * strdup,strndup; see reference/testing/meson.build) sends every allocation of the code under
 * test through this hook without a change to that code; tm_install routes cJSON's allocations
 * through it too. tm_fail_at(n) makes the n-th allocation from now (0-based) fail, that one
 * only, so the code's recovery after the failure runs as well. tm_pause/tm_resume bracket the
 * harness's own allocations (a fake edge recording frames) so they are neither counted nor
 * failed.
 *
 * State: one hook per process (the allocator is process-wide), reset by tm_off. Tests are
 * single-threaded. */
#ifndef RH_TESTING_FAILMALLOC_H
#define RH_TESTING_FAILMALLOC_H

#include <stddef.h>
#include <stdio.h>

/* Routes cJSON's allocations through the hook (once, before the first test; only in an
 * executable linked with rh_failmalloc_link_args). */
void tm_install(void);
/* 1 when the allocation made from site must fail (counts it); for the allocator wrappers. */
int tm_fail_now(const void *site);
/* The n-th counted allocation from now fails (n >= 0); counting starts now. */
void tm_fail_at(long n);
/* No more failures; counting stops. */
void tm_off(void);
/* 1 once the armed allocation failed. */
int tm_failed(void);
/* Allocations counted since tm_fail_at. */
long tm_count(void);
void tm_pause(void);
void tm_resume(void);
/* Distinct call sites (return addresses) whose allocation was failed since the start of the
 * process, and how many of them lie in the test executable itself (the server's code, which
 * is linked in statically) rather than a shared library (cJSON). */
size_t tm_sites(size_t *in_exe);
/* Prints one line per failed site in the executable: its offset from the executable's base,
 * for addr2line -f -e EXE. */
void tm_print_sites(FILE *out);

#endif
