/* rehome-uring-bench: the cost per delivery of writing one event to N loopback TCP
 * subscribers by a loop of send() (the reference server's direct-write path) and by one
 * io_uring_enter of N sends (see fan.h). The variants run alternately in one run, the order
 * rotated each run, so load from other work on the machine falls on all of them alike.
 *
 * sendmmsg() is not among the variants: it sends several messages on one socket, and here
 * every socket gets one message, so it would be N calls of one message each. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"
#include "uring/fan.h"
#include "uring/report.h"
#include "wire/wsframe.h"

#define RU_MAX_LIST  8
#define RU_MAX_FRAME 65535

typedef struct ru_opts {
    int ns[RU_MAX_LIST], nn;
    int sizes[RU_MAX_LIST], nsizes;
    int variants[RU_NVARIANTS], nvariants;
    int rounds, warmup, runs, timeout_ms, pin;
    const char *json_out;
} ru_opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: rehome-uring-bench [options]\n"
               "  --n LIST          subscriber counts (default 100,500,1000)\n"
               "  --bytes LIST      WebSocket frame sizes, header included (default 150,1024)\n"
               "  --variants LIST   of send,uring,uring-async,uring-files,uring-zc (default all)\n"
               "  --rounds R        measured rounds (events) per run (default 200)\n"
               "  --warmup W        unmeasured rounds first (default 20)\n"
               "  --runs K          runs per cell; the table shows medians (default 5)\n"
               "  --timeout MS      for one round's bytes to arrive (default 10000)\n"
               "  --no-pin          leave the sender and the reader to the scheduler\n"
               "  --json FILE       write the result document\n");
}

static int parse_list(const char *s, int *out, int max, int lo, int hi)
{
    int n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || v < lo || v > hi || n == max) {
            n = -1;
            break;
        }
        out[n++] = (int)v;
    }
    free(copy);
    return n;
}

static int parse_variants(const char *s, ru_opts *o)
{
    char *copy = strdup(s), *save = NULL;
    o->nvariants = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int v = ru_variant_parse(t);
        if (v < 0 || o->nvariants == RU_NVARIANTS) {
            free(copy);
            return -1;
        }
        o->variants[o->nvariants++] = v;
    }
    free(copy);
    return o->nvariants > 0 ? 0 : -1;
}

static int parse_args(int argc, char **argv, ru_opts *o)
{
    static const struct option lo[] = {
        {"n", 1, 0, 'n'},       {"bytes", 1, 0, 'b'},  {"variants", 1, 0, 'v'},
        {"rounds", 1, 0, 'r'},  {"warmup", 1, 0, 'w'}, {"runs", 1, 0, 'k'},
        {"timeout", 1, 0, 't'}, {"no-pin", 0, 0, 'P'}, {"json", 1, 0, 'j'},
        {"help", 0, 0, 'h'},    {0, 0, 0, 0}};
    *o = (ru_opts){.ns = {100, 500, 1000},
                   .nn = 3,
                   .sizes = {150, 1024},
                   .nsizes = 2,
                   .rounds = 200,
                   .warmup = 20,
                   .runs = 5,
                   .timeout_ms = 10000,
                   .pin = 1};
    for (int v = 0; v < RU_NVARIANTS; v++)
        o->variants[o->nvariants++] = v;
    int c, bad = 0;
    while (!bad && (c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'n':
            bad = (o->nn = parse_list(optarg, o->ns, RU_MAX_LIST, 1, 8192)) < 1;
            break;
        case 'b':
            bad = (o->nsizes = parse_list(optarg, o->sizes, RU_MAX_LIST, 128, RU_MAX_FRAME)) < 1;
            break;
        case 'v':
            bad = parse_variants(optarg, o) < 0;
            break;
        case 'r':
            bad = (o->rounds = atoi(optarg)) < 1;
            break;
        case 'w':
            bad = (o->warmup = atoi(optarg)) < 0;
            break;
        case 'k':
            bad = (o->runs = atoi(optarg)) < 1 || o->runs > RU_MAX_RUNS;
            break;
        case 't':
            bad = (o->timeout_ms = atoi(optarg)) < 1;
            break;
        case 'P':
            o->pin = 0;
            break;
        case 'j':
            o->json_out = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            bad = 1;
            break;
        }
    }
    if (bad || optind != argc) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* A server-to-client text frame of `total` bytes, header included, carrying a Pusher event
 * shaped like the suite's thread.token stream, the token padded to the size. */
static size_t make_frame(unsigned char *out, int total)
{
    static const char head[] =
        "{\"event\":\"thread.token\",\"channel\":\"private-thread.8f14e45f\","
        "\"data\":\"{\\\"thread\\\":\\\"8f14e45f\\\",\\\"seq\\\":1234,"
        "\\\"token\\\":\\\"";
    static const char tail[] = "\\\"}\"}";
    int hdr = total - 2 <= 125 ? 2 : 4;
    size_t plen = (size_t)(total - hdr), fixed = sizeof(head) - 1 + sizeof(tail) - 1;
    if (plen < fixed + 1)
        return 0;
    char *payload = malloc(plen);
    if (!payload)
        return 0;
    memcpy(payload, head, sizeof(head) - 1);
    for (size_t i = sizeof(head) - 1; i < plen - (sizeof(tail) - 1); i++)
        payload[i] = (char)('a' + i % 26);
    memcpy(payload + plen - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
    rw_wsframe f = {.fin = 1, .opcode = RW_WS_TEXT, .len_form = hdr == 4 ? 16 : 0};
    size_t n = rw_wsframe_encode(out, RU_MAX_FRAME, &f, payload, plen, NULL, NULL);
    free(payload);
    return n;
}

/* 2000 descriptors for N = 1000, more than a default soft limit of 1024. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* One N: every size, `runs` runs, each run every variant once in a rotated order. */
static int run_n(const ru_opts *o, int n, const ru_meta *m, unsigned char *frame, ru_cell *cells,
                 size_t *ncells, char *flags, size_t flagslen)
{
    char err[256];
    ru_fan *f;
    if (ru_fan_open(&f, n, m->sender_cpu, m->reader_cpu, RU_MAX_FRAME, err, sizeof(err)) < 0) {
        fprintf(stderr, "rehome-uring-bench: N=%d: %s\n", n, err);
        return -1;
    }
    snprintf(flags, flagslen, "%s", ru_fan_ring_flags(f));
    int rc = 0;
    for (int s = 0; s < o->nsizes && rc == 0; s++) {
        size_t len = make_frame(frame, o->sizes[s]);
        ru_cell *row = cells + *ncells;
        for (int j = 0; j < o->nvariants; j++) {
            row[j] = (ru_cell){.n = n, .bytes = len, .v = o->variants[j]};
            ru_fan_has(f, row[j].v, row[j].skipped, sizeof(row[j].skipped));
        }
        for (int k = 0; k < o->runs && rc == 0; k++)
            for (int j = 0; j < o->nvariants && rc == 0; j++) {
                ru_cell *c = &row[(j + k) % o->nvariants];
                if (c->skipped[0])
                    continue;
                rc = ru_fan_measure(f, c->v, frame, len, o->warmup, o->rounds, o->timeout_ms,
                                    &c->runs[c->nruns], err, sizeof(err));
                if (rc < 0)
                    fprintf(stderr, "rehome-uring-bench: N=%d %zu bytes %s: %s\n", n, len,
                            ru_variant_name(c->v), err);
                else
                    c->nruns++;
            }
        *ncells += (size_t)o->nvariants;
    }
    ru_fan_close(f);
    return rc;
}

static int write_json(const char *path, const ru_meta *m, const ru_cell *cells, size_t n)
{
    cJSON *doc = ru_report_json(m, cells, n);
    char *text = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    FILE *f = text ? fopen(path, "w") : NULL;
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0)
        ok = 0;
    free(text);
    if (!ok)
        fprintf(stderr, "rehome-uring-bench: cannot write %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    ru_opts o;
    if (parse_args(argc, argv, &o) < 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    char cpu_model[128], kernel[128], date[32], flags[64] = "";
    ru_meta m = {.date = date,
                 .kernel = kernel,
                 .cpu_model = cpu_model,
                 .ring_flags = flags,
                 .sender_cpu = -1,
                 .reader_cpu = -1,
                 .rounds = o.rounds,
                 .warmup = o.warmup,
                 .runs = o.runs};
    rb_sys_machine(cpu_model, sizeof(cpu_model), kernel, sizeof(kernel), &m.ncpu);
    time_t t = time(NULL);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    /* bench/compare's placement: the server (here the sender) on CPU 1, the clients (here
     * the reader) on CPU 0. The ring is made after the pin, so io-wq workers inherit it. */
    if (o.pin && m.ncpu >= 2 && rb_sys_pin(1) == 0) {
        m.sender_cpu = 1;
        m.reader_cpu = 0;
    }
    getloadavg(m.load_start, 3);
    size_t maxcells = (size_t)o.nn * (size_t)o.nsizes * (size_t)o.nvariants, ncells = 0;
    ru_cell *cells = calloc(maxcells, sizeof(*cells));
    unsigned char *frame = malloc(RU_MAX_FRAME);
    int rc = cells && frame ? 0 : -1;
    for (int i = 0; i < o.nn && rc == 0; i++)
        rc = run_n(&o, o.ns[i], &m, frame, cells, &ncells, flags, sizeof(flags));
    getloadavg(m.load_end, 3);
    if (rc == 0) {
        ru_report_table(stdout, &m, cells, ncells);
        if (o.json_out)
            rc = write_json(o.json_out, &m, cells, ncells);
    }
    free(frame);
    free(cells);
    return rc == 0 ? 0 : 1;
}
