/* Target httpsig: HTTP API signature verification (canonical query, body_md5, window).
 * Input: METHOD \n PATH \n QUERY \n BODY (the body takes the rest).
 * Oracles: auth_signature never changes the canonical query; a query we build
 * for the same request verifies; with a changed body it fails on body_md5. */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "proto/form.h"
#include "proto/httpsig.h"

#define KEY    "app-key"
#define SECRET "app-secret"
#define NOW    1700000000L

/* Extra parameters rh_httpsig_build_query accepts: k=v pairs of [a-z0-9_.,-], none of the
 * auth_* or body_md5 names. */
static int usable_extra(const char *q)
{
    if (!*q)
        return 0;
    for (const char *p = q; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("_.,-=&", *p)))
            return 0;
    rh_form f;
    if (rh_form_parse(q, strlen(q), &f) != RH_FORM_OK)
        return 0;
    int ok = f.n > 0;
    for (size_t i = 0; i < f.n; i++)
        if (strncmp(f.params[i].key, "auth_", 5) == 0 || strcmp(f.params[i].key, "body_md5") == 0 ||
            !f.params[i].key[0])
            ok = 0;
    rh_form_free(&f);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[4];
    size_t l[4];
    char *block = fz_split(data, size, 4, f, l);
    if (!block)
        return 0;
    const char *method = f[0], *path = f[1], *query = f[2];
    char *body = f[3];
    char err[256];

    int code = 0;
    char *canon = rh_httpsig_canonical_query(query, &code);
    FZ_CHECK(canon ? code == 0 : code < 0);
    if (canon) {
        /* auth_signature never takes part in what is signed (adding one is refused only
         * when the query has one already, under any spelling). */
        size_t n = l[2] + 32;
        char *withsig = malloc(n);
        FZ_CHECK(withsig);
        snprintf(withsig, n, "%s%sauth_signature=00", query, l[2] ? "&" : "");
        char *c2 = rh_httpsig_canonical_query(withsig, &code);
        FZ_CHECK(c2 ? strcmp(c2, canon) == 0 : code == RH_HTTPSIG_ERR_MALFORMED);
        free(c2);
        free(withsig);
    }
    free(canon);

    int rc = rh_httpsig_verify(KEY, SECRET, method, path, query, body, l[3], NOW, RH_HTTPSIG_WINDOW,
                               err, sizeof err);
    FZ_CHECK(rc <= 0 && rh_httpsig_strerror(rc));
    if (rc != 0)
        FZ_CHECK(err[0]);

    char *q = rh_httpsig_build_query(KEY, SECRET, method, path, NOW - 5, body, l[3],
                                     usable_extra(query) ? query : NULL);
    FZ_CHECK(q);
    rc = rh_httpsig_verify(KEY, SECRET, method, path, q, body, l[3], NOW, RH_HTTPSIG_WINDOW, err,
                           sizeof err);
    if (rc != 0)
        fprintf(stderr, "own query refused: %s (%s)\n", q, err);
    FZ_CHECK(rc == 0);
    if (l[3] > 0) {
        body[0] ^= 1;
        rc = rh_httpsig_verify(KEY, SECRET, method, path, q, body, l[3], NOW, RH_HTTPSIG_WINDOW,
                               err, sizeof err);
        FZ_CHECK(rc == RH_HTTPSIG_ERR_BODY_MD5);
    }
    rc = rh_httpsig_verify(KEY, SECRET, method, path, q, body, l[3], NOW + 2 * RH_HTTPSIG_WINDOW,
                           RH_HTTPSIG_WINDOW, err, sizeof err);
    FZ_CHECK(rc != 0);
    free(q);
    free(block);
    return 0;
}
