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

/* The data of a presence channel's subscription_succeeded,
 * {"presence":{"ids":[...],"hash":{id:info,...},"count":N}}, built member by member, in the
 * order added. A repeated user_id is skipped (the first one's info stays); info is JSON text
 * of info_len bytes (not NUL-terminated), NULL, empty or not JSON: null. An out-of-memory
 * add marks the list failed. rh_pres_list_finish answers the text (cJSON_free) or NULL when
 * any step failed, and frees what the list held either way. */
typedef struct rh_pres_list {
    void *root, *ids, *hash; /* cJSON nodes */
    int failed;
} rh_pres_list;
void rh_pres_list_init(rh_pres_list *l);
void rh_pres_list_add(rh_pres_list *l, const char *user_id, size_t id_len, const char *info,
                      size_t info_len);
char *rh_pres_list_finish(rh_pres_list *l);

#endif
