/* rh_log: leveled logging to stderr for the server (declared in net.h), one line per message
 * with a UTC time of day and the level name. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "net.h"

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int rh_log_level_by_name(const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void rh_logf(const rh_log *log, int level, const char *fmt, ...)
{
    if (log && level > log->level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int l = level < 0 ? 0 : level > 3 ? 3 : level;
    fprintf(stderr, "%02d:%02d:%02d.%03ld %-5s %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            ts.tv_nsec / 1000000, level_names[l], msg);
}
