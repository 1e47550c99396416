/* Runner modules: registry, selection, baselines, reports (suite-internal, owned by the
 * runner). Pure functions where possible so tests/test_runner.c can check them. */
#ifndef RC_RUNNER_H
#define RC_RUNNER_H

#include <stdio.h>

#include "internal.h"

/* --- registry (registry.c) --- */
/* The case tables, in run order; NULL entries are tables not linked into this build. */
extern const rc_case *const *rc_registry_tables(size_t *n);

/* --- selection (select.c) --- */
typedef struct rc_select {
    const char *profile; /* "pusher", "stream" or "all" */
    const char **include;
    size_t ninclude;
    const char **exclude;
    size_t nexclude;
} rc_select;

/* 1 when pattern selects id: fnmatch glob ('*' also crosses '/'), or, for a pattern without
 * glob characters, the id itself or a prefix ending at a / or . ("pusher/2", "pusher/2.2"). */
int rc_glob_match(const char *pattern, const char *id);
/* 1 when the case is selected by profile, --case and --exclude. */
int rc_selected(const rc_select *s, const char *id);
/* The id's profile ("pusher/..." -> "pusher") into out. */
void rc_profile_of(const char *id, char *out, size_t outlen);

/* --- verdicts --- */
const char *rc_verdict_name(rc_verdict v);
/* Parses "PASS", "NON-STRICT" (also NON_STRICT, NONSTRICT), ... case-insensitively; -1 if unknown.
 */
int rc_verdict_parse(const char *s);
const char *rc_level_name(rc_level l);

/* --- baselines (baseline.c) --- */
typedef struct rc_base_entry {
    char *id;
    rc_verdict verdict;
    char *reason;
} rc_base_entry;

/* A case the baseline keeps from running at all (it crashes or hangs that target). */
typedef struct rc_base_excl {
    char *pattern; /* an id or a glob, matched as --exclude matches (rc_glob_match) */
    char *reason;
} rc_base_excl;

typedef struct rc_baseline {
    rc_base_entry *e;
    size_t n;
    rc_base_excl *x;
    size_t nx;
} rc_baseline;

/* Parses a baseline document {"cases":{"<id>":{"verdict":"FAIL","reason":"..."}},
 * "exclude":{"<id or glob>":"<reason>"}} ("exclude" optional).
 * 0, or -1 with a message in err (every entry needs a known verdict and a non-empty reason,
 * every exclusion a non-empty reason). */
int rc_baseline_parse(const char *text, size_t len, rc_baseline *out, char *err, size_t errlen);
int rc_baseline_load(const char *path, rc_baseline *out, char *err, size_t errlen);
/* The verdict expected for id: the entry's, or PASS when absent. reason may be NULL. */
rc_verdict rc_baseline_expected(const rc_baseline *b, const char *id, const char **reason);
/* The reason of the first exclusion matching id, or NULL when the case is to run. */
const char *rc_baseline_excluded(const rc_baseline *b, const char *id);
void rc_baseline_free(rc_baseline *b);

/* --- text (text.c) --- */
/* XML 1.0 text/attribute escape; invalid UTF-8 and forbidden control characters become
 * U+FFFD. Heap string (caller frees), NULL on allocation failure. */
char *rc_xml_escape(const char *s);
/* Copy with invalid UTF-8 replaced by U+FFFD (for JSON output). Heap. */
char *rc_utf8_clean(const char *s);

/* --- reports (report.c) --- */
typedef struct rc_run_info {
    const char *target;
    const char *endpoints[RC_ROLES]; /* URL of each role (NULL: not known, e.g. --list) */
    const char *producer;            /* "control" or "exec:CMD" */
    const char *profile;
    unsigned long long seed;
    int strict;
    int timeout_ms;
    int max_wait_s;
    int slow;
    const char *const *argv;
    int argc;
} rc_run_info;

void rc_print_case_line(FILE *f, const rc_result *r);
/* Failures again with requirement, expected vs seen and the last wire lines, then totals. */
void rc_print_summary(FILE *f, const rc_result *res, size_t n, int strict);
int rc_write_json(const char *path, const rc_run_info *info, const rc_result *res, size_t n,
                  char *err, size_t errlen);
int rc_write_junit(const char *path, const rc_run_info *info, const rc_result *res, size_t n,
                   char *err, size_t errlen);

#endif
