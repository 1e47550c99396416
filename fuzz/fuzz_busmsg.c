/* Target busmsg: the cross-node bus's message format (rh_busmsg_split, rh_busmsg_count,
 * rh_busfield_u64, rh_busmsg_seq_head) on any bytes. Oracles: count and split agree (split stops at
 * its max); every field lies inside the message; a message rebuilt from the fields with the builder
 * splits into the same fields (and is the input itself when the input wrote no length with a
 * leading zero); a field that parses as a number prints to digits that parse back to the same
 * number. An "lst" message that parses gives a member list whose JSON parses back with a count
 * equal to its ids, none repeated, each with an entry in the hash. */
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "proto/buslst.h"
#include "proto/busmsg.h"

#define MAXF 64

static void check_number(const rh_busfield *f)
{
    unsigned long long v;
    if (rh_busfield_u64(f, &v) != 0)
        return;
    char back[32];
    int n = snprintf(back, sizeof back, "%llu", v);
    rh_busfield g = {back, (size_t)n};
    unsigned long long w;
    FZ_CHECK(n > 0 && (size_t)n <= f->len && rh_busfield_u64(&g, &w) == 0 && w == v);
}

/* The seq head: when found, it is digits then '|' and its number prints back to them. */
static void check_seq_head(const char *msg, size_t size)
{
    unsigned long long seq = 0;
    size_t h = rh_busmsg_seq_head(msg, size, &seq);
    if (!h)
        return;
    char back[32];
    int n = snprintf(back, sizeof back, "%llu", seq);
    FZ_CHECK(h >= 2 && h <= size && msg[h - 1] == '|' && n > 0 && (size_t)n <= h - 1);
    rh_busfield digits = {msg, h - 1};
    unsigned long long again;
    FZ_CHECK(rh_busfield_u64(&digits, &again) == 0 && again == seq);
}

static void check_lst(const rh_busfield *f, long n)
{
    rh_buslst l;
    if (rh_buslst_parse(f, n, &l) != 0)
        return;
    FZ_CHECK(l.n == (size_t)(n - 7) / 2 && (!l.refused || l.n == 0));
    char *s = rh_buslst_presence_json(&l);
    if (!s)
        return; /* out of memory */
    cJSON *o = cJSON_Parse(s);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "presence");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(p, "ids");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(p, "hash");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(p, "count");
    FZ_CHECK(cJSON_IsArray(ids) && cJSON_IsObject(hash) && cJSON_IsNumber(count));
    int k = cJSON_GetArraySize(ids);
    FZ_CHECK(count->valuedouble == k && (size_t)k <= l.n && cJSON_GetArraySize(hash) == k);
    for (const cJSON *id = ids->child; id; id = id->next)
        FZ_CHECK(cJSON_IsString(id) && cJSON_GetObjectItemCaseSensitive(hash, id->valuestring));
    cJSON_Delete(o);
    cJSON_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data;
    check_seq_head(msg, size);
    long n = rh_busmsg_count(msg, size);
    rh_busfield f[MAXF];
    long got = rh_busmsg_split(msg, size, f, MAXF);
    if (n < 0) {
        /* split stops at max fields: it may not reach the malformed part */
        FZ_CHECK(got < 0 || got == MAXF);
        return 0;
    }
    FZ_CHECK(got == (n < MAXF ? n : MAXF));
    if (n > MAXF)
        return 0;
    check_lst(f, got);
    rh_busmsg m = {0};
    for (long i = 0; i < got; i++) {
        FZ_CHECK(f[i].s >= msg && f[i].s + f[i].len <= msg + size);
        check_number(&f[i]);
        rh_busmsg_add(&m, f[i].s, f[i].len);
    }
    FZ_CHECK(!m.failed);
    rh_busfield g[MAXF];
    FZ_CHECK(rh_busmsg_split(m.p, m.len, g, MAXF) == got);
    for (long i = 0; i < got; i++)
        FZ_CHECK(g[i].len == f[i].len && memcmp(g[i].s, f[i].s, f[i].len) == 0);
    FZ_CHECK(m.len <= size);
    if (m.len == size)
        FZ_CHECK(size == 0 || memcmp(m.p, msg, size) == 0);
    rh_busmsg_free(&m);
    return 0;
}
