/* The allocation-failure hook's state and controls (see failmalloc.h). The allocator
 * replacements are in failmalloc_wrap.c, which only an executable linked with --wrap pulls
 * in, so every harness may call tm_pause and tm_resume. */
#include "failmalloc.h"

#include <dlfcn.h>
#include <stdint.h>

#define MAX_SITES 2048

static struct {
    int armed;
    long fail_at, count;
    int failed, paused;
    const void *sites[MAX_SITES];
    size_t nsites;
} tm;

static void note_site(const void *site)
{
    for (size_t i = 0; i < tm.nsites; i++)
        if (tm.sites[i] == site)
            return;
    if (tm.nsites < MAX_SITES)
        tm.sites[tm.nsites++] = site;
}

int tm_fail_now(const void *site)
{
    if (!tm.armed || tm.paused)
        return 0;
    if (tm.count++ != tm.fail_at)
        return 0;
    tm.failed = 1;
    note_site(site);
    return 1;
}

void tm_fail_at(long n)
{
    tm.armed = 1;
    tm.fail_at = n;
    tm.count = 0;
    tm.failed = 0;
    tm.paused = 0;
}

void tm_off(void)
{
    tm.armed = 0;
}

int tm_failed(void)
{
    return tm.failed;
}

long tm_count(void)
{
    return tm.count;
}

void tm_pause(void)
{
    tm.paused++;
}

void tm_resume(void)
{
    if (tm.paused > 0)
        tm.paused--;
}

static int in_exe(const void *site, uintptr_t *offset)
{
    Dl_info self, at;
    if (!dladdr((const void *)tm_fail_at, &self) || !dladdr(site, &at))
        return 0;
    *offset = (uintptr_t)site - (uintptr_t)self.dli_fbase;
    return at.dli_fbase == self.dli_fbase;
}

size_t tm_sites(size_t *exe)
{
    size_t n = 0;
    uintptr_t off;
    for (size_t i = 0; i < tm.nsites; i++)
        n += (size_t)in_exe(tm.sites[i], &off);
    if (exe)
        *exe = n;
    return tm.nsites;
}

void tm_print_sites(FILE *out)
{
    uintptr_t off;
    for (size_t i = 0; i < tm.nsites; i++)
        if (in_exe(tm.sites[i], &off))
            fprintf(out, "0x%lx\n", (unsigned long)(off - 1)); /* the call, not the return */
}
