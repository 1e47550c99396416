/* The HTML report (rehome-conform --html FILE): one self-contained page that a person reads
 * and a vendor publishes. No script and no external asset; a Content-Security-Policy that
 * forbids both, so a page that leaked markup still could not run or fetch anything. Every
 * text that comes from the case table, the command line or the server is escaped.
 *
 * Owned by the runner. The writer only reads its arguments; nothing it is given is kept. */
#ifndef RC_REPORT_HTML_H
#define RC_REPORT_HTML_H

#include <stdio.h>

#include "runner.h"

typedef struct rc_html_info {
    const rc_run_info *run;
    const rc_target *t;       /* the endpoints shown in the header; may be NULL */
    const rc_baseline *base;  /* --expect: the comparison view; NULL without */
    const char *expect_path;  /* the baseline's file name, shown with it */
    const char *generated_at; /* "2026-12-01 21:30 UTC"; NULL: not shown */
} rc_html_info;

/* Writes the page to f. 0, or -1 on a write error or out of memory. */
int rc_html_write(FILE *f, const rc_html_info *hi, const rc_result *res, size_t n);
/* The same into path. 0, or -1 with a message in err. */
int rc_write_html(const char *path, const rc_html_info *hi, const rc_result *res, size_t n,
                  char *err, size_t errlen);

#endif
