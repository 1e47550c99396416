/* The options of rehome-conform fuzz and replay (fuzz.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire/url.h"

static void usage(FILE *f, int replay)
{
    if (replay)
        fprintf(f, "usage: rehome-conform replay FILE [target options] URL\n"
                   "Replays a finding file of rehome-conform fuzz; exit 1 when the failure\n"
                   "reproduces, 0 when it does not, 2 on harness trouble.\n");
    else
        fprintf(f, "usage: rehome-conform fuzz [options] [target options] URL\n"
                   "A black-box, stateful fuzzer of a Pusher-protocol server at URL.\n"
                   "  --duration S        stop after S seconds (default 60)\n"
                   "  --seed N            seed (default from the clock); same seed, same inputs\n"
                   "  --out DIR           where finding-N.json goes (default .)\n"
                   "  --profile P         pusher (default), stream or all: stream adds the\n"
                   "                      control API\n"
                   "  --json FILE         a JSON summary (execs, steps, answers, findings)\n");
    fprintf(f, "  --server-pid PID    the server's process: death and RSS growth are findings\n"
               "  --rss-limit MB      RSS growth that counts as a leak (default 128)\n"
               "  --restart-cmd CMD   restarts the target (sh -c) for each minimisation or\n"
               "                      replay test; a number on its output is the new pid\n"
               "  --app-id ID --key KEY --secret SECRET  (app-id, app-key, app-secret)\n"
               "  --ws-path PATH      WebSocket path (/app/KEY?protocol=7&...)\n"
               "  --ca FILE           https: verify the certificate against this CA\n"
               "  --quiet             no progress line\n"
               "Exit status: 0 nothing found, 1 a finding, 2 harness trouble.\n");
}

int nf_cli_parse(int argc, char **argv, nf_opts *o, int replay)
{
    memset(o, 0, sizeof *o);
    o->t.app_id = "app-id";
    o->t.key = "app-key";
    o->t.secret = "app-secret";
    o->t.step_ms = 300;
    o->duration = 60;
    o->out_dir = ".";
    o->rss_limit_mb = 128;
    o->max_tests = 48;
    const char *ws_path = NULL;
    static const struct option opts[] = {{"duration", 1, 0, 'd'}, {"seed", 1, 0, 's'},
                                         {"out", 1, 0, 'o'},      {"server-pid", 1, 0, 'p'},
                                         {"profile", 1, 0, 'P'},  {"restart-cmd", 1, 0, 'r'},
                                         {"json", 1, 0, 'j'},     {"rss-limit", 1, 0, 'R'},
                                         {"app-id", 1, 0, 'a'},   {"key", 1, 0, 'k'},
                                         {"secret", 1, 0, 'S'},   {"ws-path", 1, 0, 'w'},
                                         {"ca", 1, 0, 'c'},       {"quiet", 0, 0, 'q'},
                                         {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        switch (ch) {
        case 'd':
            o->duration = strtod(optarg, &end);
            break;
        case 's':
            o->seed = strtoull(optarg, &end, 10);
            o->have_seed = 1;
            break;
        case 'o':
            o->out_dir = optarg;
            break;
        case 'p':
            o->pid = (int)strtol(optarg, &end, 10);
            break;
        case 'R':
            o->rss_limit_mb = strtol(optarg, &end, 10);
            break;
        case 'P':
            if (strcmp(optarg, "pusher") && strcmp(optarg, "stream") && strcmp(optarg, "all")) {
                fprintf(stderr, "rehome-conform: --profile pusher|stream|all\n");
                return -1;
            }
            o->stream = strcmp(optarg, "pusher") != 0;
            break;
        case 'r':
            o->restart_cmd = optarg;
            break;
        case 'j':
            o->json = optarg;
            break;
        case 'a':
            o->t.app_id = optarg;
            break;
        case 'k':
            o->t.key = optarg;
            break;
        case 'S':
            o->t.secret = optarg;
            break;
        case 'w':
            ws_path = optarg;
            break;
        case 'c':
            o->t.ep.ca_file = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            usage(stdout, replay);
            return 1;
        default:
            usage(stderr, replay);
            return -1;
        }
        if (end && *end) {
            fprintf(stderr, "rehome-conform: not a number: %s\n", optarg);
            return -1;
        }
    }
    if (argc - optind != (replay ? 2 : 1)) {
        usage(stderr, replay);
        return -1;
    }
    if (replay)
        o->file = argv[optind++];
    o->url = argv[optind];
    rw_url u;
    char err[256] = "not http or https";
    if (rw_url_parse(o->url, &u, err, sizeof err) < 0 ||
        (strcmp(u.scheme, "http") && strcmp(u.scheme, "https"))) {
        fprintf(stderr, "rehome-conform: bad URL %s: %s\n", o->url, err);
        return -1;
    }
    snprintf(o->host, sizeof o->host, "%s", u.host);
    o->t.ep.host = o->host;
    o->t.ep.port = u.port;
    o->t.ep.tls = u.tls;
    if (ws_path)
        snprintf(o->ws_path, sizeof o->ws_path, "%s", ws_path);
    else
        snprintf(o->ws_path, sizeof o->ws_path,
                 "/app/%s?protocol=7&client=rehome-conform-fuzz&version=%s&flash=false", o->t.key,
                 RH_VERSION);
    o->t.ws_path = o->ws_path;
    return 0;
}
