/* rh_httpsig: Pusher HTTP API request signing and verification.
 *
 * String to sign: METHOD "\n" PATH "\n" QUERY, where QUERY is every parameter but
 * auth_signature, keys lower-cased, sorted by key (byte order), joined "k=v" with '&', values
 * not escaped. body_md5 = hex MD5 of the raw body, required whenever the body is non-empty.
 *
 * Pure; uses rh_form for parsing and rh_sign for digests. Output strings are heap-allocated
 * and owned by the caller (free()). */
#ifndef RH_HTTPSIG_H
#define RH_HTTPSIG_H

#include <stddef.h>

#include "sign.h"

#define RH_HTTPSIG_WINDOW 600 /* seconds either side of server time */

typedef enum {
    RH_HTTPSIG_OK = 0,
    RH_HTTPSIG_ERR_MALFORMED = -1, /* query does not parse */
    RH_HTTPSIG_ERR_MISSING =
        -2,                  /* auth_key, auth_timestamp, auth_version or auth_signature absent */
    RH_HTTPSIG_ERR_KEY = -3, /* auth_key is not this app's key */
    RH_HTTPSIG_ERR_VERSION = -4,   /* auth_version is not 1.0 */
    RH_HTTPSIG_ERR_TIMESTAMP = -5, /* outside the window */
    RH_HTTPSIG_ERR_BODY_MD5 = -6,  /* missing with a body, or not the body's MD5 */
    RH_HTTPSIG_ERR_SIGNATURE = -7, /* does not match */
    RH_HTTPSIG_ERR_NOMEM = -8,
} rh_httpsig_err;

/* The canonical QUERY part for raw_query (auth_signature excluded). Heap, or NULL on error
 * (*errcode set when non-NULL). */
char *rh_httpsig_canonical_query(const char *raw_query, int *errcode);

/* hex signature of METHOD\nPATH\nCANONICAL(raw_query). 0 or a negative rh_httpsig_err. */
int rh_httpsig_sign(const char *secret, const char *method, const char *path, const char *raw_query,
                    char out[RH_SIGN_HEX]);

/* Client side (suite, tests, bench): the full signed query string for a request, including
 * auth_key, auth_timestamp, auth_version=1.0, body_md5 (when body_len > 0), the extra
 * parameters (already "k=v&k2=v2", unescaped values allowed only from [A-Za-z0-9_.,-]) and
 * auth_signature. Heap, or NULL on allocation failure or when the extra parameters do not
 * parse as a query (a duplicate key, a bad escape: rh_form's rules). */
char *rh_httpsig_build_query(const char *key, const char *secret, const char *method,
                             const char *path, long timestamp, const char *body, size_t body_len,
                             const char *extra);

/* Server side. window_s 0 disables the timestamp check. 0 or a negative rh_httpsig_err with a
 * message naming what was wrong. */
int rh_httpsig_verify(const char *key, const char *secret, const char *method, const char *path,
                      const char *raw_query, const char *body, size_t body_len, long now,
                      long window_s, char *err, size_t errlen);
const char *rh_httpsig_strerror(int code);

#endif
