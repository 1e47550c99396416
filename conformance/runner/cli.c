/* rehome-conform's command line. See usage() for the options. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "endpoints.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: rehome-conform [options] [URL]\n"
        "       rehome-conform smoke [options] [URL]   (rehome-conform smoke --help)\n"
        "       rehome-conform certify [options] URL --out DIR\n"
        "       rehome-conform verify-bundle DIR\n"
        "       rehome-conform fuzz [options] URL    (rehome-conform fuzz --help)\n"
        "       rehome-conform replay FILE [options] URL\n"
        "Checks a Pusher-protocol server (and the ReHome stream profile) at URL\n"
        "(http://host:port or https://host:port).\n\n"
        "  --profile pusher|stream|all  cases to run (default all)\n"
        "  --list                 list the selected cases and exit\n"
        "  --case GLOB            run only matching ids (repeatable; a plain prefix such\n"
        "                         as pusher/2.2 selects that section)\n"
        "  --exclude GLOB         skip matching ids (repeatable)\n"
        "  --timeout MS           per-case timeout, overriding each case's own\n"
        "  --max-wait SECONDS     longest wait a case may need (default 10); cases that\n"
        "                         would wait longer (heartbeat) report SKIP\n"
        "  --slow                 also run cases tagged slow\n"
        "  -j, --jobs N           run up to N cases at once (1..64; default 8 per CPU, at\n"
        "                         most 16); cases marked serial run alone, after the\n"
        "                         others; lines and reports keep the registry's order\n"
        "  --json FILE            write a JSON report (with wire logs)\n"
        "  --junit FILE           write JUnit XML\n"
        "  --html FILE            write a self-contained HTML report (with wire logs)\n"
        "  --expect FILE          baseline {\"cases\":{\"<id>\":{\"verdict\":..,\"reason\":..}}};\n"
        "                         the run fails only when a verdict differs from it;\n"
        "                         optional \"exclude\":{\"<id or glob>\":\"<reason>\"} skips "
        "cases\n"
        "                         that would crash or hang the target (reported SKIP)\n"
        "  --strict               NON-STRICT (SHOULD violated) counts as a failure\n"
        "  --app-id ID --key KEY --secret SECRET   (app-id, app-key, app-secret)\n"
        "  --auth-path PATH       authorizer path on URL's host (/broadcasting/auth)\n"
        "  --ws-url URL           WebSocket server (default: URL)\n"
        "  --api-url URL          Pusher HTTP API (default: URL)\n"
        "  --auth-url URL         authorizer, with its path (default: URL + --auth-path)\n"
        "  --control-url URL      control API base (default: URL); URL itself may be left\n"
        "                         out when all four are given\n"
        "  --producer control|exec:'CMD ARGS'   how stream cases drive the producer: the\n"
        "                         signed control API (default) or a driver started once that\n"
        "                         speaks docs/producer-driver.md on its stdin/stdout\n"
        "  --member TOKEN:WORKSPACE   a member of WORKSPACE (alice-token:acme)\n"
        "  --other TOKEN:WORKSPACE    a user of another workspace (bob-token:globex)\n"
        "  --ws-path PATH         WebSocket path (/app/KEY?protocol=7&client=...)\n"
        "  --seed N               seed of the random names (default: from the clock)\n"
        "  --quiet                print only non-passing cases and the summary\n"
        "  --http-node URL        another node of the same deployment (repeatable): HTTP\n"
        "                         requests go round-robin over URL and these nodes,\n"
        "                         WebSockets stay on URL (multi-node checks)\n"
        "  --ca FILE              https: verify the server's certificate against this PEM\n"
        "                         CA (default: not verified)\n"
        "  --limits FILE          the server's config: the limit cases (needs:limits) use\n"
        "                         the app --limits-app ID (default limits-app) and its\n"
        "                         limits; without it they SKIP\n"
        "  --server-profile FILE  the server's capabilities, limits, limit app and users\n"
        "                         (JSON, docs/conformance.md); a declared-absent capability\n"
        "                         makes its cases UNSUPPORTED\n"
        "  --webhook-listen HOST:PORT  receive the server's webhooks here (the server must\n"
        "                         be configured to POST them to http://HOST:PORT/...);\n"
        "                         without it the webhook cases (needs:webhooks) SKIP\n"
        "  --help, --version\n\n"
        "Exit status: 0 no failure, 1 a FAIL (or a baseline difference), 2 harness\n"
        "error (bad options, target unreachable, an ERROR verdict).\n");
}

static int parse_user(const char *arg, char out[2][256], rc_user *u)
{
    const char *c = strchr(arg, ':');
    if (!c || c == arg || !c[1] || (size_t)(c - arg) >= 256 || strlen(c + 1) >= 256)
        return -1;
    snprintf(out[0], 256, "%.*s", (int)(c - arg), arg);
    snprintf(out[1], 256, "%s", c + 1);
    u->token = out[0];
    u->workspace = out[1];
    return 0;
}

/* http[s]://host[:port][/] into host, port and tls. 0, or -1 after a message. */
static int split_url(const char *url, char *host, size_t hostlen, int *port, int *tls)
{
    rc_role_ep e;
    char err[600];
    if (rc_ep_parse(url, 0, &e, err, sizeof err) < 0) {
        fprintf(stderr, "rehome-conform: %s\n", err);
        return -1;
    }
    snprintf(host, hostlen, "%s", e.host);
    *port = e.port;
    *tls = e.tls;
    return 0;
}

int rc_cli_endpoints(rc_target *t, const char *positional, const char *const urls[RC_ROLES],
                     const char *auth_path)
{
    char err[700];
    if (rc_ep_resolve(positional, urls, auth_path ? auth_path : "/broadcasting/auth",
                      auth_path != NULL, t->ep, err, sizeof err) < 0) {
        fprintf(stderr, "rehome-conform: %s\n", err);
        return -1;
    }
    t->host = t->ep[RC_ROLE_WS].host;
    t->port = t->ep[RC_ROLE_WS].port;
    t->tls = t->ep[RC_ROLE_WS].tls;
    t->base_url = positional ? positional : t->ep[RC_ROLE_WS].url;
    t->auth_path = t->ep[RC_ROLE_AUTH].path;
    return 0;
}

static int parse_url(rc_opts *o)
{
    if (rc_cli_endpoints(&o->t, o->url, o->role_url, o->auth_path) < 0)
        return -1;
    if (o->nnodes == 0)
        return 0;
    if (!o->url) {
        fprintf(stderr, "rehome-conform: --http-node needs the positional URL (node 0)\n");
        return -1;
    }
    /* the main URL is node 0, so requests alternate over every node given */
    int tls0 = 0;
    if (split_url(o->url, o->host, sizeof o->host, &o->t.http_nodes[0].port, &tls0) < 0)
        return -1;
    o->t.http_nodes[0].host = o->host;
    for (int i = 0; i < o->nnodes; i++) {
        int tls = 0, port = 0;
        if (split_url(o->node_url[i], o->node_host[i], sizeof o->node_host[i], &port, &tls) < 0)
            return -1;
        if (tls != tls0) {
            fprintf(stderr, "rehome-conform: --http-node %s must use the main URL's scheme\n",
                    o->node_url[i]);
            return -1;
        }
        o->t.http_nodes[i + 1] = (rc_node){o->node_host[i], port};
    }
    o->t.nhttp_nodes = o->nnodes + 1;
    o->t.http_rr = &o->rr;
    return 0;
}

static int int_arg(const char *name, const char *v, long lo, long hi, long *out)
{
    char *e;
    long x = strtol(v, &e, 10);
    if (!*v || *e || x < lo || x > hi) {
        fprintf(stderr, "rehome-conform: %s needs a number in %ld..%ld, not \"%s\"\n", name, lo, hi,
                v);
        return -1;
    }
    *out = x;
    return 0;
}

/* The profile's users apply unless --member/--other were given; its limit app unless
 * --limits reads the server's own config (which then wins). */
static int apply_profile(rc_opts *o)
{
    char err[512];
    rc_profile *p = &o->profile;
    if (rc_profile_load(o->server_profile, p, err, sizeof err) != 0) {
        fprintf(stderr, "rehome-conform: --server-profile: %s\n", err);
        return -1;
    }
    o->t.server = p->server;
    if (p->limits.known)
        o->t.limits = p->limits;
    if (p->have_member && !(o->users_given & 1))
        o->t.member = (rc_user){p->member_token, p->member_ws};
    if (p->have_other && !(o->users_given & 2))
        o->t.other = (rc_user){p->other_token, p->other_ws};
    return 0;
}

/* 0 ok, 1 exit 0 (help/version), -1 bad options. */
static int parse_args(int argc, char **argv, rc_opts *o)
{
    enum {
        O_PROFILE = 256,
        O_LIST,
        O_CASE,
        O_EXCLUDE,
        O_TIMEOUT,
        O_JSON,
        O_JUNIT,
        O_HTML,
        O_EXPECT,
        O_STRICT,
        O_APPID,
        O_KEY,
        O_SECRET,
        O_AUTHPATH,
        O_MEMBER,
        O_OTHER,
        O_WSPATH,
        O_MAXWAIT,
        O_SLOW,
        O_SEED,
        O_QUIET,
        O_HTTPNODE,
        O_CA,
        O_LIMITS,
        O_LIMITS_APP,
        O_WSURL,
        O_APIURL,
        O_AUTHURL,
        O_CONTROLURL,
        O_PRODUCER,
        O_SERVER_PROFILE,
        O_WEBHOOK_LISTEN,
        O_JOBS,
        O_HELP,
        O_VERSION
    };
    static const struct option lo[] = {{"profile", 1, 0, O_PROFILE},
                                       {"list", 0, 0, O_LIST},
                                       {"case", 1, 0, O_CASE},
                                       {"exclude", 1, 0, O_EXCLUDE},
                                       {"timeout", 1, 0, O_TIMEOUT},
                                       {"json", 1, 0, O_JSON},
                                       {"junit", 1, 0, O_JUNIT},
                                       {"html", 1, 0, O_HTML},
                                       {"expect", 1, 0, O_EXPECT},
                                       {"strict", 0, 0, O_STRICT},
                                       {"app-id", 1, 0, O_APPID},
                                       {"key", 1, 0, O_KEY},
                                       {"secret", 1, 0, O_SECRET},
                                       {"auth-path", 1, 0, O_AUTHPATH},
                                       {"member", 1, 0, O_MEMBER},
                                       {"other", 1, 0, O_OTHER},
                                       {"ws-path", 1, 0, O_WSPATH},
                                       {"max-wait", 1, 0, O_MAXWAIT},
                                       {"slow", 0, 0, O_SLOW},
                                       {"seed", 1, 0, O_SEED},
                                       {"quiet", 0, 0, O_QUIET},
                                       {"http-node", 1, 0, O_HTTPNODE},
                                       {"ca", 1, 0, O_CA},
                                       {"limits", 1, 0, O_LIMITS},
                                       {"limits-app", 1, 0, O_LIMITS_APP},
                                       {"ws-url", 1, 0, O_WSURL},
                                       {"api-url", 1, 0, O_APIURL},
                                       {"auth-url", 1, 0, O_AUTHURL},
                                       {"control-url", 1, 0, O_CONTROLURL},
                                       {"producer", 1, 0, O_PRODUCER},
                                       {"server-profile", 1, 0, O_SERVER_PROFILE},
                                       {"webhook-listen", 1, 0, O_WEBHOOK_LISTEN},
                                       {"jobs", 1, 0, O_JOBS},
                                       {"help", 0, 0, O_HELP},
                                       {"version", 0, 0, O_VERSION},
                                       {0, 0, 0, 0}};
    long v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hqj:", lo, NULL)) != -1) {
        switch (c) {
        case O_PROFILE:
            if (strcmp(optarg, "pusher") && strcmp(optarg, "stream") && strcmp(optarg, "all")) {
                fprintf(stderr, "rehome-conform: --profile is pusher, stream or all\n");
                return -1;
            }
            o->sel.profile = optarg;
            break;
        case O_LIST:
            o->list = 1;
            break;
        case O_CASE:
        case O_EXCLUDE: {
            size_t *n = c == O_CASE ? &o->sel.ninclude : &o->sel.nexclude;
            const char **arr = c == O_CASE ? o->include : o->exclude;
            if (*n >= MAX_PATTERNS) {
                fprintf(stderr, "rehome-conform: too many patterns\n");
                return -1;
            }
            arr[(*n)++] = optarg;
            break;
        }
        case O_TIMEOUT:
            if (int_arg("--timeout", optarg, 1, 3600000, &v) < 0)
                return -1;
            o->timeout_ms = (int)v;
            break;
        case 'j':
        case O_JOBS:
            if (int_arg("--jobs", optarg, 1, 64, &v) < 0)
                return -1;
            o->jobs = (int)v;
            break;
        case O_MAXWAIT:
            if (int_arg("--max-wait", optarg, 0, 86400, &v) < 0)
                return -1;
            o->max_wait_s = (int)v;
            break;
        case O_JSON:
            o->json = optarg;
            break;
        case O_JUNIT:
            o->junit = optarg;
            break;
        case O_HTML:
            o->html = optarg;
            break;
        case O_EXPECT:
            o->expect = optarg;
            break;
        case O_STRICT:
            o->strict = 1;
            break;
        case O_APPID:
            o->t.app_id = optarg;
            break;
        case O_KEY:
            o->t.app_key = optarg;
            break;
        case O_SECRET:
            o->t.app_secret = optarg;
            break;
        case O_AUTHPATH:
            o->auth_path = optarg;
            break;
        case O_WSURL:
        case O_APIURL:
        case O_AUTHURL:
        case O_CONTROLURL:
            o->role_url[RC_ROLE_WS + (c - O_WSURL)] = optarg;
            break;
        case O_PRODUCER:
            if (strcmp(optarg, "control") != 0 && strncmp(optarg, "exec:", 5) != 0) {
                fprintf(stderr, "rehome-conform: --producer is control or exec:'CMD ARGS'\n");
                return -1;
            }
            if (!strncmp(optarg, "exec:", 5) && !optarg[5 + strspn(optarg + 5, " ")]) {
                fprintf(stderr, "rehome-conform: --producer exec: needs a command\n");
                return -1;
            }
            o->producer = strcmp(optarg, "control") ? optarg + 5 : NULL;
            o->producer_desc = optarg;
            break;
        case O_MEMBER:
        case O_OTHER:
            o->users_given |= c == O_MEMBER ? 1 : 2;
            if (parse_user(optarg, c == O_MEMBER ? o->member : o->other,
                           c == O_MEMBER ? &o->t.member : &o->t.other) < 0) {
                fprintf(stderr, "rehome-conform: %s wants TOKEN:WORKSPACE\n",
                        c == O_MEMBER ? "--member" : "--other");
                return -1;
            }
            break;
        case O_WSPATH:
            snprintf(o->ws_path, sizeof o->ws_path, "%s", optarg);
            break;
        case O_SLOW:
            o->slow = 1;
            break;
        case O_CA:
            o->t.ca_file = optarg;
            break;
        case O_LIMITS:
            o->limits_file = optarg;
            break;
        case O_SERVER_PROFILE:
            o->server_profile = optarg;
            break;
        case O_WEBHOOK_LISTEN:
            o->webhook_listen = optarg;
            break;
        case O_LIMITS_APP:
            o->limits_app = optarg;
            break;
        case O_SEED: {
            char *e;
            o->seed = strtoull(optarg, &e, 0);
            if (!*optarg || *e) {
                fprintf(stderr, "rehome-conform: --seed needs a number\n");
                return -1;
            }
            o->have_seed = 1;
            break;
        }
        case O_HTTPNODE:
            if (o->nnodes >= RC_MAX_HTTP_NODES - 1) {
                fprintf(stderr, "rehome-conform: at most %d --http-node\n", RC_MAX_HTTP_NODES - 1);
                return -1;
            }
            o->node_url[o->nnodes++] = optarg;
            break;
        case 'q':
        case O_QUIET:
            o->quiet = 1;
            break;
        case 'h':
        case O_HELP:
            usage(stdout);
            return 1;
        case O_VERSION:
            printf("rehome-conform %s\n", RH_VERSION);
            return 1;
        default:
            fprintf(stderr, "rehome-conform: unknown or incomplete option %s\n", argv[optind - 1]);
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc)
        o->url = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "rehome-conform: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    int nroles = 0;
    for (int r = 0; r < RC_ROLES; r++)
        nroles += o->role_url[r] != NULL;
    if (!o->url && !o->list && nroles < RC_ROLES) {
        fprintf(stderr, "rehome-conform: a target URL is required (or all of --ws-url, "
                        "--api-url, --auth-url and --control-url)\n");
        usage(stderr);
        return -1;
    }
    if ((o->url || nroles) && parse_url(o) < 0)
        return -1;
    if (!o->ws_path[0])
        snprintf(o->ws_path, sizeof o->ws_path,
                 "/app/%s?protocol=7&client=rehome-conform&version=%s", o->t.app_key, RH_VERSION);
    o->t.ws_path = o->ws_path;
    o->t.activity_timeout_max = o->max_wait_s;
    if (o->server_profile && apply_profile(o) != 0)
        return -1;
    if (o->limits_file) {
        char err[512];
        if (rc_limits_load(o->limits_file, o->limits_app ? o->limits_app : "limits-app",
                           &o->t.limits, err, sizeof err) != 0) {
            fprintf(stderr, "rehome-conform: --limits: %s\n", err);
            return -1;
        }
        (void)rc_limits_load_sizes(o->limits_file, o->t.app_id, &o->t.server);
    }
    return 0;
}

int rc_cli_parse(int argc, char **argv, rc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sel.profile = "all";
    o->sel.include = o->include;
    o->sel.exclude = o->exclude;
    o->max_wait_s = 10;
    o->producer_desc = "control";
    o->t.app_id = "app-id";
    o->t.app_key = "app-key";
    o->t.app_secret = "app-secret";
    parse_user("alice-token:acme", o->member, &o->t.member);
    parse_user("bob-token:globex", o->other, &o->t.other);
    return parse_args(argc, argv, o);
}
