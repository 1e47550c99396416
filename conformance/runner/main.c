/* rehome-conform: the case loop, reports and exit codes (options in cli.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../client/net.h"
#include "../client/whrecv.h"
#include "wire/clock.h"
#include "../fuzz/fuzz.h"
#include "../smoke/smoke.h"
#include "../producer/producer.h"
#include "certify.h"
#include "cli.h"
#include "endpoints.h"
#include "pool.h"
#include "report_html.h"

/* Every endpoint must accept a connection before any case runs, so that an unreachable one
 * is one clear harness error instead of a column of ERROR verdicts. */
static int probe(const rc_opts *o)
{
    for (int r = 0; r < RC_ROLES; r++) {
        const rc_role_ep *e = &o->t.ep[r];
        rc_net n;
        char err[256];
        if (rc_net_connect(&n, e->host, e->port, e->tls, o->t.ca_file, rw_deadline_ns(5000), err,
                           sizeof err) < 0) {
            fprintf(stderr, "rehome-conform: %s endpoint %s unreachable: %s\n",
                    rc_role_name((rc_role)r), e->url, err);
            return -1;
        }
        rc_net_close(&n);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static rc_opts o;
    if (argc > 1 && strcmp(argv[1], "smoke") == 0) {
        signal(SIGPIPE, SIG_IGN);
        return rc_smoke_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "certify") == 0) {
        signal(SIGPIPE, SIG_IGN);
        return rc_certify_main(argc, argv);
    }
    if (argc > 1 && (strcmp(argv[1], "fuzz") == 0 || strcmp(argv[1], "replay") == 0)) {
        signal(SIGPIPE, SIG_IGN);
        return strcmp(argv[1], "fuzz") == 0 ? nf_fuzz_main(argc - 1, argv + 1)
                                            : nf_replay_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "verify-bundle") == 0)
        return rc_verify_bundle_main(argc - 1, argv + 1);
    int p = rc_cli_parse(argc, argv, &o);
    if (p != 0)
        return p > 0 ? 0 : 2;
    signal(SIGPIPE, SIG_IGN);
    return rc_main_run(&o, argc, argv);
}

static int write_html(const rc_opts *o, const rc_run_info *info, const rc_baseline *base,
                      const rc_result *res, size_t n)
{
    char when[64] = "", err[512];
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    rc_html_info hi = {.run = info,
                       .t = &o->t,
                       .base = o->expect ? base : NULL,
                       .expect_path = o->expect,
                       .generated_at = when};
    if (rc_write_html(o->html, &hi, res, n, err, sizeof err) < 0) {
        fprintf(stderr, "rehome-conform: %s\n", err);
        return -1;
    }
    return 0;
}

/* The outcome of a case that does not run at all, into r: 1, or 0 when it is to run. */
static int outcome_without_run(const rc_opts *o, const rc_baseline *base, const rc_case *c,
                               rc_result *r)
{
    const char *why_out = rc_baseline_excluded(base, c->id);
    int lack;
    r->c = c;
    if (why_out) {
        /* Not run at all: the baseline says this case takes the target down. */
        r->verdict = RC_SKIP;
        size_t len = strlen(why_out) + 32;
        r->message = malloc(len);
        if (r->message)
            snprintf(r->message, len, "excluded by baseline: %s", why_out);
    } else if (rc_case_has_tag(c, "slow") && !o->slow) {
        r->verdict = RC_SKIP;
        r->message = strdup("tagged slow; run with --slow");
    } else if ((lack = rc_case_lacks(c, &o->t.server)) >= 0) {
        r->verdict = RC_UNSUPPORTED;
        size_t len = 64 + strlen(rc_cap_name((rc_cap)lack));
        r->message = malloc(len);
        if (r->message)
            snprintf(r->message, len, "the server profile declares no %s",
                     rc_cap_name((rc_cap)lack));
    } else {
        r->c = NULL;
        return 0;
    }
    return 1;
}

static int run_selected(rc_opts *o, int argc, char **argv)
{
    size_t ntab;
    const rc_case *const *tabs = rc_registry_tables(&ntab);
    size_t cap = 64, n = 0;
    const rc_case **sel = malloc(cap * sizeof *sel);
    for (size_t t = 0; t < ntab && sel; t++)
        for (const rc_case *c = tabs[t]; c && c->id; c++) {
            if (!c->run || !c->section || !c->title) {
                fprintf(stderr, "rehome-conform: case %s is incomplete; skipped\n", c->id);
                continue;
            }
            if (!rc_selected(&o->sel, c->id))
                continue;
            if (n == cap) {
                const rc_case **ns = realloc(sel, (cap *= 2) * sizeof *sel);
                if (!ns)
                    break;
                sel = ns;
            }
            sel[n++] = c;
        }
    if (!sel)
        return 2;
    if (o->list) {
        for (size_t i = 0; i < n; i++)
            printf("%-50s %-6s %-8s %-5s %s%s%s%s\n", sel[i]->id, rc_level_name(sel[i]->level),
                   rc_basis_name(sel[i]->basis), sel[i]->section, sel[i]->title,
                   sel[i]->tags && *sel[i]->tags ? "  [" : "",
                   sel[i]->tags && *sel[i]->tags ? sel[i]->tags : "",
                   sel[i]->tags && *sel[i]->tags ? "]" : "");
        printf("%zu cases\n", n);
        free(sel);
        return 0;
    }
    rc_baseline base = {0};
    char err[512];
    if (o->expect && rc_baseline_load(o->expect, &base, err, sizeof err) < 0) {
        fprintf(stderr, "rehome-conform: %s\n", err);
        free(sel);
        return 2;
    }
    if (n == 0) {
        fprintf(stderr, "rehome-conform: no case matches the selection\n");
        free(sel);
        rc_baseline_free(&base);
        return 2;
    }
    if (probe(o) < 0) {
        free(sel);
        rc_baseline_free(&base);
        return 2;
    }
    if (!o->have_seed)
        o->seed = ((unsigned long long)time(NULL) << 20) ^ (unsigned long long)getpid();
    rc_rng rng;
    rc_rng_init(&rng, o->seed);
    int pc_jobs = o->jobs > 0 ? o->jobs : rc_pool_default_jobs();
    if (!o->quiet)
        printf("rehome-conform %s -> %s  (%zu cases, seed %llu, jobs %d)\n", RH_VERSION,
               o->t.base_url, n, o->seed, pc_jobs);
    rc_result *res = calloc(n, sizeof *res);
    unsigned char *torun = calloc(n, 1);
    rc_pool_cfg pc = {.t = &o->t,
                      .rng = &rng,
                      .timeout_ms = o->timeout_ms,
                      .max_wait_s = o->max_wait_s,
                      .jobs = pc_jobs,
                      .quiet = o->quiet,
                      .out = stdout,
                      .progress = stderr};
    for (size_t i = 0; res && torun && i < n; i++)
        torun[i] = !outcome_without_run(o, &base, sel[i], &res[i]);
    int ran = res && torun && rc_pool_run(&pc, sel, torun, n, res) == 0;
    free(torun);
    rc_rng_destroy(&rng);
    if (!ran) {
        fprintf(stderr, "rehome-conform: cannot start the case threads\n");
        for (size_t i = 0; res && i < n; i++)
            rc_result_free(&res[i]);
        free(res);
        free(sel);
        rc_baseline_free(&base);
        return 2;
    }
    rc_print_summary(stdout, res, n, o->strict);
    rc_run_info info = {
        .target = o->t.base_url,
        .endpoints = {o->t.ep[0].url, o->t.ep[1].url, o->t.ep[2].url, o->t.ep[3].url},
        .producer = o->producer_desc,
        .profile = o->sel.profile,
        .seed = o->seed,
        .strict = o->strict,
        .timeout_ms = o->timeout_ms,
        .max_wait_s = o->max_wait_s,
        .slow = o->slow,
        .argv = (const char *const *)argv,
        .argc = argc};
    int code = 0;
    if (o->json && rc_write_json(o->json, &info, res, n, err, sizeof err) < 0) {
        fprintf(stderr, "rehome-conform: %s\n", err);
        code = 2;
    }
    if (o->junit && rc_write_junit(o->junit, &info, res, n, err, sizeof err) < 0) {
        fprintf(stderr, "rehome-conform: %s\n", err);
        code = 2;
    }
    if (o->html && write_html(o, &info, &base, res, n) < 0)
        code = 2;
    int fail = 0, error = 0, changed = 0, changed_err = 0;
    for (size_t i = 0; i < n; i++) {
        rc_verdict v = res[i].verdict;
        fail |= v == RC_FAIL || (o->strict && v == RC_NONSTRICT);
        error |= v == RC_ERROR;
        if (!o->expect)
            continue;
        const char *why;
        rc_verdict want = rc_baseline_expected(&base, res[i].c->id, &why);
        /* A skipped case learned nothing; it neither confirms nor breaks the baseline. */
        if (v == want || v == RC_SKIP)
            continue;
        if (!changed)
            printf("\nBaseline %s: verdicts that changed:\n", o->expect);
        changed++;
        changed_err |= v == RC_ERROR;
        printf("  %s: expected %s%s%s%s, got %s\n", res[i].c->id, rc_verdict_name(want),
               why ? " (" : "", why ? why : "", why ? ")" : "", rc_verdict_name(v));
    }
    if (o->expect) {
        for (size_t k = 0; k < base.n; k++) {
            int known = 0;
            for (size_t i = 0; i < n && !known; i++)
                known = strcmp(res[i].c->id, base.e[k].id) == 0;
            if (!known)
                printf("  note: baseline entry %s matches no case that ran\n", base.e[k].id);
            else if (rc_baseline_excluded(&base, base.e[k].id))
                printf("  note: baseline entry %s is also excluded; its verdict is never "
                       "checked\n",
                       base.e[k].id);
        }
        for (size_t k = 0; k < base.nx; k++) {
            int known = 0;
            for (size_t i = 0; i < n && !known; i++)
                known = rc_glob_match(base.x[k].pattern, res[i].c->id);
            if (!known)
                printf("  note: baseline exclusion %s matches no selected case\n",
                       base.x[k].pattern);
        }
        printf("Baseline: %d case%s changed\n", changed, changed == 1 ? "" : "s");
        if (code == 0)
            code = changed_err ? 2 : changed ? 1 : 0;
    } else if (code == 0) {
        code = error ? 2 : fail ? 1 : 0;
    }
    for (size_t i = 0; i < n; i++)
        rc_result_free(&res[i]);
    free(res);
    free(sel);
    rc_baseline_free(&base);
    return code;
}

/* The producer driver (--producer exec:CMD) lives for the whole run: started before the first
 * case, stopped after the reports. */
/* --webhook-listen HOST:PORT: the receiver the server under test was configured to reach. */
static int start_receiver(rc_opts *o)
{
    char host[64], err[256];
    const char *colon = strrchr(o->webhook_listen, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || (size_t)(colon - o->webhook_listen) >= sizeof host || !end || *end || port < 0 ||
        port > 65535 || end == colon + 1) {
        fprintf(stderr, "rehome-conform: --webhook-listen needs HOST:PORT, not \"%s\"\n",
                o->webhook_listen);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - o->webhook_listen), o->webhook_listen);
    o->t.webhooks = rc_whrecv_start(host, (int)port, err, sizeof err);
    if (!o->t.webhooks) {
        fprintf(stderr, "rehome-conform: %s\n", err);
        return -1;
    }
    return 0;
}

int rc_main_run(rc_opts *o, int argc, char **argv)
{
    if (o->webhook_listen && !o->list && start_receiver(o) != 0)
        return 2;
    if (o->producer && !o->list) {
        char err[1024];
        o->t.producer = rc_prod_start(o->producer, err, sizeof err);
        if (!o->t.producer) {
            fprintf(stderr, "rehome-conform: --producer: %s\n", err);
            return 2;
        }
        o->t.producer_http = rc_prod_http;
    }
    int code = run_selected(o, argc, argv);
    rc_prod_stop(o->t.producer);
    o->t.producer = NULL;
    rc_whrecv_stop(o->t.webhooks);
    o->t.webhooks = NULL;
    return code;
}
