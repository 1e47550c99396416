/* rw_proc: small files and the /proc texts the load and latency clients read about the
 * server under test (its memory and CPU time). The readers are the file I/O; the parsers
 * of the texts are pure and tested apart.
 *
 * Ownership: rw_file_read's buffer is heap and the caller's to free(); the parsers only read
 * the text given. */
#ifndef RW_PROC_H
#define RW_PROC_H

#include <stddef.h>

/* The first max bytes of path, NUL-terminated, length in *len (may be NULL); NULL when it
 * cannot be opened or memory runs out. */
char *rw_file_read(const char *path, size_t max, size_t *len);

/* The VmRSS of a /proc/PID/status text, in kB; -1 when absent or malformed. */
long rw_proc_parse_rss_kb(const char *status_text);
/* utime + stime (clock ticks) and the last CPU (may be NULL) from a /proc/PID/stat text; 0
 * or -1 when malformed. The command name may contain spaces and parentheses. */
int rw_proc_parse_cpu(const char *stat_text, unsigned long long *ticks, int *last_cpu);

/* Reads /proc/<pid>/status: the RSS in kB, or -1. */
long rw_proc_rss_kb(int pid);
/* Reads /proc/<pid>/stat: utime+stime in seconds and the CPU it last ran on. 0 or -1. */
int rw_proc_cpu_seconds(int pid, double *secs, int *last_cpu);

#endif
