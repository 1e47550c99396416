#include "uring/report.h"

#include <string.h>

#include "stats.h"

#define FIELD_MEDIAN(field)                                                                        \
    do {                                                                                           \
        for (int i = 0; i < c->nruns; i++)                                                         \
            v[i] = c->runs[i].field;                                                               \
        med->field = rb_stats_median(v, (size_t)c->nruns);                                         \
    } while (0)

void ru_cell_median(const ru_cell *c, ru_figs *med)
{
    double v[RU_MAX_RUNS];
    memset(med, 0, sizeof(*med));
    FIELD_MEDIAN(wall_ns);
    FIELD_MEDIAN(round_ns);
    FIELD_MEDIAN(thread_cpu_ns);
    FIELD_MEDIAN(proc_cpu_ns);
    FIELD_MEDIAN(reader_cpu_ns);
    FIELD_MEDIAN(server_cpu_ns);
    FIELD_MEDIAN(sirq_tx_ns);
    FIELD_MEDIAN(sirq_rx_ns);
    FIELD_MEDIAN(enters);
    FIELD_MEDIAN(zc_copied);
}

/* The send() cell of the same N and frame size, or NULL. */
static const ru_cell *baseline(const ru_cell *cells, size_t ncells, const ru_cell *c)
{
    for (size_t i = 0; i < ncells; i++)
        if (cells[i].v == RU_SEND && cells[i].n == c->n && cells[i].bytes == c->bytes &&
            cells[i].nruns > 0)
            return &cells[i];
    return NULL;
}

static void pct(char *out, size_t outlen, double val, double base)
{
    if (base > 0)
        snprintf(out, outlen, "%+.0f%%", 100.0 * (val - base) / base);
    else
        snprintf(out, outlen, "-");
}

static void table_row(FILE *out, const ru_cell *c, const ru_cell *base)
{
    if (c->skipped[0]) {
        fprintf(out, "%5d %5zu %-12s skipped: %s\n", c->n, c->bytes, ru_variant_name(c->v),
                c->skipped);
        return;
    }
    ru_figs m, b = {0};
    ru_cell_median(c, &m);
    if (base)
        ru_cell_median(base, &b);
    double nb = c == base ? 0 : 1; /* the baseline's own row has no comparison */
    char dt[16], ds[16], zc[16] = "";
    pct(dt, sizeof(dt), m.thread_cpu_ns, nb * b.thread_cpu_ns);
    pct(ds, sizeof(ds), m.server_cpu_ns, nb * b.server_cpu_ns);
    if (c->v == RU_URING_ZC)
        snprintf(zc, sizeof(zc), "%.0f%%", 100 * m.zc_copied);
    fprintf(out, "%5d %5zu %-12s %7.0f %7.0f %7.0f %7.0f %7.0f %7.0f %7.0f %7.3f %6s %6s %6s\n",
            c->n, c->bytes, ru_variant_name(c->v), m.wall_ns, m.round_ns, m.thread_cpu_ns,
            m.sirq_tx_ns, m.server_cpu_ns, m.reader_cpu_ns, m.proc_cpu_ns, m.enters, dt, ds, zc);
}

void ru_report_table(FILE *out, const ru_meta *m, const ru_cell *cells, size_t ncells)
{
    fprintf(out, "rehome-uring-bench %s: %s, %d CPU(s), %s\n", m->date, m->kernel, m->ncpu,
            m->cpu_model);
    fprintf(out, "placement: sender CPU %d, reader CPU %d (-1: unpinned); ring %s\n", m->sender_cpu,
            m->reader_cpu, m->ring_flags[0] ? m->ring_flags : "(none)");
    fprintf(out, "load average: start %.2f %.2f %.2f, end %.2f %.2f %.2f\n", m->load_start[0],
            m->load_start[1], m->load_start[2], m->load_end[0], m->load_end[1], m->load_end[2]);
    fprintf(out,
            "%d round(s) after %d warm-up, medians of %d run(s); ns per delivery; "
            "vs = against send() of the same N and size\n",
            m->rounds, m->warmup, m->runs);
    fprintf(out, "thr-cpu: the sending thread in its send phase; sirqd: ksoftirqd on the sender's "
                 "CPU; srv-cpu: the process less the reader, plus sirqd (the sending side, io-wq "
                 "workers included); rdr-cpu: the reader; proc: the process\n");
    fprintf(out, "%5s %5s %-12s %7s %7s %7s %7s %7s %7s %7s %7s %6s %6s %6s\n", "N", "bytes",
            "variant", "wall", "round", "thr-cpu", "sirqd", "srv-cpu", "rdr-cpu", "proc", "sys/dlv",
            "vs-thr", "vs-srv", "copied");
    for (size_t i = 0; i < ncells; i++)
        table_row(out, &cells[i], baseline(cells, ncells, &cells[i]));
}

static cJSON *figs_json(const ru_figs *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "wall_ns", f->wall_ns);
    cJSON_AddNumberToObject(o, "round_ns", f->round_ns);
    cJSON_AddNumberToObject(o, "thread_cpu_ns", f->thread_cpu_ns);
    cJSON_AddNumberToObject(o, "proc_cpu_ns", f->proc_cpu_ns);
    cJSON_AddNumberToObject(o, "reader_cpu_ns", f->reader_cpu_ns);
    cJSON_AddNumberToObject(o, "server_cpu_ns", f->server_cpu_ns);
    cJSON_AddNumberToObject(o, "ksoftirqd_sender_cpu_ns", f->sirq_tx_ns);
    cJSON_AddNumberToObject(o, "ksoftirqd_reader_cpu_ns", f->sirq_rx_ns);
    cJSON_AddNumberToObject(o, "syscalls", f->enters);
    cJSON_AddNumberToObject(o, "zc_copied", f->zc_copied);
    return o;
}

static cJSON *cell_json(const ru_cell *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", c->n);
    cJSON_AddNumberToObject(o, "bytes", (double)c->bytes);
    cJSON_AddStringToObject(o, "variant", ru_variant_name(c->v));
    if (c->skipped[0]) {
        cJSON_AddStringToObject(o, "skipped", c->skipped);
        return o;
    }
    cJSON_AddNullToObject(o, "skipped");
    ru_figs med;
    ru_cell_median(c, &med);
    cJSON_AddItemToObject(o, "median", figs_json(&med));
    cJSON *runs = cJSON_AddArrayToObject(o, "runs");
    for (int i = 0; i < c->nruns; i++)
        cJSON_AddItemToArray(runs, figs_json(&c->runs[i]));
    return o;
}

cJSON *ru_report_json(const ru_meta *m, const ru_cell *cells, size_t ncells)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "tool", "rehome-uring-bench");
    cJSON_AddStringToObject(d, "version", RH_VERSION);
    cJSON_AddStringToObject(d, "date", m->date);
    cJSON *mach = cJSON_AddObjectToObject(d, "machine");
    cJSON_AddStringToObject(mach, "cpu_model", m->cpu_model);
    cJSON_AddNumberToObject(mach, "ncpu", m->ncpu);
    cJSON_AddStringToObject(mach, "kernel", m->kernel);
    cJSON *pl = cJSON_AddObjectToObject(d, "placement");
    cJSON_AddNumberToObject(pl, "sender_cpu", m->sender_cpu);
    cJSON_AddNumberToObject(pl, "reader_cpu", m->reader_cpu);
    cJSON *la = cJSON_AddObjectToObject(d, "load_avg");
    cJSON_AddItemToObject(la, "start", cJSON_CreateDoubleArray(m->load_start, 3));
    cJSON_AddItemToObject(la, "end", cJSON_CreateDoubleArray(m->load_end, 3));
    cJSON_AddStringToObject(d, "ring_flags", m->ring_flags);
    cJSON *p = cJSON_AddObjectToObject(d, "parameters");
    cJSON_AddNumberToObject(p, "rounds", m->rounds);
    cJSON_AddNumberToObject(p, "warmup", m->warmup);
    cJSON_AddNumberToObject(p, "runs", m->runs);
    cJSON *res = cJSON_AddArrayToObject(d, "results");
    for (size_t i = 0; i < ncells; i++)
        cJSON_AddItemToArray(res, cell_json(&cells[i]));
    return d;
}
