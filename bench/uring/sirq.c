#include "uring/sirq.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    return ok ? 0 : -1;
}

void ru_sirq_find(ru_sirq *s)
{
    memset(s, 0, sizeof(*s));
    DIR *d = opendir("/proc");
    if (!d)
        return;
    const struct dirent *e;
    while ((e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300], comm[32];
        snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
        int cpu;
        if (read_line(path, comm, sizeof(comm)) == 0 && sscanf(comm, "ksoftirqd/%d", &cpu) == 1 &&
            cpu >= 0 && cpu < RU_SIRQ_MAX_CPUS)
            s->pid[cpu] = atoi(e->d_name);
    }
    closedir(d);
}

static int64_t pid_ns(int pid)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
    if (pid <= 0 || read_line(path, line, sizeof(line)) < 0)
        return 0;
    return strtoll(line, NULL, 10);
}

int64_t ru_sirq_ns(const ru_sirq *s, int cpu)
{
    if (cpu >= 0)
        return cpu < RU_SIRQ_MAX_CPUS ? pid_ns(s->pid[cpu]) : 0;
    int64_t sum = 0;
    for (int c = 0; c < RU_SIRQ_MAX_CPUS; c++)
        sum += pid_ns(s->pid[c]);
    return sum;
}
