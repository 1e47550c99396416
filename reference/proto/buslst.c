/* The "lst" bus message (see buslst.h). */
#include "buslst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "presence.h"

void rh_buslst_head(rh_busmsg *m, const char *app_id, const char *node_id, const char *socket_id,
                    const char *channel, unsigned long long list_id)
{
    char id[24];
    snprintf(id, sizeof id, "%llu", list_id);
    rh_busmsg_add_str(m, "lst");
    rh_busmsg_add_str(m, app_id);
    rh_busmsg_add_str(m, node_id);
    rh_busmsg_add_str(m, socket_id);
    rh_busmsg_add_str(m, channel);
    rh_busmsg_add_str(m, id);
}

int rh_buslst_parse(const rh_busfield *f, long n, rh_buslst *out)
{
    memset(out, 0, sizeof *out);
    if (n < 7 || (n - 7) % 2 != 0 || !rh_busfield_is(&f[0], "lst") ||
        rh_busfield_u64(&f[5], &out->id) != 0)
        return -1;
    out->refused = rh_busfield_is(&f[6], "0");
    if ((!out->refused && !rh_busfield_is(&f[6], "1")) || (out->refused && n > 7))
        return -1;
    for (long i = 7; i < n; i += 2)
        if (!f[i].len || memchr(f[i].s, '\0', f[i].len))
            return -1;
    out->app = f[1];
    out->node = f[2];
    out->socket = f[3];
    out->channel = f[4];
    out->members = f + 7;
    out->n = (size_t)(n - 7) / 2;
    return 0;
}

char *rh_buslst_presence_json(const rh_buslst *l)
{
    rh_pres_list pl;
    rh_pres_list_init(&pl);
    for (size_t i = 0; i < l->n; i++) {
        const rh_busfield *id = &l->members[2 * i], *info = &l->members[2 * i + 1];
        rh_pres_list_add(&pl, id->s, id->len, info->s, info->len);
    }
    return rh_pres_list_finish(&pl);
}
