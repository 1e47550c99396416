/* The terminal progress line (progress.h). */
#include <unistd.h>

#include "progress.h"

void rc_progress_init(rc_progress *p, FILE *f, size_t n)
{
    p->f = f;
    p->on = f && isatty(fileno(f));
    p->n = n;
    p->shown = 0;
}

void rc_progress_show(rc_progress *p, size_t i, const char *what)
{
    if (!p->on)
        return;
    /* \r and erase-line: the counter replaces itself; the name is cut to fit 80 columns. */
    fprintf(p->f, "\r\033[K[%3zu/%zu] %.60s", i + 1, p->n, what ? what : "");
    fflush(p->f);
    p->shown = 1;
}

void rc_progress_clear(rc_progress *p)
{
    if (!p->on || !p->shown)
        return;
    fputs("\r\033[K", p->f);
    fflush(p->f);
    p->shown = 0;
}
