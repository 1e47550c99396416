/* rw_proc: see proc.h. */
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *rw_file_read(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

long rw_proc_parse_rss_kb(const char *text)
{
    const char *p = text ? strstr(text, "VmRSS:") : NULL;
    if (!p)
        return -1;
    char *end;
    long v = strtol(p + 6, &end, 10);
    if (end == p + 6 || v < 0)
        return -1;
    return v;
}

int rw_proc_parse_cpu(const char *text, unsigned long long *ticks, int *last_cpu)
{
    /* Fields after the command: state is field 3; utime 14, stime 15, processor 39. */
    const char *p = text ? strrchr(text, ')') : NULL;
    if (!p)
        return -1;
    p++;
    unsigned long long ut = 0, st = 0;
    long cpu = -1;
    for (int field = 3; field <= 39; field++) {
        while (*p == ' ')
            p++;
        if (!*p || *p == '\n')
            return -1;
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (field == 14)
            ut = v;
        else if (field == 15)
            st = v;
        else if (field == 39) {
            if (end == p)
                return -1;
            cpu = (long)v;
        }
        while (*p && *p != ' ' && *p != '\n')
            p++;
    }
    *ticks = ut + st;
    if (last_cpu)
        *last_cpu = (int)cpu;
    return 0;
}

long rw_proc_rss_kb(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    char *t = pid > 0 ? rw_file_read(path, 65535, NULL) : NULL;
    long v = t ? rw_proc_parse_rss_kb(t) : -1;
    free(t);
    return v;
}

int rw_proc_cpu_seconds(int pid, double *secs, int *last_cpu)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    char *t = pid > 0 ? rw_file_read(path, 65535, NULL) : NULL;
    unsigned long long ticks = 0;
    int rc = t ? rw_proc_parse_cpu(t, &ticks, last_cpu) : -1;
    free(t);
    if (rc == 0)
        *secs = (double)ticks / (double)sysconf(_SC_CLK_TCK);
    return rc;
}
