/* Reports: the console lines and summary, report.json and JUnit XML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "endpoints.h"
#include "runner.h"

#define SUMMARY_WIRE_LINES 12

void rc_print_case_line(FILE *f, const rc_result *r)
{
    fprintf(f, "%-11s %s  %ld ms", rc_verdict_name(r->verdict), r->c->id, r->duration_ms);
    if (r->verdict != RC_PASS && r->message)
        fprintf(f, "  (%s)", r->message);
    fputc('\n', f);
    fflush(f);
}

static int counts_as_failure(rc_verdict v, int strict)
{
    return v == RC_FAIL || (strict && v == RC_NONSTRICT);
}

static void print_wire_line(FILE *f, const rc_wire *w)
{
    const char *arrow = strcmp(w->dir, "out") == 0 ? "->" : strcmp(w->dir, "in") == 0 ? "<-" : "  ";
    /* One console line per entry: HTTP heads are multi-line, so show them flattened. */
    fprintf(f, "      %6ld ms %s %-5s ", w->t_ms, arrow, w->dir);
    int n = 0;
    for (const char *p = w->data; *p && n < 240; p++, n++) {
        if (*p == '\r')
            continue;
        fputs(*p == '\n' ? "\\n" : (char[2]){*p, 0}, f);
    }
    if (strlen(w->data) > 240)
        fputs("...", f);
    fputc('\n', f);
}

void rc_print_summary(FILE *f, const rc_result *res, size_t n, int strict)
{
    size_t c[RC__VERDICTS] = {0};
    int header = 0;
    for (size_t i = 0; i < n; i++) {
        const rc_result *r = &res[i];
        c[r->verdict]++;
        if (r->verdict != RC_FAIL && r->verdict != RC_NONSTRICT && r->verdict != RC_ERROR)
            continue;
        if (!header) {
            fprintf(f, "\nFailures and errors:\n");
            header = 1;
        }
        fprintf(f, "\n%s  %s  [%s %s] %s\n", rc_verdict_name(r->verdict), r->c->id,
                rc_level_name(r->c->level), r->c->section, r->c->title);
        if (r->c->requirement)
            fprintf(f, "  requirement: %s\n", r->c->requirement);
        if (r->message)
            fprintf(f, "  problem:     %s\n", r->message);
        if (r->expected || r->seen)
            fprintf(f, "  expected:    %s\n  seen:        %s\n", r->expected ? r->expected : "-",
                    r->seen ? r->seen : "-");
        if (r->nwire) {
            size_t from = r->nwire > SUMMARY_WIRE_LINES ? r->nwire - SUMMARY_WIRE_LINES : 0;
            fprintf(f, "  wire log (last %zu of %zu):\n", r->nwire - from, r->nwire);
            for (size_t k = from; k < r->nwire; k++)
                print_wire_line(f, &r->wire[k]);
        }
    }
    size_t failed = c[RC_FAIL] + (strict ? c[RC_NONSTRICT] : 0);
    fprintf(f,
            "\n%zu cases: %zu passed, %zu failed, %zu non-strict, %zu unsupported, %zu skipped, "
            "%zu errors\n",
            n, c[RC_PASS], c[RC_FAIL], c[RC_NONSTRICT], c[RC_UNSUPPORTED], c[RC_SKIP], c[RC_ERROR]);
    fprintf(f, "%zu passed, %zu failed\n", c[RC_PASS] + (strict ? 0 : c[RC_NONSTRICT]), failed);
    fflush(f);
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (!v) {
        cJSON_AddNullToObject(o, k);
        return;
    }
    char *c = rc_utf8_clean(v);
    cJSON_AddStringToObject(o, k, c ? c : "");
    free(c);
}

int rc_write_json(const char *path, const rc_run_info *info, const rc_result *res, size_t n,
                  char *err, size_t errlen)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "harness", "rehome-conform");
    cJSON_AddStringToObject(root, "version", RH_VERSION);
    add_str(root, "target", info->target);
    cJSON *eps = cJSON_AddObjectToObject(root, "endpoints");
    for (int r = 0; r < RC_ROLES; r++)
        add_str(eps, rc_role_name((rc_role)r), info->endpoints[r]);
    add_str(root, "producer", info->producer ? info->producer : "control");
    cJSON *opt = cJSON_AddObjectToObject(root, "options");
    add_str(opt, "profile", info->profile);
    cJSON_AddBoolToObject(opt, "strict", info->strict);
    cJSON_AddBoolToObject(opt, "slow", info->slow);
    cJSON_AddNumberToObject(opt, "timeout_ms", info->timeout_ms);
    cJSON_AddNumberToObject(opt, "max_wait_s", info->max_wait_s);
    cJSON *argv = cJSON_AddArrayToObject(opt, "argv");
    for (int i = 0; i < info->argc; i++) {
        char *c = rc_utf8_clean(info->argv[i]);
        cJSON_AddItemToArray(argv, cJSON_CreateString(c ? c : ""));
        free(c);
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", info->seed);
    cJSON_AddStringToObject(root, "seed", seed); /* a string: 64-bit values exceed doubles */
    size_t c[RC__VERDICTS] = {0};
    for (size_t i = 0; i < n; i++)
        c[res[i].verdict]++;
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "total", (double)n);
    for (int v = 0; v < RC__VERDICTS; v++)
        cJSON_AddNumberToObject(sum, rc_verdict_name((rc_verdict)v), (double)c[v]);
    cJSON *cases = cJSON_AddArrayToObject(root, "cases");
    for (size_t i = 0; i < n; i++) {
        const rc_result *r = &res[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(cases, o);
        add_str(o, "id", r->c->id);
        add_str(o, "verdict", rc_verdict_name(r->verdict));
        add_str(o, "section", r->c->section);
        add_str(o, "level", rc_level_name(r->c->level));
        add_str(o, "title", r->c->title);
        cJSON_AddNumberToObject(o, "duration_ms", (double)r->duration_ms);
        add_str(o, "message", r->message);
        add_str(o, "expected", r->expected);
        add_str(o, "seen", r->seen);
        cJSON *w = cJSON_AddArrayToObject(o, "wire");
        for (size_t k = 0; k < r->nwire; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "dir", r->wire[k].dir);
            cJSON_AddNumberToObject(e, "t_ms", (double)r->wire[k].t_ms);
            add_str(e, "data", r->wire[k].data);
            cJSON_AddItemToArray(w, e);
        }
        if (r->wire_dropped)
            cJSON_AddNumberToObject(o, "wire_dropped", (double)r->wire_dropped);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *f = text ? fopen(path, "w") : NULL;
    int rc = -1;
    if (f) {
        rc = fputs(text, f) < 0 || fputc('\n', f) < 0 ? -1 : 0;
        if (fclose(f) != 0)
            rc = -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "cannot write %s", path);
    free(text);
    return rc;
}

static void xml_put(FILE *f, const char *s)
{
    char *e = rc_xml_escape(s ? s : "");
    fputs(e ? e : "", f);
    free(e);
}

int rc_write_junit(const char *path, const rc_run_info *info, const rc_result *res, size_t n,
                   char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    size_t failures = 0, errors = 0, skipped = 0;
    long total_ms = 0;
    for (size_t i = 0; i < n; i++) {
        rc_verdict v = res[i].verdict;
        failures += counts_as_failure(v, info->strict);
        errors += v == RC_ERROR;
        skipped += v == RC_SKIP || v == RC_UNSUPPORTED;
        total_ms += res[i].duration_ms;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuite name=\"rehome-conform\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
            "skipped=\"%zu\" time=\"%.3f\" hostname=\"",
            n, failures, errors, skipped, (double)total_ms / 1000.0);
    xml_put(f, info->target);
    fprintf(f, "\">\n  <properties>\n");
    for (int r = 0; r < RC_ROLES; r++) {
        fprintf(f, "    <property name=\"endpoint.%s\" value=\"", rc_role_name((rc_role)r));
        xml_put(f, info->endpoints[r]);
        fprintf(f, "\"/>\n");
    }
    fprintf(f, "    <property name=\"producer\" value=\"");
    xml_put(f, info->producer ? info->producer : "control");
    fprintf(f, "\"/>\n  </properties>\n");
    for (size_t i = 0; i < n; i++) {
        const rc_result *r = &res[i];
        char prof[32];
        rc_profile_of(r->c->id, prof, sizeof prof);
        fprintf(f, "  <testcase name=\"");
        xml_put(f, r->c->id);
        fprintf(f, "\" classname=\"");
        xml_put(f, prof);
        fprintf(f, "\" time=\"%.3f\"", (double)r->duration_ms / 1000.0);
        const char *tag = NULL;
        if (counts_as_failure(r->verdict, info->strict))
            tag = "failure";
        else if (r->verdict == RC_ERROR)
            tag = "error";
        else if (r->verdict == RC_SKIP || r->verdict == RC_UNSUPPORTED)
            tag = "skipped";
        if (!tag) {
            fprintf(f, "/>\n");
            continue;
        }
        fprintf(f, ">\n    <%s message=\"", tag);
        xml_put(f, rc_verdict_name(r->verdict));
        fputs(": ", f);
        xml_put(f, r->message ? r->message : "");
        fprintf(f, "\" type=\"%s\">", rc_verdict_name(r->verdict));
        if (strcmp(tag, "skipped") != 0) {
            fprintf(f, "[%s %s] ", rc_level_name(r->c->level), r->c->section);
            xml_put(f, r->c->requirement);
            if (r->expected || r->seen) {
                fputs("\nexpected: ", f);
                xml_put(f, r->expected ? r->expected : "-");
                fputs("\nseen: ", f);
                xml_put(f, r->seen ? r->seen : "-");
            }
            size_t from = r->nwire > SUMMARY_WIRE_LINES ? r->nwire - SUMMARY_WIRE_LINES : 0;
            for (size_t k = from; k < r->nwire; k++) {
                fprintf(f, "\n%ld ms %s ", r->wire[k].t_ms, r->wire[k].dir);
                xml_put(f, r->wire[k].data);
            }
        }
        fprintf(f, "</%s>\n  </testcase>\n", tag);
    }
    fprintf(f, "</testsuite>\n");
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}
