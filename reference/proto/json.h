/* rh_json: strict JSON parsing on top of cJSON.
 *
 * cJSON accepts duplicate keys (lookups see the first) and cuts strings at an escaped \u0000;
 * both would let two parties read one message differently. rh_json_parse rejects them, and
 * rejects invalid UTF-8 and trailing garbage. Pure.
 *
 * Ownership: the returned cJSON tree is the caller's (cJSON_Delete). */
#ifndef RH_JSON_H
#define RH_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

typedef enum {
    RH_JSON_OK = 0,
    RH_JSON_ERR_SYNTAX = -1,
    RH_JSON_ERR_UTF8 = -2,
    RH_JSON_ERR_DUPLICATE = -3,
    RH_JSON_ERR_NUL = -4,
    RH_JSON_ERR_DEPTH = -5,
    RH_JSON_ERR_NOMEM = -6,
} rh_json_err;

#define RH_JSON_MAX_DEPTH 32

/* Parses buf[0..len) (need not be NUL-terminated). Returns the tree or NULL with *errcode and
 * a message in err. */
cJSON *rh_json_parse(const char *buf, size_t len, int *errcode, char *err, size_t errlen);
/* String member or NULL when absent or not a string. */
const char *rh_json_str(const cJSON *obj, const char *key);
const char *rh_json_strerror(int code);

#endif
