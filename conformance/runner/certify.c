/* certify: one strict run of every case (slow ones included) writing JSON, JUnit and HTML
 * into a directory, with the command line, the case-set hash, a badge and a manifest that
 * lists each file's SHA-256; verify-bundle checks such a directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "bundle.h"
#include "certify.h"
#include "cli.h"

#define CERT_MAX_WAIT "160" /* docs/conformance.md 6: activity_timeout + pong_timeout + 5 */

static void certify_usage(FILE *f)
{
    fprintf(f, "usage: rehome-conform certify [options] URL --out DIR\n"
               "Runs the certification of docs/conformance.md section 6 (--strict --slow,\n"
               "--max-wait " CERT_MAX_WAIT " unless given, every profile unless --profile) and "
               "writes\n"
               "DIR/report.json, junit.xml, report.html, badge.svg, command.txt and\n"
               "manifest.json (suite version, case-set hash, file hashes). Takes the target\n"
               "options of a normal run (--app-id, --key, --limits, --expect, ...), not\n"
               "--case, --exclude, --json, --junit or --html.\n"
               "Check a bundle with: rehome-conform verify-bundle DIR\n");
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

/* The command line, shell-quoted where needed, one line. Heap. */
static char *command_line(int argc, char **argv)
{
    size_t len = 2;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) * 4 + 3;
    char *s = malloc(len), *p = s;
    for (int i = 0; s && i < argc; i++) {
        const char *a = argv[i];
        int plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_./:=,+@%") == strlen(a);
        if (i)
            *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", a);
            continue;
        }
        *p++ = '\'';
        for (; *a; a++)
            p += *a == '\'' ? sprintf(p, "'\\''") : sprintf(p, "%c", *a);
        *p++ = '\'';
    }
    if (s)
        strcpy(p, "\n");
    return s;
}

/* Splits certify's own options off; refuses those a certification fixes. */
static int split_args(int argc, char **argv, char **out, int *nout, const char **dir)
{
    static const char *const fixed[] = {"--case",  "--exclude", "--json",
                                        "--junit", "--html",    "--list"};
    int max_wait = 0, n = 0;
    out[n++] = argv[0];
    out[n++] = "--strict";
    out[n++] = "--slow";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            *dir = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--out=", 6) == 0) {
            *dir = argv[i] + 6;
            continue;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
        for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
            if (strncmp(argv[i], fixed[k], strlen(fixed[k])) == 0) {
                fprintf(stderr,
                        "rehome-conform certify: %s is not allowed: a certification "
                        "runs the whole case set and writes its own reports\n",
                        fixed[k]);
                return -1;
            }
        max_wait |= strncmp(argv[i], "--max-wait", 10) == 0;
        out[n++] = argv[i];
    }
    if (!max_wait) {
        out[n++] = "--max-wait";
        out[n++] = CERT_MAX_WAIT;
    }
    *nout = n;
    if (!*dir) {
        fprintf(stderr, "rehome-conform certify: --out DIR is required\n");
        return -1;
    }
    return 0;
}

static const char *claim_of(const size_t c[RC__VERDICTS])
{
    if (c[RC_FAIL] || c[RC_ERROR])
        return "not conformant";
    if (c[RC_SKIP])
        return "incomplete"; /* SKIP is not allowed in a certification (section 6) */
    return c[RC_NONSTRICT] ? "compatible" : "strict";
}

static int write_manifest(const char *dir, const rc_opts *o, int argc, char **argv, int code,
                          const size_t c[RC__VERDICTS])
{
    char hash[65], path[4096], sum[65];
    size_t ncases;
    if (rc_caseset_hash(o->sel.profile, hash, &ncases) < 0)
        return -1;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "bundle", "rehome-conform certification");
    cJSON_AddStringToObject(m, "suite_version", RH_VERSION);
    cJSON_AddStringToObject(m, "profile", o->sel.profile);
    cJSON *cs = cJSON_AddObjectToObject(m, "case_set");
    cJSON_AddStringToObject(cs, "sha256", hash);
    cJSON_AddNumberToObject(cs, "cases", (double)ncases);
    cJSON_AddStringToObject(cs, "covers", "id, level, requirement of each case, sorted by id");
    cJSON_AddStringToObject(m, "target", o->url);
    cJSON *cmd = cJSON_AddArrayToObject(m, "command");
    for (int i = 0; i < argc; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    cJSON_AddNumberToObject(m, "exit_status", code);
    cJSON_AddStringToObject(m, "claim", claim_of(c));
    cJSON *s = cJSON_AddObjectToObject(m, "summary");
    for (int v = 0; v < RC__VERDICTS; v++)
        cJSON_AddNumberToObject(s, rc_verdict_name((rc_verdict)v), (double)c[v]);
    cJSON *files = cJSON_AddObjectToObject(m, "files");
    for (const char *const *f = rc_bundle_files; *f; f++) {
        if (strcmp(*f, "manifest.json") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, *f);
        if (rc_file_sha256(path, sum) < 0) {
            fprintf(stderr, "rehome-conform certify: %s was not written\n", path);
            cJSON_Delete(m);
            return -1;
        }
        cJSON_AddStringToObject(files, *f, sum);
    }
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    int rc = text ? write_text(path, text) : -1;
    free(text);
    return rc;
}

/* Badge and command line, then the manifest over every file. */
static int finish_bundle(const char *dir, const rc_opts *o, int argc, char **argv, int code)
{
    char path[4096];
    size_t c[RC__VERDICTS] = {0};
    snprintf(path, sizeof path, "%s/report.json", dir);
    if (rc_report_summary(path, c) < 0) {
        fprintf(stderr, "rehome-conform certify: no report in %s\n", path);
        return -1;
    }
    char *svg = rc_badge_svg(o->sel.profile, c, RH_VERSION), *cmd = command_line(argc, argv);
    snprintf(path, sizeof path, "%s/badge.svg", dir);
    int rc = svg ? write_text(path, svg) : -1;
    snprintf(path, sizeof path, "%s/command.txt", dir);
    if (rc == 0)
        rc = cmd ? write_text(path, cmd) : -1;
    free(svg);
    free(cmd);
    if (rc == 0)
        rc = write_manifest(dir, o, argc, argv, code, c);
    if (rc == 0)
        printf("Bundle %s: %s (%s)\n", dir, claim_of(c), "rehome-conform verify-bundle checks it");
    return rc;
}

int rc_certify_main(int argc, char **argv)
{
    static rc_opts o;
    char **args = calloc((size_t)argc + 8, sizeof *args);
    const char *dir = NULL;
    int nargs = 0, s = args ? split_args(argc, argv, args, &nargs, &dir) : -1;
    if (s != 0) {
        certify_usage(s > 0 ? stdout : stderr);
        free(args);
        return s > 0 ? 0 : 2;
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "rehome-conform certify: cannot create %s: %s\n", dir, strerror(errno));
        free(args);
        return 2;
    }
    static char json[4096], junit[4096], html[4096];
    snprintf(json, sizeof json, "%s/report.json", dir);
    snprintf(junit, sizeof junit, "%s/junit.xml", dir);
    snprintf(html, sizeof html, "%s/report.html", dir);
    const char *rep[] = {"--json", json, "--junit", junit, "--html", html};
    for (size_t k = 0; k < 6; k++)
        args[nargs++] = (char *)rep[k];
    int code = rc_cli_parse(nargs, args, &o);
    if (code == 0 && !o.url) {
        fprintf(stderr, "rehome-conform certify: a target URL is required\n");
        code = -1;
    }
    if (code == 0) {
        code = rc_main_run(&o, nargs, args);
        if (finish_bundle(dir, &o, argc, argv, code) < 0)
            code = 2;
    } else {
        code = 2;
    }
    free(args);
    return code;
}

int rc_verify_bundle_main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        int help = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
        fprintf(help ? stdout : stderr,
                "usage: rehome-conform verify-bundle DIR\n"
                "Checks a certification bundle (rehome-conform certify --out DIR): every file\n"
                "present and as its manifest records, made by this suite version, and the\n"
                "case-set hash equal to this suite's. Exit 0 when it holds, 1 when not.\n");
        return help ? 0 : 2;
    }
    char err[1024];
    if (rc_bundle_verify(argv[1], err, sizeof err) < 0) {
        fprintf(stderr, "rehome-conform verify-bundle: %s\n", err);
        return 1;
    }
    printf("bundle %s: complete; suite %s, case set matches this suite\n", argv[1], RH_VERSION);
    return 0;
}
