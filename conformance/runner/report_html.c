/* The HTML report: header with target and suite version, summary by profile and verdict,
 * the baseline comparison, the case table grouped by spec section, and per case its
 * requirement, problem, expected vs seen and wire log (collapsed). */
#include <stdlib.h>
#include <string.h>

#include "report_html.h"

/* Wire entries kept per case in the page (report.json has them all): the tail, where a
 * failure shows. */
#define HTML_WIRE_PASS  40
#define HTML_WIRE_OTHER 400
#define MAX_PROFILES    8

/* The case fields shown in the table and in each case's detail, in this order. The one place
 * to add a field of rc_case: a getter returning the text, or NULL for none. */
typedef struct html_field {
    const char *label;
    const char *(*get)(const rc_case *c);
} html_field;

static const char *field_level(const rc_case *c)
{
    return rc_level_name(c->level);
}
static const char *field_tags(const rc_case *c)
{
    return c->tags && *c->tags ? c->tags : NULL;
}
static const html_field case_fields[] = {
    {"level", field_level},
    {"tags", field_tags},
};
#define NFIELDS (sizeof case_fields / sizeof case_fields[0])

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}"
    "h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.5em 0 .4em}"
    "table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}"
    "tr.sec th{background:#e4e8ef}td.num{text-align:right}"
    ".v{font-weight:600;padding:0 4px;border-radius:3px;white-space:nowrap}"
    ".v-0{background:#d7f5dd;color:#14532d}.v-1{background:#fff1c2;color:#713f12}"
    ".v-2{background:#fbd5d5;color:#7f1d1d}.v-3{background:#e0e7ff;color:#1e3a8a}"
    ".v-4{background:#eee;color:#444}.v-5{background:#f5d0fe;color:#701a75}"
    ".chg{background:#fbd5d5;font-weight:600}dl{margin:.3em 0}dt{font-weight:600;float:left;"
    "width:8em;clear:left}dd{margin:0 0 .2em 8.5em;white-space:pre-wrap;word-break:break-word}"
    "section.case{border:1px solid #ddd;border-left-width:6px;margin:.6em 0;padding:.4em .8em}"
    "section.c-2,section.c-5{border-left-color:#dc2626}section.c-1{border-left-color:#ca8a04}"
    "section.c-0{border-left-color:#16a34a}section.c-3,section.c-4{border-left-color:#64748b}"
    "h3{font-size:1em;margin:.2em 0}pre{background:#f7f7f7;padding:.4em;overflow-x:auto;"
    "white-space:pre-wrap;word-break:break-all;font-size:12px}.out{color:#1d4ed8}"
    ".in{color:#15803d}.note{color:#666}summary{cursor:pointer}code{font-size:12px}";

static void esc(FILE *f, const char *s)
{
    char *e = rc_xml_escape(s ? s : ""); /* & < > " ' escaped: safe in text and attributes */
    fputs(e ? e : "", f);
    free(e);
}

static void verdict_span(FILE *f, rc_verdict v)
{
    fprintf(f, "<span class=\"v v-%d\">%s</span>", (int)v, rc_verdict_name(v));
}

/* Changed against the baseline: as main.c decides (a SKIP learned nothing). */
static int base_changed(const rc_baseline *b, const rc_result *r, rc_verdict *want,
                        const char **why)
{
    *want = rc_baseline_expected(b, r->c->id, why);
    return r->verdict != *want && r->verdict != RC_SKIP;
}

/* The endpoints the run used, derived from the target: the one place to show more. */
/* The endpoint of each role as the JSON and JUnit reports record it, then the producer and
 * any extra HTTP nodes. */
static void put_endpoints(FILE *f, const rc_run_info *ri, const rc_target *t)
{
    static const char *const label[RC_ROLES] = {"WebSocket", "HTTP API", "authorizer",
                                                "control API"};
    for (int r = 0; r < RC_ROLES; r++) {
        if (!ri->endpoints[r])
            continue;
        fprintf(f, "<tr><th>%s</th><td><code>", label[r]);
        esc(f, ri->endpoints[r]);
        fputs("</code></td></tr>\n", f);
    }
    fputs("<tr><th>producer</th><td><code>", f);
    esc(f, ri->producer ? ri->producer : "control");
    fputs("</code></td></tr>\n", f);
    for (int i = 1; t && i < t->nhttp_nodes; i++) {
        fprintf(f, "<tr><th>HTTP node %d</th><td><code>", i);
        esc(f, t->http_nodes[i].host);
        fprintf(f, ":%d</code></td></tr>\n", t->http_nodes[i].port);
    }
}

static void put_header(FILE *f, const rc_html_info *hi)
{
    const rc_run_info *ri = hi->run;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n<title>rehome-conform ",
          f);
    fputs(RH_VERSION " report: ", f);
    esc(f, ri->target);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n", css);
    fputs("<h1>rehome-conform " RH_VERSION " report</h1>\n<table class=\"run\">\n"
          "<tr><th>target</th><td><code>",
          f);
    esc(f, ri->target);
    fputs("</code></td></tr>\n", f);
    put_endpoints(f, ri, hi->t);
    fputs("<tr><th>suite version</th><td>" RH_VERSION "</td></tr>\n<tr><th>options</th><td>", f);
    fputs("profile ", f);
    esc(f, ri->profile);
    fprintf(f, ", %s, %s, max wait %d s, seed %llu", ri->strict ? "strict" : "not strict",
            ri->slow ? "slow cases included" : "slow cases skipped", ri->max_wait_s, ri->seed);
    if (ri->timeout_ms)
        fprintf(f, ", timeout %d ms", ri->timeout_ms);
    fputs("</td></tr>\n<tr><th>command</th><td><code>", f);
    for (int i = 0; i < ri->argc; i++) {
        if (i)
            fputc(' ', f);
        esc(f, ri->argv[i]);
    }
    fputs("</code></td></tr>\n", f);
    if (hi->generated_at) {
        fputs("<tr><th>generated</th><td>", f);
        esc(f, hi->generated_at);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void put_summary(FILE *f, const rc_result *res, size_t n)
{
    char prof[MAX_PROFILES][32];
    size_t np = 0, c[MAX_PROFILES + 1][RC__VERDICTS] = {{0}};
    for (size_t i = 0; i < n; i++) {
        char p[32];
        rc_profile_of(res[i].c->id, p, sizeof p);
        size_t k = 0;
        while (k < np && strcmp(prof[k], p) != 0)
            k++;
        if (k == np && np < MAX_PROFILES)
            snprintf(prof[np++], sizeof prof[0], "%s", p);
        if (k < np)
            c[k][res[i].verdict]++;
        c[MAX_PROFILES][res[i].verdict]++;
    }
    fputs("<h2>Summary</h2>\n<table class=\"summary\"><tr><th>profile</th>", f);
    for (int v = 0; v < RC__VERDICTS; v++) {
        fputs("<th>", f);
        verdict_span(f, (rc_verdict)v);
        fputs("</th>", f);
    }
    fputs("<th>cases</th></tr>\n", f);
    for (size_t k = 0; k <= np; k++) {
        size_t row = k == np ? MAX_PROFILES : k, total = 0;
        fputs(k == np ? "<tr><th>all</th>" : "<tr><th>", f);
        if (k < np) {
            esc(f, prof[k]);
            fputs("</th>", f);
        }
        for (int v = 0; v < RC__VERDICTS; v++) {
            fprintf(f, "<td class=\"num\">%zu</td>", c[row][v]);
            total += c[row][v];
        }
        fprintf(f, "<td class=\"num\">%zu</td></tr>\n", total);
    }
    fputs("</table>\n", f);
}

static void put_baseline(FILE *f, const rc_html_info *hi, const rc_result *res, size_t n)
{
    const rc_baseline *b = hi->base;
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        rc_verdict want;
        const char *why;
        changed += base_changed(b, &res[i], &want, &why);
    }
    fputs("<h2 id=\"baseline\">Baseline comparison</h2>\n<p>Baseline <code>", f);
    esc(f, hi->expect_path);
    fprintf(f, "</code>: %zu known deviation%s, %zu exclusion%s; <b>%zu case%s changed</b>.</p>\n",
            b->n, b->n == 1 ? "" : "s", b->nx, b->nx == 1 ? "" : "s", changed,
            changed == 1 ? "" : "s");
    fputs("<table class=\"baseline\"><tr><th>case</th><th>expected</th><th>seen</th>"
          "<th>baseline reason</th></tr>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        rc_verdict want;
        const char *why;
        int chg = base_changed(b, &res[i], &want, &why);
        if (!chg && !why)
            continue;
        fprintf(f, "<tr%s><td><a href=\"#case-", chg ? " class=\"chg\"" : "");
        esc(f, res[i].c->id);
        fputs("\">", f);
        esc(f, res[i].c->id);
        fputs("</a></td><td>", f);
        verdict_span(f, want);
        fputs("</td><td>", f);
        verdict_span(f, res[i].verdict);
        fputs(chg ? " changed" : "", f);
        fputs("</td><td>", f);
        esc(f, why ? why : "");
        fputs("</td></tr>\n", f);
    }
    for (size_t k = 0; k < b->nx; k++) {
        fputs("<tr><td><code>", f);
        esc(f, b->x[k].pattern);
        fputs("</code></td><td colspan=\"2\">excluded (not run)</td><td>", f);
        esc(f, b->x[k].reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

typedef struct ord {
    const rc_result *r;
    size_t i;
} ord;

static int ord_cmp(const void *a, const void *b)
{
    const ord *x = a, *y = b;
    int c = strverscmp(x->r->c->section, y->r->c->section);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static void put_base_cell(FILE *f, const rc_html_info *hi, const rc_result *r)
{
    if (!hi->base)
        return;
    rc_verdict want;
    const char *why;
    int chg = base_changed(hi->base, r, &want, &why);
    fprintf(f, "<td%s>", chg ? " class=\"chg\"" : "");
    if (chg || why) {
        fputs(chg ? "changed: expected " : "as expected: ", f);
        verdict_span(f, want);
    }
    fputs("</td>", f);
}

static void put_table(FILE *f, const rc_html_info *hi, const ord *o, size_t n)
{
    fputs("<h2>Cases by section</h2>\n<table class=\"cases\"><tr><th>case</th><th>title</th>", f);
    for (size_t k = 0; k < NFIELDS; k++)
        fprintf(f, "<th>%s</th>", case_fields[k].label);
    fprintf(f, "<th>verdict</th><th>ms</th>%s</tr>\n", hi->base ? "<th>baseline</th>" : "");
    for (size_t i = 0; i < n; i++) {
        const rc_result *r = o[i].r;
        if (i == 0 || strcmp(r->c->section, o[i - 1].r->c->section) != 0) {
            fprintf(f, "<tr class=\"sec\"><th colspan=\"%zu\">section ", 4 + NFIELDS + !!hi->base);
            esc(f, r->c->section);
            fputs("</th></tr>\n", f);
        }
        fputs("<tr><td><a href=\"#case-", f);
        esc(f, r->c->id);
        fputs("\">", f);
        esc(f, r->c->id);
        fputs("</a></td><td>", f);
        esc(f, r->c->title);
        fputs("</td>", f);
        for (size_t k = 0; k < NFIELDS; k++) {
            fputs("<td>", f);
            esc(f, case_fields[k].get(r->c));
            fputs("</td>", f);
        }
        fputs("<td>", f);
        verdict_span(f, r->verdict);
        fprintf(f, "</td><td class=\"num\">%ld</td>", r->duration_ms);
        put_base_cell(f, hi, r);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void put_dd(FILE *f, const char *label, const char *text)
{
    if (!text)
        return;
    fprintf(f, "<dt>%s</dt><dd>", label);
    esc(f, text);
    fputs("</dd>", f);
}

static void put_wire(FILE *f, const rc_result *r)
{
    if (!r->nwire)
        return;
    size_t keep = r->verdict == RC_PASS ? HTML_WIRE_PASS : HTML_WIRE_OTHER;
    size_t from = r->nwire > keep ? r->nwire - keep : 0;
    fprintf(f, "<details class=\"wire\"><summary>wire log (%zu entr%s", r->nwire,
            r->nwire == 1 ? "y" : "ies");
    if (from || r->wire_dropped)
        fprintf(f, "; the last %zu shown, every kept entry in report.json", r->nwire - from);
    fputs(")</summary><pre>", f);
    for (size_t k = from; k < r->nwire; k++) {
        const rc_wire *w = &r->wire[k];
        const char *cls = strcmp(w->dir, "out") == 0  ? "out"
                          : strcmp(w->dir, "in") == 0 ? "in"
                                                      : "note";
        fprintf(f, "<span class=\"%s\">%7ld ms %-4s ", cls, w->t_ms,
                strcmp(cls, "out") == 0  ? "-&gt;"
                : strcmp(cls, "in") == 0 ? "&lt;-"
                                         : "  ");
        esc(f, w->dir);
        fputs(" ", f);
        esc(f, w->data);
        fputs("</span>\n", f);
    }
    fputs("</pre></details>\n", f);
}

static void put_case(FILE *f, const rc_html_info *hi, const rc_result *r)
{
    fprintf(f, "<section class=\"case c-%d\" id=\"case-", (int)r->verdict);
    esc(f, r->c->id);
    fputs("\"><h3>", f);
    verdict_span(f, r->verdict);
    fputs(" <code>", f);
    esc(f, r->c->id);
    fputs("</code> ", f);
    esc(f, r->c->title);
    fprintf(f, " <small>(%ld ms)</small></h3><dl>", r->duration_ms);
    put_dd(f, "section", r->c->section);
    for (size_t k = 0; k < NFIELDS; k++)
        put_dd(f, case_fields[k].label, case_fields[k].get(r->c));
    put_dd(f, "requirement", r->c->requirement);
    const char *label = r->verdict == RC_NONSTRICT     ? "non-strict"
                        : r->verdict == RC_UNSUPPORTED ? "unsupported"
                        : r->verdict == RC_SKIP        ? "skipped"
                        : r->verdict == RC_ERROR       ? "error"
                                                       : "problem";
    put_dd(f, label, r->message);
    put_dd(f, "expected", r->expected);
    put_dd(f, "seen", r->seen);
    if (hi->base) {
        rc_verdict want;
        const char *why;
        if (base_changed(hi->base, r, &want, &why) || why) {
            fputs("<dt>baseline</dt><dd>expected ", f);
            verdict_span(f, want);
            if (why) {
                fputs(": ", f);
                esc(f, why);
            }
            fputs("</dd>", f);
        }
    }
    fputs("</dl>\n", f);
    put_wire(f, r);
    fputs("</section>\n", f);
}

int rc_html_write(FILE *f, const rc_html_info *hi, const rc_result *res, size_t n)
{
    ord *o = calloc(n ? n : 1, sizeof *o);
    if (!o)
        return -1;
    for (size_t i = 0; i < n; i++)
        o[i] = (ord){&res[i], i};
    qsort(o, n, sizeof *o, ord_cmp);
    put_header(f, hi);
    put_summary(f, res, n);
    if (hi->base)
        put_baseline(f, hi, res, n);
    put_table(f, hi, o, n);
    fputs("<h2>Case details</h2>\n", f);
    for (size_t i = 0; i < n; i++)
        put_case(f, hi, o[i].r);
    fputs("</body></html>\n", f);
    free(o);
    return ferror(f) ? -1 : 0;
}

int rc_write_html(const char *path, const rc_html_info *hi, const rc_result *res, size_t n,
                  char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    int rc = f ? rc_html_write(f, hi, res, n) : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc < 0)
        snprintf(err, errlen, "cannot write %s", path);
    return rc;
}
