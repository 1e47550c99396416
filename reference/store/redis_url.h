/* Redis URL parsing (pure; store/ owns it). Accepted:
 *   redis://HOST[:PORT][/DB]
 *   redis+sentinel://HOST[:PORT][,HOST[:PORT]...]/MASTER_NAME[/DB]   (sentinel port 26379)
 * Passwords are refused rather than ignored, so a deployment that needs AUTH hears so at
 * start.
 *
 * Also the +switch-master message of a sentinel (the new primary's address).
 *
 * Ownership: the caller owns the rh_redis_url (plain arrays, nothing allocated). */
#ifndef RH_STORE_REDIS_URL_H
#define RH_STORE_REDIS_URL_H

#include <stddef.h>

#define RH_REDIS_HOST_MAX     256
#define RH_REDIS_MASTER_MAX   128
#define RH_REDIS_SENTINEL_MAX 8

typedef struct rh_redis_addr {
    char host[RH_REDIS_HOST_MAX];
    int port;
} rh_redis_addr;

typedef struct rh_redis_url {
    int sentinel;     /* 1 for redis+sentinel:// */
    rh_redis_addr at; /* redis://: the server; redis+sentinel://: unset (found at run time) */
    rh_redis_addr sentinels[RH_REDIS_SENTINEL_MAX];
    size_t nsentinels;
    char master[RH_REDIS_MASTER_MAX]; /* the master name the sentinels know */
    int db;
} rh_redis_url;

/* 0 and *out filled, or -1 with a message in err (out then undefined). */
int rh_redis_url_parse(const char *url, rh_redis_url *out, char *err, size_t errlen);

/* A +switch-master message of Sentinel, "<name> <old-ip> <old-port> <new-ip> <new-port>":
 * 1 and *to filled when it names master and a valid new address, else 0. */
int rh_redis_switch_parse(const char *msg, size_t len, const char *master, rh_redis_addr *to);

#endif
