/* rehome-conform fuzz: generate, mutate, keep what answers newly, watch the oracles; on a
 * finding minimise it and write DIR/finding-N.json. And rehome-conform replay (fuzz.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "min.h"
#include "model.h"
#include "mut.h"
#include "wire/clock.h"
#include "wire/proc.h"

#define CORPUS_MAX 256
#define HISTORY    6

typedef struct fz {
    nf_opts o;
    nf_monitor mon;
    nf_rng rng;
    nf_seen seen;
    nf_script corpus[CORPUS_MAX];
    size_t ncorpus;
    nf_script hist[HISTORY]; /* the last scripts run, newest last */
    nf_script leaky;         /* the last script during which the server's RSS grew > 2 MB */
    unsigned long long execs, steps;
    double t0;
} fz;

static double now_s(void)
{
    return (double)rw_now_ns() / 1e9;
}

static int next_input(fz *f, nf_script *sc)
{
    nf_model m = {.app_id = f->o.t.app_id, .stream = f->o.stream};
    if (f->ncorpus == 0 || nf_rng_below(&f->rng, 5) == 0) {
        if (nf_model_session(&f->rng, &m, sc) < 0)
            return -1;
        return nf_rng_below(&f->rng, 4) ? nf_mutate(&f->rng, sc, NULL) < 0 ? -1 : 0 : 0;
    }
    if (nf_script_copy(sc, &f->corpus[nf_rng_below(&f->rng, (uint32_t)f->ncorpus)]) < 0)
        return -1;
    return nf_mutate(&f->rng, sc, NULL) < 0 ? -1 : 0;
}

static void remember(fz *f, const nf_script *sc)
{
    nf_script_free(&f->hist[0]);
    memmove(&f->hist[0], &f->hist[1], sizeof f->hist[0] * (HISTORY - 1));
    memset(&f->hist[HISTORY - 1], 0, sizeof f->hist[0]);
    nf_script_copy(&f->hist[HISTORY - 1], sc);
}

/* The suspect steps: the last scripts run, joined (the newest steps kept when too many). */
static void suspects(fz *f, int only_last, nf_script *out)
{
    out->n = 0;
    size_t total = 0;
    int from = only_last ? HISTORY - 1 : 0;
    for (int h = from; h < HISTORY; h++)
        total += f->hist[h].n;
    size_t skip = total > NF_MAX_STEPS ? total - NF_MAX_STEPS : 0;
    for (int h = from; h < HISTORY; h++)
        for (size_t i = 0; i < f->hist[h].n; i++) {
            if (skip) {
                skip--;
                continue;
            }
            nf_script_push(out, &f->hist[h].steps[i]);
        }
}

static int write_finding(fz *f, const nf_finding *fd, const nf_script *sc, char *const *sent,
                         char *path, size_t plen)
{
    char *text = nf_finding_write(fd, sc, sent);
    if (!text)
        return -1;
    mkdir(f->o.out_dir, 0755);
    FILE *fp = NULL;
    for (int n = 1; n < 1000 && !fp; n++) {
        snprintf(path, plen, "%s/finding-%d.json", f->o.out_dir, n);
        if (access(path, F_OK) != 0)
            fp = fopen(path, "w");
    }
    int rc = fp && fputs(text, fp) >= 0 && fputc('\n', fp) != EOF ? 0 : -1;
    if (fp && fclose(fp) != 0)
        rc = -1;
    free(text);
    return rc;
}

/* Minimises the suspects for the oracle and writes the finding. 0 or -1. */
static int on_finding(fz *f, const char *oracle, const char *detail, const nf_answers *a,
                      char *path, size_t plen, size_t *nsteps, size_t *norig)
{
    nf_script sus = {0};
    /* a leak builds up over many inputs: the suspect is the last one that grew the RSS */
    if (strcmp(oracle, "leak") == 0 && f->leaky.n)
        nf_script_copy(&sus, &f->leaky);
    else
        suspects(f, strcmp(oracle, "malformed") == 0, &sus);
    nf_finding fd = {.seed = f->o.seed, .exec = f->execs, .repeat = 1};
    snprintf(fd.oracle, sizeof fd.oracle, "%s", oracle);
    snprintf(fd.detail, sizeof fd.detail, "%s", detail);
    snprintf(fd.seen, sizeof fd.seen, "%s", a->last);
    fd.original_steps = sus.n;
    size_t idx[NF_MAX_STEPS], n = sus.n;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    nf_repro r = {.o = &f->o,
                  .mon = &f->mon,
                  .sc = &sus,
                  .oracle = oracle,
                  .deadline_ns = rw_deadline_ns(NF_MIN_SECONDS * 1000)};
    if (!f->o.quiet)
        fprintf(stderr, "\rrehome-conform: %s found after %llu execs; minimising %zu steps%s\n",
                oracle, f->execs, n, f->o.restart_cmd ? " (restarting the target)" : "");
    /* each recent input alone first, newest first: most findings need nothing from the
     * inputs before, and the canary may fire a few inputs after the culprit */
    if (strcmp(oracle, "malformed") != 0 && strcmp(oracle, "leak") != 0) {
        size_t end = n;
        for (int h = HISTORY - 1; h >= 0 && end > 0; h--) {
            size_t len = f->hist[h].n < end ? f->hist[h].n : end, one[NF_MAX_STEPS];
            if (len == 0 || len == n)
                continue;
            for (size_t i = 0; i < len; i++)
                one[i] = end - len + i;
            end -= len;
            int hit = nf_repro_test(&r, one, len);
            if (hit < 0)
                break;
            if (hit == 1) {
                memcpy(idx, one, len * sizeof *idx);
                n = len;
                break;
            }
        }
    }
    int tests = nf_ddmin(idx, &n, nf_repro_test, &r, f->o.max_tests);
    nf_script min = {0};
    nf_script_subset(&sus, idx, n, &min);
    if (strcmp(oracle, "leak") == 0)
        fd.repeat = NF_LEAK_REPEAT;
    /* one more run of the minimised steps for what they send and what comes back */
    char **sent = NULL;
    r.deadline_ns = 0;
    if (nf_repro_test(&r, idx, n) == 1) {
        sent = r.last.sent;
        if (r.last.last[0])
            snprintf(fd.seen, sizeof fd.seen, "%s", r.last.last);
    } else {
        snprintf(fd.detail + strlen(fd.detail), sizeof fd.detail - strlen(fd.detail),
                 " (minimisation incomplete: %s)",
                 tests < 0 ? "stopped: the target stopped answering without --restart-cmd, or "
                             "the time ran out"
                           : "the minimised steps did not reproduce again");
    }
    int rc = write_finding(f, &fd, &min, sent, path, plen);
    *nsteps = min.n;
    *norig = sus.n;
    nf_answers_free(&r.last);
    nf_script_free(&min);
    nf_script_free(&sus);
    return rc;
}

static void progress(fz *f, int force)
{
    static double last;
    double t = now_s();
    if (f->o.quiet || !isatty(2) || (!force && t - last < 0.5))
        return;
    last = t;
    double el = t - f->t0 > 0 ? t - f->t0 : 1;
    fprintf(stderr,
            "\r\033[Kexecs %llu (%.0f/s)  steps %llu (%.0f/s)  answers %zu  corpus %zu  "
            "findings 0  canary %d ms",
            f->execs, f->execs / el, f->steps, f->steps / el, f->seen.n, f->ncorpus,
            f->mon.canary_ms);
}

static void summary(fz *f, const char *oracle, const char *path, double found_at, size_t nsteps,
                    size_t norig)
{
    double el = now_s() - f->t0;
    if (!f->o.quiet && isatty(2))
        fprintf(stderr, "\r\033[K");
    if (oracle)
        printf("rehome-conform fuzz: FINDING %s after %.1f s (%llu execs): %zu step%s "
               "(from %zu) -> %s\n",
               oracle, found_at, f->execs, nsteps, nsteps == 1 ? "" : "s", norig, path);
    else
        printf("rehome-conform fuzz: nothing found in %.0f s: %llu execs (%.1f/s), %llu steps "
               "(%.1f/s), %zu distinct answers, corpus %zu, seed %llu\n",
               el, f->execs, f->execs / el, f->steps, f->steps / el, f->seen.n, f->ncorpus,
               f->o.seed);
    if (!f->o.json)
        return;
    FILE *fp = fopen(f->o.json, "w");
    if (!fp)
        return;
    fprintf(fp,
            "{\"seed\":%llu,\"seconds\":%.1f,\"execs\":%llu,\"steps\":%llu,\"execs_per_sec\":%.1f,"
            "\"steps_per_sec\":%.1f,\"answers_seen\":%zu,\"corpus\":%zu,\"findings\":[",
            f->o.seed, el, f->execs, f->steps, f->execs / el, f->steps / el, f->seen.n, f->ncorpus);
    if (oracle)
        fprintf(fp,
                "{\"oracle\":\"%s\",\"file\":\"%s\",\"seconds\":%.1f,\"steps\":%zu,"
                "\"original_steps\":%zu}",
                oracle, path, found_at, nsteps, norig);
    fprintf(fp, "]}\n");
    fclose(fp);
}

static void keep_if_new(fz *f, const nf_script *sc, const nf_answers *a)
{
    int fresh = 0;
    for (size_t i = 0; i < a->n; i++)
        fresh |= nf_seen_add(&f->seen, a->shapes[i]) == 1;
    if (!fresh)
        return;
    size_t slot = f->ncorpus < CORPUS_MAX ? f->ncorpus++ : nf_rng_below(&f->rng, CORPUS_MAX);
    nf_script_free(&f->corpus[slot]);
    nf_script_copy(&f->corpus[slot], sc);
}

int nf_fuzz_main(int argc, char **argv)
{
    static fz f;
    int p = nf_cli_parse(argc, argv, &f.o, 0);
    if (p != 0)
        return p > 0 ? 0 : 2;
    if (!f.o.have_seed)
        f.o.seed = ((unsigned long long)time(NULL) << 16) ^ (unsigned long long)getpid();
    if (!nf_port_open(&f.o.t, 3000)) {
        fprintf(stderr, "rehome-conform: target %s does not accept connections\n", f.o.url);
        return 2;
    }
    nf_rng_init(&f.rng, f.o.seed);
    nf_monitor_init(&f.mon, &f.o.t, f.o.pid, f.o.rss_limit_mb * 1024);
    if (nf_monitor_start(&f.mon) < 0)
        return 2;
    f.t0 = now_s();
    const char *oracle = NULL;
    char o_buf[32] = "", detail[512] = "", path[1024] = "";
    size_t nsteps = 0, norig = 0;
    double found_at = 0;
    int code = 0;
    while (now_s() - f.t0 < f.o.duration) {
        nf_script sc = {0};
        nf_answers a;
        long rss0 = f.o.pid > 0 ? rw_proc_rss_kb(f.o.pid) : -1;
        if (next_input(&f, &sc) < 0 || nf_exec(&f.o.t, &sc, &a) < 0) {
            code = 2;
            break;
        }
        long rss1 = rss0 > 0 ? rw_proc_rss_kb(f.o.pid) : -1;
        if (rss1 - rss0 > 2048) {
            nf_script_free(&f.leaky);
            nf_script_copy(&f.leaky, &sc);
        }
        f.execs++;
        f.steps += sc.n;
        remember(&f, &sc);
        keep_if_new(&f, &sc, &a);
        nf_monitor_fired(&f.mon, o_buf, sizeof o_buf, detail, sizeof detail);
        if (!o_buf[0] && a.malformed[0]) {
            snprintf(o_buf, sizeof o_buf, "malformed");
            snprintf(detail, sizeof detail, "%s", a.malformed);
        }
        if (!o_buf[0] && (a.refused || !nf_pid_alive(f.o.pid)) && !nf_port_open(&f.o.t, 300)) {
            snprintf(o_buf, sizeof o_buf, "crash");
            snprintf(detail, sizeof detail, "the port stopped accepting connections");
        }
        if (o_buf[0]) {
            found_at = now_s() - f.t0;
            oracle = o_buf;
            if (on_finding(&f, oracle, detail, &a, path, sizeof path, &nsteps, &norig) < 0)
                fprintf(stderr, "rehome-conform: cannot write the finding in %s\n", f.o.out_dir);
            code = 1;
            nf_answers_free(&a);
            nf_script_free(&sc);
            break;
        }
        nf_answers_free(&a);
        nf_script_free(&sc);
        progress(&f, 0);
    }
    nf_monitor_stop(&f.mon);
    summary(&f, oracle, path, found_at, nsteps, norig);
    for (size_t i = 0; i < f.ncorpus; i++)
        nf_script_free(&f.corpus[i]);
    for (int h = 0; h < HISTORY; h++)
        nf_script_free(&f.hist[h]);
    nf_script_free(&f.leaky);
    nf_seen_free(&f.seen);
    return code;
}

int nf_replay_main(int argc, char **argv)
{
    nf_opts o;
    int p = nf_cli_parse(argc, argv, &o, 1);
    if (p != 0)
        return p > 0 ? 0 : 2;
    size_t len;
    char *text = rw_file_read(o.file, 1 << 22, &len);
    if (!text) {
        fprintf(stderr, "rehome-conform: cannot read %s: %s\n", o.file, strerror(errno));
        return 2;
    }
    nf_finding fd;
    nf_script sc;
    char err[256];
    int rc = nf_finding_read(text, len, &fd, &sc, err, sizeof err);
    free(text);
    if (rc < 0) {
        fprintf(stderr, "rehome-conform: %s: %s\n", o.file, err);
        return 2;
    }
    if (!o.restart_cmd && !nf_port_open(&o.t, 3000)) {
        fprintf(stderr, "rehome-conform: target %s does not accept connections\n", o.url);
        nf_script_free(&sc);
        return 2;
    }
    size_t idx[NF_MAX_STEPS];
    for (size_t i = 0; i < sc.n; i++)
        idx[i] = i;
    nf_monitor mon;
    nf_monitor_init(&mon, &o.t, o.pid, o.rss_limit_mb * 1024);
    nf_monitor_pause(&mon, 1);
    if (nf_monitor_start(&mon) < 0) {
        nf_script_free(&sc);
        return 2;
    }
    nf_repro r = {.o = &o, .mon = &mon, .sc = &sc, .oracle = fd.oracle, .repeat = fd.repeat};
    int hit = nf_repro_test(&r, idx, sc.n);
    nf_monitor_stop(&mon);
    if (hit == 1)
        printf("rehome-conform replay: REPRODUCED %s (%zu steps): %s\n", fd.oracle, sc.n,
               fd.detail);
    else if (hit == 0)
        printf("rehome-conform replay: did not reproduce %s (%zu steps)\n", fd.oracle, sc.n);
    else
        fprintf(stderr, "rehome-conform replay: the target could not be tested\n");
    nf_answers_free(&r.last);
    nf_script_free(&sc);
    return hit == 1 ? 1 : hit == 0 ? 0 : 2;
}
