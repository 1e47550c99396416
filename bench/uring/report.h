/* ru_report: rehome-uring-bench's results as a table (medians over runs, each variant beside
 * the send() loop of the same N and frame size) and as a JSON document
 * {"tool","version","date","machine":{...},"placement":{...},"load_avg":{"start","end"},
 * "ring_flags","parameters":{...},"results":[{"n","bytes","variant","skipped","median":FIGS,
 * "runs":[FIGS..]}]}, FIGS being ru_figs's fields in nanoseconds per delivery.
 *
 * Ownership: the cells are the caller's; ru_report_json returns a new tree (cJSON_Delete). */
#ifndef RU_REPORT_H
#define RU_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "uring/fan.h"

#define RU_MAX_RUNS 64

typedef struct ru_cell {
    int n;
    size_t bytes;
    ru_variant v;
    int nruns;
    ru_figs runs[RU_MAX_RUNS];
    char skipped[128]; /* why the variant did not run here, "" when it ran */
} ru_cell;

typedef struct ru_meta {
    const char *date; /* ISO 8601 UTC */
    const char *kernel;
    const char *cpu_model;
    int ncpu;
    const char *ring_flags;
    int sender_cpu, reader_cpu; /* -1: not pinned */
    double load_start[3], load_end[3];
    int rounds, warmup, runs;
} ru_meta;

/* Per-field medians over the cell's runs (zeros without runs). */
void ru_cell_median(const ru_cell *c, ru_figs *med);

void ru_report_table(FILE *out, const ru_meta *m, const ru_cell *cells, size_t ncells);
cJSON *ru_report_json(const ru_meta *m, const ru_cell *cells, size_t ncells);

#endif
