/* rehome-conform's command line (cli.c): options into an rc_opts. Owned by the runner. */
#ifndef RC_CLI_H
#define RC_CLI_H

#include "runner.h"

#define MAX_PATTERNS 64

typedef struct rc_opts {
    rc_select sel;
    const char *include[MAX_PATTERNS];
    const char *exclude[MAX_PATTERNS];
    int list, strict, slow, quiet;
    int timeout_ms;
    int jobs; /* --jobs; 0: rc_pool_default_jobs() */
    int max_wait_s;
    const char *json, *junit, *html, *expect;
    const char *limits_file, *limits_app;
    const char *server_profile; /* --server-profile */
    const char *webhook_listen; /* --webhook-listen HOST:PORT */
    rc_profile profile;         /* its contents; t.member/other may point into it */
    int users_given;            /* bit 1 --member, bit 2 --other */
    unsigned long long seed;
    int have_seed;
    const char *url;                /* positional; NULL when every role URL is given */
    const char *role_url[RC_ROLES]; /* --ws-url, --api-url, --auth-url, --control-url */
    const char *auth_path;          /* --auth-path, NULL: default */
    const char *producer;           /* --producer exec:CMD: CMD; NULL: the control API */
    const char *producer_desc;      /* "control" or the whole --producer argument */
    char host[256];
    char node_host[RC_MAX_HTTP_NODES][256];
    const char *node_url[RC_MAX_HTTP_NODES];
    int nnodes;
    unsigned rr;
    char ws_path[512];
    char member[2][256];
    char other[2][256];
    rc_target t;
} rc_opts;

/* Defaults, then argv. 0 run, 1 done (help/version printed: exit 0), -1 bad options (a
 * message was printed: exit 2). */
int rc_cli_parse(int argc, char **argv, rc_opts *o);
/* Resolves the endpoint of each role (rc_ep_resolve) into t->ep and sets t's WebSocket
 * fields (host, port, tls, base_url) and auth_path from them. auth_path NULL: the default.
 * 0, or -1 after a message on stderr. */
int rc_cli_endpoints(rc_target *t, const char *positional, const char *const urls[RC_ROLES],
                     const char *auth_path);
/* Runs the selected cases against o's target and writes the reports; the exit status
 * (main.c). argv is recorded in the reports as given. */
int rc_main_run(rc_opts *o, int argc, char **argv);
/* Reads app_id's limits and credentials from a server config file (JSON: "apps":[{...}]).
 * 0, or -1 with a message in err. */
int rc_limits_load(const char *file, const char *app_id, rc_limits *out, char *err, size_t errlen);
/* From the same config, the tested app's max_token_bytes and max_event_bytes and the
 * ended_ttl, each only where s has none yet (a server profile's declaration wins): the
 * reference server's own numbers. 0, or -1 when the file has no app app_id (s unchanged). */
int rc_limits_load_sizes(const char *file, const char *app_id, rc_server_info *s);
/* The same file's webhook target URL, webhook_delay_ms and webhook_batch_ms of the tested app
 * are read there too (protocol section 20). */

#endif
