/* Internal to conformance/smoke: the parsed options (smoke_cli.c). */
#ifndef RC_SMOKE_INT_H
#define RC_SMOKE_INT_H

#include "../runner/case.h"

typedef struct rc_smoke_opts {
    const char *workspace, *thread, *run, *stream, *token;
    int ntokens;
    int timeout_ms;
    int expiry_s;                   /* 0: expiry not checked */
    const char *role_url[RC_ROLES]; /* --ws-url, --api-url, --auth-url, --control-url */
    const char *auth_path;          /* NULL: default */
    char ws_path[512];
    rc_target t;
} rc_smoke_opts;

/* 0 run, 1 help printed (exit 0), -1 bad usage (message printed; exit 2). */
int rc_smoke_parse(int argc, char **argv, rc_smoke_opts *o);

#endif
