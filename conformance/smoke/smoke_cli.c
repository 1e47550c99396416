/* The command line of `rehome-conform smoke` (see smoke.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runner/cli.h"
#include "smoke_int.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: rehome-conform smoke [options] [URL]\n\n"
               "Runs one stream end to end against a live deployment: subscribes through the\n"
               "authorizer with a member's bearer token, starts a stream on the given thread and\n"
               "run, sends tokens and checks they arrive in order with their exact text, ends the\n"
               "stream twice and checks the second end changes nothing (one ended event).\n\n"
               "  --workspace W        workspace id (required)\n"
               "  --thread T           thread id (required)\n"
               "  --run R              run id (required)\n"
               "  --stream-id S        stream id (default: smoke-<random>; must be new)\n"
               "  --token TOKEN        bearer token of a member of W (required)\n"
               "  --app-id ID          app id (default app-id)\n"
               "  --key KEY            app key (default app-key)\n"
               "  --secret SECRET      app secret (default app-secret)\n"
               "  --auth-path PATH     authorizer path (default /broadcasting/auth)\n"
               "  --ws-url, --api-url, --auth-url, --control-url URL   the endpoint of each\n"
               "                       role, as for the suite (default: from URL)\n"
               "  --tokens N           tokens to send, 1..10000 (default 20)\n"
               "  --timeout MS         wait for each answer or event (default 5000)\n"
               "  --check-expiry[=S]   then wait up to S seconds (default 600) for the ended\n"
               "                       stream's state to expire (GET answers 404)\n"
               "  --help\n\n"
               "Exit: 0 pass, 1 fail, 2 usage.\n");
}

static int num(const char *name, const char *v, long lo, long hi, long *out)
{
    char *e;
    long x = strtol(v, &e, 10);
    if (!*v || *e || x < lo || x > hi) {
        fprintf(stderr, "rehome-conform smoke: %s must be an integer from %ld to %ld\n", name, lo,
                hi);
        return -1;
    }
    *out = x;
    return 0;
}

int rc_smoke_parse(int argc, char **argv, rc_smoke_opts *o)
{
    static const struct option lopts[] = {
        {"workspace", required_argument, 0, 'w'},
        {"thread", required_argument, 0, 't'},
        {"run", required_argument, 0, 'r'},
        {"stream-id", required_argument, 0, 's'},
        {"token", required_argument, 0, 'b'},
        {"app-id", required_argument, 0, 'a'},
        {"key", required_argument, 0, 'k'},
        {"secret", required_argument, 0, 'S'},
        {"auth-path", required_argument, 0, 'p'},
        {"tokens", required_argument, 0, 'n'},
        {"timeout", required_argument, 0, 'T'},
        {"check-expiry", optional_argument, 0, 'e'},
        {"ws-url", required_argument, 0, '1'},
        {"api-url", required_argument, 0, '2'},
        {"auth-url", required_argument, 0, '3'},
        {"control-url", required_argument, 0, '4'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    memset(o, 0, sizeof *o);
    o->t.app_id = "app-id";
    o->t.app_key = "app-key";
    o->t.app_secret = "app-secret";
    o->ntokens = 20;
    o->timeout_ms = 5000;
    optind = 1;
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
        switch (c) {
        case 'w':
            o->workspace = optarg;
            break;
        case 't':
            o->thread = optarg;
            break;
        case 'r':
            o->run = optarg;
            break;
        case 's':
            o->stream = optarg;
            break;
        case 'b':
            o->token = optarg;
            break;
        case 'a':
            o->t.app_id = optarg;
            break;
        case 'k':
            o->t.app_key = optarg;
            break;
        case 'S':
            o->t.app_secret = optarg;
            break;
        case 'p':
            o->auth_path = optarg;
            break;
        case '1':
        case '2':
        case '3':
        case '4':
            o->role_url[RC_ROLE_WS + (c - '1')] = optarg;
            break;
        case 'n':
            if (num("--tokens", optarg, 1, 10000, &v) < 0)
                return -1;
            o->ntokens = (int)v;
            break;
        case 'T':
            if (num("--timeout", optarg, 100, 600000, &v) < 0)
                return -1;
            o->timeout_ms = (int)v;
            break;
        case 'e':
            o->expiry_s = 600;
            if (optarg && num("--check-expiry", optarg, 1, 86400, &v) < 0)
                return -1;
            if (optarg)
                o->expiry_s = (int)v;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    int nroles = 0;
    for (int r = 0; r < RC_ROLES; r++)
        nroles += o->role_url[r] != NULL;
    if (optind < argc - 1 || (optind == argc && nroles < RC_ROLES)) {
        fprintf(stderr, "rehome-conform smoke: exactly one target URL is required (or all of "
                        "--ws-url, --api-url, --auth-url and --control-url)\n");
        usage(stderr);
        return -1;
    }
    if (!o->workspace || !o->thread || !o->run || !o->token) {
        fprintf(stderr, "rehome-conform smoke: --workspace, --thread, --run and --token are "
                        "required\n");
        return -1;
    }
    if (rc_cli_endpoints(&o->t, optind < argc ? argv[optind] : NULL, o->role_url, o->auth_path) < 0)
        return -1;
    snprintf(o->ws_path, sizeof o->ws_path, "/app/%s?protocol=7&client=rehome-smoke&version=%s",
             o->t.app_key, RH_VERSION);
    o->t.ws_path = o->ws_path;
    o->t.member.token = o->token;
    o->t.member.workspace = o->workspace;
    o->t.activity_timeout_max = o->expiry_s > 10 ? o->expiry_s : 10;
    return 0;
}
