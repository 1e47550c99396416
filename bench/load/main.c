/* rehome-load: loopback load and fault driver for ci/soak. One thread, epoll, non-blocking
 * sockets, a minimal WebSocket client (masked text frames out, unmasked frames in), so ten
 * thousand connections cost little and every run behaves the same.
 *
 *   rehome-load fanout URL CONNS EVENTS            hold CONNS subscribed connections, publish
 *                                              EVENTS events, check every one arrived
 *   rehome-load slow URL FAST EVENTS SIZE          FAST readers and one that stops reading:
 *                                              fast ones get everything, the slow one 4100
 *   rehome-load abuse URL SECONDS                  hostile input while a well-behaved client
 *                                              checks delivery and /up every 200 ms
 *   rehome-load hold URL CONNS SECONDS             hold CONNS subscribers until the server
 *                                              closes them; all must get 4200 (shutdown)
 * Environment: RH_PID (server pid: RSS figures), RH_KEY, RH_APP, RH_SECRET (app-key, app-id,
 * app-secret). Prints "key value" figures; exit 0 when every check held. Loopback only. */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rehome-load fanout URL CONNS EVENTS | slow URL FAST EVENTS SIZE | "
                        "abuse URL SECONDS | hold URL CONNS SECONDS\n");
        return 2;
    }
    ld_env env;
    if (ld_env_init(&env, argv[2]) != 0)
        return 2;
    if (strcmp(argv[1], "fanout") == 0 && argc == 5)
        return ld_fanout(&env, atoi(argv[3]), atoi(argv[4]));
    if (strcmp(argv[1], "slow") == 0 && argc == 6)
        return ld_slow(&env, atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (strcmp(argv[1], "hold") == 0 && argc == 5)
        return ld_hold(&env, atoi(argv[3]), atoi(argv[4]));
    if (strcmp(argv[1], "abuse") == 0 && argc == 4)
        return ld_abuse(&env, atoi(argv[3]));
    fprintf(stderr, "rehome-load: bad arguments\n");
    return 2;
}
