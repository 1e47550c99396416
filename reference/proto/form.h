/* rh_form: application/x-www-form-urlencoded and URL query strings ("a=1&b=x%20y").
 * Pure. Keys and values are percent-decoded ('+' is a space). A malformed escape or a
 * decoded NUL is an error, never silently dropped.
 *
 * Ownership: rh_form_parse allocates *out (one block per param); free with rh_form_free. */
#ifndef RH_FORM_H
#define RH_FORM_H

#include <stddef.h>

typedef struct rh_form_param {
    char *key;
    char *value;
} rh_form_param;

typedef struct rh_form {
    rh_form_param *params;
    size_t n;
} rh_form;

typedef enum {
    RH_FORM_OK = 0,
    RH_FORM_ERR_ESCAPE = -1, /* bad %XX */
    RH_FORM_ERR_NUL = -2,    /* %00 */
    RH_FORM_ERR_TOO_MANY = -3,
    RH_FORM_ERR_NOMEM = -4,
    RH_FORM_ERR_DUPLICATE = -5,
} rh_form_err;

#define RH_FORM_MAX_PARAMS 64

/* The value of one hex digit (either case), or -1: the one digit reader of every percent
 * and hex decoder of the project. */
int rh_form_hexval(char c);
/* Parses s[0..len). Duplicate keys are an error (a signed query must be unambiguous). */
int rh_form_parse(const char *s, size_t len, rh_form *out);
/* Value of key, or NULL. */
const char *rh_form_get(const rh_form *f, const char *key);
void rh_form_free(rh_form *f);
const char *rh_form_strerror(int code);

#endif
