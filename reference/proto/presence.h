/* rh_pres: presence channel_data ({"user_id": S|N, "user_info"?: V}). Pure.
 * user_id is kept as a string (a number is written in decimal), at most 128 bytes;
 * user_info as compact JSON text (NULL when absent), at most 1024 bytes.
 * Ownership: *out owns its strings; rh_pres_clear frees them. */
#ifndef RH_PRES_H
#define RH_PRES_H

#include <stddef.h>

#define RH_PRES_USER_ID_MAX   128
#define RH_PRES_USER_INFO_MAX 1024

typedef struct rh_pres_member {
    char *user_id;
    char *user_info; /* compact JSON, or NULL */
} rh_pres_member;

/* 0 or -1 with a message. */
int rh_pres_parse(const char *channel_data, size_t len, rh_pres_member *out, char *err,
                  size_t errlen);
void rh_pres_clear(rh_pres_member *m);

#endif
