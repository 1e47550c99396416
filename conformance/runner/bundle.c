/* Certification bundle helpers: hashes, badge, verification (bundle.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "bundle.h"

const char *const rc_bundle_files[] = {"report.json", "junit.xml",     "report.html", "badge.svg",
                                       "command.txt", "manifest.json", NULL};

static void hex(const unsigned char *d, unsigned n, char out[65])
{
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    out[64] = '\0';
}

/* Finishes the digest into out when ok, frees md. 0, or -1 when anything failed. */
static int digest_end(EVP_MD_CTX *md, int ok, char out[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned dl = 0;
    ok = ok && EVP_DigestFinal_ex(md, d, &dl) && dl == 32;
    if (ok)
        hex(d, dl, out);
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static int by_id(const void *a, const void *b)
{
    return strcmp((*(const rc_case *const *)a)->id, (*(const rc_case *const *)b)->id);
}

int rc_caseset_hash_of(const rc_case *const *cases, size_t n, char out[65])
{
    const rc_case **s = malloc((n ? n : 1) * sizeof *s);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = s && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    if (ok) {
        memcpy(s, cases, n * sizeof *s);
        qsort(s, n, sizeof *s, by_id);
    }
    for (size_t i = 0; ok && i < n; i++) {
        const char *f[3] = {s[i]->id, rc_level_name(s[i]->level),
                            s[i]->requirement ? s[i]->requirement : ""};
        for (int k = 0; k < 3 && ok; k++)
            ok = EVP_DigestUpdate(md, f[k], strlen(f[k]) + 1); /* with its NUL */
    }
    free(s);
    return digest_end(md, ok, out);
}

int rc_caseset_hash(const char *profile, char out[65], size_t *ncases)
{
    size_t ntab, n = 0, cap = 256;
    const rc_case *const *tabs = rc_registry_tables(&ntab);
    const rc_case **all = malloc(cap * sizeof *all);
    rc_select sel = {.profile = profile};
    for (size_t t = 0; all && t < ntab; t++)
        for (const rc_case *c = tabs[t]; c && c->id; c++) {
            if (!rc_selected(&sel, c->id))
                continue;
            if (n == cap) {
                const rc_case **na = realloc(all, (cap *= 2) * sizeof *all);
                if (!na) {
                    free(all);
                    return -1;
                }
                all = na;
            }
            all[n++] = c;
        }
    int rc = all ? rc_caseset_hash_of(all, n, out) : -1;
    free(all);
    if (ncases)
        *ncases = n;
    return rc;
}

int rc_file_sha256(const char *path, char out[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    char buf[16384];
    size_t r;
    while (ok && (r = fread(buf, 1, sizeof buf, f)) > 0)
        ok = EVP_DigestUpdate(md, buf, r);
    ok = ok && !ferror(f);
    fclose(f);
    return digest_end(md, ok, out);
}

char *rc_badge_svg(const char *profile, const size_t c[RC__VERDICTS], const char *version)
{
    char left[128], right[256];
    snprintf(left, sizeof left, "rehome-conform %s %s", version, profile);
    int o = snprintf(right, sizeof right, "%zu pass", c[RC_PASS]);
    static const rc_verdict shown[] = {RC_FAIL, RC_NONSTRICT, RC_ERROR, RC_UNSUPPORTED, RC_SKIP};
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
        if (c[shown[k]] && o < (int)sizeof right)
            o += snprintf(right + o, sizeof right - (size_t)o, ", %zu %s", c[shown[k]],
                          shown[k] == RC_FAIL ? "fail" : rc_verdict_name(shown[k]));
    const char *color = c[RC_FAIL] || c[RC_ERROR] ? "#d73a2a"
                        : c[RC_NONSTRICT]         ? "#dfa711"
                                                  : "#3a9a3e";
    char *l = rc_xml_escape(left), *r = rc_xml_escape(right);
    /* About 6.5 px per character of 11 px Verdana, plus 10 px padding per side. */
    int lw = (int)strlen(left) * 13 / 2 + 20, rw = (int)strlen(right) * 13 / 2 + 20;
    size_t len = 2048 + 2 * (strlen(left) + strlen(right)) * 6;
    char *svg = l && r ? malloc(len) : NULL;
    if (svg)
        snprintf(svg, len,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" "
                 "role=\"img\" aria-label=\"%s: %s\">\n<title>%s: %s</title>\n"
                 "<rect width=\"%d\" height=\"20\" fill=\"#555\"/>\n"
                 "<rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"%s\"/>\n"
                 "<g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" "
                 "font-size=\"11\">\n<text x=\"10\" y=\"14\">%s</text>\n"
                 "<text x=\"%d\" y=\"14\">%s</text>\n</g>\n</svg>\n",
                 lw + rw, l, r, l, r, lw, lw, rw, color, l, lw + 10, r);
    free(l);
    free(r);
    return svg;
}

static cJSON *load_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, r;
    do {
        if (len + 8192 > cap) {
            char *nb = realloc(buf, cap = cap * 2 + 16384);
            if (!nb)
                break;
            buf = nb;
        }
        r = fread(buf + len, 1, cap - len, f);
        len += r;
    } while (r > 0);
    fclose(f);
    cJSON *j = buf ? cJSON_ParseWithLength(buf, len) : NULL;
    free(buf);
    return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int rc_report_summary(const char *path, size_t counts[RC__VERDICTS])
{
    cJSON *rep = load_json(path);
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(rep, "summary");
    for (int v = 0; v < RC__VERDICTS; v++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(sum, rc_verdict_name((rc_verdict)v));
        counts[v] = cJSON_IsNumber(c) && c->valuedouble >= 0 ? (size_t)c->valuedouble : 0;
    }
    int rc = cJSON_IsObject(sum) ? 0 : -1;
    cJSON_Delete(rep);
    return rc;
}

static int check_files(const char *dir, const cJSON *files, char *err, size_t errlen)
{
    char path[4096], sum[65];
    for (const char *const *f = rc_bundle_files; *f; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, *f);
        if (strcmp(*f, "manifest.json") == 0)
            continue;
        if (rc_file_sha256(path, sum) < 0) {
            snprintf(err, errlen, "incomplete bundle: %s is missing or unreadable", path);
            return -1;
        }
        const char *want = jstr(files, *f);
        if (!want || strcmp(want, sum) != 0) {
            snprintf(err, errlen, "%s does not match the manifest (sha256 %s, manifest says %s)",
                     path, sum, want ? want : "nothing");
            return -1;
        }
    }
    return 0;
}

int rc_bundle_verify(const char *dir, char *err, size_t errlen)
{
    char path[4096], hash[65];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    cJSON *m = load_json(path), *rep = NULL;
    int rc = -1;
    if (!m) {
        snprintf(err, errlen, "incomplete bundle: %s is missing or not JSON", path);
        goto out;
    }
    const char *ver = jstr(m, "suite_version"), *prof = jstr(m, "profile");
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(m, "case_set");
    const char *mhash = jstr(cs, "sha256");
    if (!ver || !prof || !mhash) {
        snprintf(err, errlen, "%s lacks suite_version, profile or case_set.sha256", path);
        goto out;
    }
    if (strcmp(ver, RH_VERSION) != 0) {
        snprintf(err, errlen, "bundle made by suite %s; this is rehome-conform %s", ver,
                 RH_VERSION);
        goto out;
    }
    size_t ncases = 0;
    if (rc_caseset_hash(prof, hash, &ncases) < 0 || strcmp(hash, mhash) != 0) {
        snprintf(err, errlen,
                 "case set differs: the bundle's %s (profile %s) is not this suite's %s; the "
                 "verdicts were reached against other requirements",
                 mhash, prof, hash);
        goto out;
    }
    if (check_files(dir, cJSON_GetObjectItemCaseSensitive(m, "files"), err, errlen) < 0)
        goto out;
    snprintf(path, sizeof path, "%s/report.json", dir);
    rep = load_json(path);
    const cJSON *total =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "summary"), "total");
    if (!rep || !jstr(rep, "version") || strcmp(jstr(rep, "version"), RH_VERSION) != 0 ||
        !cJSON_IsNumber(total) || (size_t)total->valuedouble != ncases) {
        snprintf(err, errlen, "%s is not a %s report of the %zu cases of profile %s", path,
                 RH_VERSION, ncases, prof);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(m);
    cJSON_Delete(rep);
    return rc;
}
