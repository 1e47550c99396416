/* rc_hooks: see hooks.h. */
#include "hooks.h"

#include <stdarg.h>
#include <stdio.h>

void rc_hooks_wire(const rc_hooks *h, const char *dir, const char *prefix, const void *data,
                   size_t len, int binary)
{
    if (h && h->wire)
        h->wire(h->ud, dir, prefix, data, len, binary);
}

int rc_hooks_timeout(const rc_hooks *h, int ms)
{
    if (h && h->timeout)
        return h->timeout(h->ud, ms);
    return ms < 0 ? 0 : ms;
}

void rc_hooks_report(const rc_hooks *h, rc_hook_kind kind, const char *expected, const char *seen,
                     const char *fmt, ...)
{
    if (!h || !h->report)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    h->report(h->ud, kind, msg, expected, seen);
}
