/* rehome-conform fuzz and replay (fuzz_cli.c options, fuzz_run.c the loop, repro.c the
 * reproduction test shared by the minimiser and replay). Owned by the runner's main. */
#ifndef NF_FUZZ_H
#define NF_FUZZ_H

#include "exec.h"
#include "monitor.h"
#include "script.h"

typedef struct nf_opts {
    nf_target t;
    char host[256], ws_path[512];
    const char *url, *out_dir, *restart_cmd, *json, *file;
    double duration;
    unsigned long long seed;
    int have_seed, pid, stream, quiet;
    long rss_limit_mb;
    int max_tests;
} nf_opts;

/* The repro context: the target, the monitor, and how to restart. */
/* Runs of a leak's steps in one test (a 128 MB limit takes 16 runs leaking 8 MiB). */
#define NF_LEAK_REPEAT 24
/* The longest a minimisation may take, in seconds. */
#define NF_MIN_SECONDS 90

typedef struct nf_repro {
    nf_opts *o;
    nf_monitor *mon;
    const nf_script *sc;
    const char *oracle;
    int repeat;
    long long deadline_ns; /* 0: none; past it a test answers -1 (minimisation stops) */
    nf_answers last;       /* of the last run */
} nf_repro;

/* Parses argv (after the subcommand): 0, 1 help printed, -1 bad usage (message printed). */
int nf_cli_parse(int argc, char **argv, nf_opts *o, int replay);
/* Restarts the target with --restart-cmd (new pid from its output): 0 or -1. */
int nf_restart(nf_opts *o, nf_monitor *mon);
/* 1 when the port accepts a connection within ms. */
int nf_port_open(const nf_target *t, int ms);
/* Runs steps idx[0..n) of r->sc (on a restarted target when possible) and says whether the
 * oracle fires again: 1 yes, 0 no, -1 cannot test (the target is down and cannot restart). */
int nf_repro_test(void *ud, const size_t *idx, size_t n);

int nf_fuzz_main(int argc, char **argv);
int nf_replay_main(int argc, char **argv);

#endif
