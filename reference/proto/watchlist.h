/* rh_watch: a signed-in user's watchlist (docs/protocol.md 18.5). Pure.
 * rh_watch_parse reads user_data's optional "watchlist" (an array of user-id strings, each
 * 1 to 128 bytes, at most RH_WATCH_MAX of them; duplicates are kept once).
 * rh_watch_event writes the data of pusher_internal:watchlist_events.
 * Ownership: rh_watch owns its ids; rh_watch_clear frees them. rh_watch_event returns a heap
 * string the caller frees. */
#ifndef RH_WATCH_H
#define RH_WATCH_H

#include <stddef.h>

#define RH_WATCH_MAX 100

typedef struct rh_watch {
    char **ids;
    size_t n;
} rh_watch;

enum { RH_WATCH_OK = 0, RH_WATCH_BAD = -1, RH_WATCH_TOO_MANY = -2 };

/* RH_WATCH_OK (no watchlist: n == 0), or RH_WATCH_BAD / RH_WATCH_TOO_MANY with a message
 * (*out then empty). user_data must be a JSON object (rh_msg_user_id checks that first). */
int rh_watch_parse(const char *user_data, size_t len, rh_watch *out, char *err, size_t errlen);
void rh_watch_clear(rh_watch *w);
/* 1 when id is in w. */
int rh_watch_has(const rh_watch *w, const char *id);
/* {"events":[{"name":NAME,"user_ids":[...ids]}]} (NULL out of memory). */
char *rh_watch_event(const char *name, const char *const *ids, size_t n);

#endif
