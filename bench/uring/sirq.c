#include "uring/sirq.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/proc.h"

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
        char path[300];
        snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
        char *comm = rw_file_read(path, 64, NULL);
        int cpu;
        if (comm && sscanf(comm, "ksoftirqd/%d", &cpu) == 1 && cpu >= 0 && cpu < RU_SIRQ_MAX_CPUS)
            s->pid[cpu] = atoi(e->d_name);
        free(comm);
    }
    closedir(d);
}

static int64_t pid_ns(int pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
    char *line = pid > 0 ? rw_file_read(path, 128, NULL) : NULL;
    int64_t ns = line ? strtoll(line, NULL, 10) : 0;
    free(line);
    return ns;
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
