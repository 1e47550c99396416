/* A progress line for long runs: "[ 12/137] pusher/2.2/..." rewritten in place on a terminal,
 * nothing at all when the stream is not a terminal (CI logs stay as they were).
 *
 * Owned by the caller (a plain struct on its stack); it keeps the FILE it is given, never
 * closes it. */
#ifndef RC_PROGRESS_H
#define RC_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct rc_progress {
    FILE *f;
    int on; /* f is a terminal */
    size_t n;
    int shown; /* a line is on screen */
} rc_progress;

void rc_progress_init(rc_progress *p, FILE *f, size_t n);
/* Shows item i (0-based) of n, named what. */
void rc_progress_show(rc_progress *p, size_t i, const char *what);
/* Erases the line, so the next output starts on a clean line. */
void rc_progress_clear(rc_progress *p);

#endif
