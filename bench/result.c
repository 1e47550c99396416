#include "result.h"

static double us(uint64_t ns)
{
    /* Three decimals (nanoseconds) are all the precision there is. */
    return (double)(long long)ns / 1000.0;
}

static const double cdf_q[] = {0.001, 0.01, 0.05,  0.1,   0.2,    0.3,    0.4,
                               0.5,   0.6,  0.7,   0.8,   0.9,    0.95,   0.97,
                               0.98,  0.99, 0.995, 0.999, 0.9995, 0.9999, 1.0};

cJSON *rb_result_hist(const rb_hist *h)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "count", (double)h->count);
    cJSON_AddNumberToObject(o, "min_us", h->count ? us(h->min) : 0);
    cJSON_AddNumberToObject(o, "mean_us", rb_hist_mean(h) / 1000.0);
    cJSON_AddNumberToObject(o, "p50_us", us(rb_hist_quantile(h, 0.5)));
    cJSON_AddNumberToObject(o, "p90_us", us(rb_hist_quantile(h, 0.9)));
    cJSON_AddNumberToObject(o, "p99_us", us(rb_hist_quantile(h, 0.99)));
    cJSON_AddNumberToObject(o, "p999_us", us(rb_hist_quantile(h, 0.999)));
    cJSON_AddNumberToObject(o, "max_us", us(h->max));
    cJSON *cdf = cJSON_AddArrayToObject(o, "cdf");
    for (size_t i = 0; cdf && h->count && i < sizeof(cdf_q) / sizeof(cdf_q[0]); i++) {
        cJSON *pt = cJSON_CreateArray();
        cJSON_AddItemToArray(pt, cJSON_CreateNumber(us(rb_hist_quantile(h, cdf_q[i]))));
        cJSON_AddItemToArray(pt, cJSON_CreateNumber(cdf_q[i]));
        cJSON_AddItemToArray(cdf, pt);
    }
    return o;
}

cJSON *rb_result_above_floor(const rb_hist *lat, const rb_hist *floor)
{
    static const struct {
        const char *name;
        double q;
    } qs[] = {{"p50_us", 0.5}, {"p90_us", 0.9}, {"p99_us", 0.99}, {"p999_us", 0.999}};
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; o && i < sizeof(qs) / sizeof(qs[0]); i++) {
        double d = us(rb_hist_quantile(lat, qs[i].q)) - us(rb_hist_quantile(floor, qs[i].q));
        cJSON_AddNumberToObject(o, qs[i].name, d);
    }
    return o;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_or_null(cJSON *o, const char *k, cJSON *v)
{
    if (v)
        cJSON_AddItemToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

cJSON *rb_result_doc(const rb_result_meta *m, cJSON *params, cJSON *placement, cJSON *floor,
                     cJSON *figures, unsigned long long errors)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(params);
        cJSON_Delete(placement);
        cJSON_Delete(floor);
        cJSON_Delete(figures);
        return NULL;
    }
    cJSON_AddStringToObject(o, "tool", "rehome-bench");
    add_str(o, "version", m->version);
    add_str(o, "date", m->date);
    cJSON *mach = cJSON_AddObjectToObject(o, "machine");
    add_str(mach, "cpu_model", m->cpu_model);
    cJSON_AddNumberToObject(mach, "ncpu", m->ncpu);
    add_str(mach, "kernel", m->kernel);
    cJSON *srv = cJSON_AddObjectToObject(o, "server");
    add_str(srv, "name", m->server_name);
    add_str(srv, "url", m->server_url);
    if (m->server_pid > 0)
        cJSON_AddNumberToObject(srv, "pid", m->server_pid);
    else
        cJSON_AddNullToObject(srv, "pid");
    add_str(o, "scenario", m->scenario);
    add_str(o, "publish", m->publish);
    add_or_null(o, "parameters", params);
    add_or_null(o, "placement", placement);
    add_or_null(o, "floor", floor);
    add_or_null(o, "figures", figures);
    cJSON_AddNumberToObject(o, "errors", (double)errors);
    cJSON_AddBoolToObject(o, "ok", errors == 0);
    return o;
}
