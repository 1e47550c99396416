/* Target redisurl: the Redis URL parser of the reference store (--redis, redis_url).
 * Oracles: a parsed URL has a host and a port from 1 to 65535 for every address, a sentinel
 * URL has 1 to RH_REDIS_SENTINEL_MAX sentinels and a master name; printing it back and
 * parsing again gives the same fields; a refusal always says why. The same input as a
 * +switch-master message: a parsed one names the master and a port from 1 to 65535. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reference/store/redis_url.h"

static int same(const rh_redis_url *a, const rh_redis_url *b)
{
    if (a->sentinel != b->sentinel || a->db != b->db || a->nsentinels != b->nsentinels ||
        strcmp(a->master, b->master) != 0 || strcmp(a->at.host, b->at.host) != 0 ||
        a->at.port != b->at.port)
        return 0;
    for (size_t i = 0; i < a->nsentinels; i++)
        if (strcmp(a->sentinels[i].host, b->sentinels[i].host) != 0 ||
            a->sentinels[i].port != b->sentinels[i].port)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_strndup(data, size);
    rh_redis_url u, v;
    char err[160] = "";
    rh_redis_addr to;
    if (rh_redis_switch_parse((const char *)data, size, "m", &to))
        FZ_CHECK(to.host[0] && to.port >= 1 && to.port <= 65535 &&
                 !memchr(to.host, ' ', strlen(to.host)));
    if (rh_redis_url_parse(s, &u, err, sizeof err) != 0) {
        FZ_CHECK(err[0] != '\0');
        free(s);
        return 0;
    }
    char back[4096];
    if (u.sentinel) {
        size_t n = 0;
        FZ_CHECK(u.nsentinels >= 1 && u.nsentinels <= RH_REDIS_SENTINEL_MAX && u.master[0]);
        n += (size_t)snprintf(back, sizeof back, "redis+sentinel://");
        for (size_t i = 0; i < u.nsentinels; i++) {
            FZ_CHECK(u.sentinels[i].host[0] && u.sentinels[i].port >= 1 &&
                     u.sentinels[i].port <= 65535);
            n += (size_t)snprintf(back + n, sizeof back - n, "%s%s:%d", i ? "," : "",
                                  u.sentinels[i].host, u.sentinels[i].port);
        }
        snprintf(back + n, sizeof back - n, "/%s/%d", u.master, u.db);
    } else {
        FZ_CHECK(u.at.host[0] && u.at.port >= 1 && u.at.port <= 65535);
        snprintf(back, sizeof back, "redis://%s:%d/%d", u.at.host, u.at.port, u.db);
    }
    FZ_CHECK(rh_redis_url_parse(back, &v, err, sizeof err) == 0);
    FZ_CHECK(same(&u, &v));
    free(s);
    return 0;
}
