/* rb_result: the JSON result of a rehome-bench run, built from plain values (no I/O).
 *
 * Layout: {"tool","version","date","machine":{...},"server":{...},"scenario","publish",
 * "parameters":{...},"placement":{...},"floor":HIST,"figures":{...},"errors":N,"ok":B}, where
 * HIST is rb_result_hist's object. Every function returns a new cJSON tree owned by the
 * caller (cJSON_Delete), or NULL when out of memory. Times in the JSON are microseconds. */
#ifndef RB_RESULT_H
#define RB_RESULT_H

#include <cjson/cJSON.h>

#include "hist.h"

typedef struct rb_result_meta {
    const char *version;
    const char *date; /* ISO 8601 UTC */
    const char *cpu_model;
    int ncpu;
    const char *kernel;
    const char *server_name; /* label given with --server-name, e.g. "rehome" or "soketi" */
    const char *server_url;
    int server_pid; /* 0 when not given */
    const char *scenario;
    const char *publish; /* "control" or "http" */
} rb_result_meta;

/* {"count","min_us","mean_us","p50_us","p90_us","p99_us","p999_us","max_us","cdf":[[us,q]..]}.
 * The cdf lists the value at a fixed ladder of quantiles, for plotting. */
cJSON *rb_result_hist(const rb_hist *h);

/* Latency minus floor at each quantile: {"p50_us","p90_us","p99_us","p999_us"}. Not clamped
 * at zero: a negative value means the floor run was noisier than the measured one. */
cJSON *rb_result_above_floor(const rb_hist *lat, const rb_hist *floor);

/* The whole document. Takes ownership of params, placement, floor and figures (any may be
 * NULL: then the member is null). */
cJSON *rb_result_doc(const rb_result_meta *m, cJSON *params, cJSON *placement, cJSON *floor,
                     cJSON *figures, unsigned long long errors);

#endif
