/* rh_buslst: the "lst" bus message (busmsg.h), a presence subscription's member list over
 * every live node, computed by the store's join script in the same step as the join and
 * published on the bus, so it takes its place in the bus's one order (docs/protocol.md 15.4):
 *   lst  app_id, node_id, socket_id, channel, list_id, answer ("1" admitted, "0" refused:
 *        the channel is full over the live nodes, max_presence_members), then, admitted, per
 *        member: user_id, user_info (JSON text; "" for none), in the order of the members'
 *        first joins.
 * It is addressed to one subscription: node_id's connection socket_id, its subscription to
 * channel numbered list_id (a node-wide counter, so an answer to an earlier subscription of
 * the same socket and channel is not taken for a later one's). A node also publishes one
 * itself, admitted and with no member, as the access barrier of a private subscription to a
 * workspace channel (docs/protocol.md 19.2).
 *
 * Pure: no I/O. Ownership: a parsed rh_buslst points into the caller's fields; the JSON
 * answer is heap (cJSON_free). */
#ifndef RH_BUSLST_H
#define RH_BUSLST_H

#include <stddef.h>

#include "busmsg.h"

typedef struct rh_buslst {
    rh_busfield app, node, socket, channel;
    unsigned long long id;
    int refused;                /* the store refused the join: the channel is full */
    const rh_busfield *members; /* 2 * n fields: user_id, user_info */
    size_t n;
} rh_buslst;

/* The message's head, up to and including list_id (the script appends the answer and the
 * members). */
void rh_buslst_head(rh_busmsg *m, const char *app_id, const char *node_id, const char *socket_id,
                    const char *channel, unsigned long long list_id);
/* f, n: a message's fields (rh_busmsg_split). 0 filled, or -1: not "lst", a field missing or
 * odd, list_id not a number, an answer other than "1" or "0", members after a refusal, an
 * empty user_id or one holding a NUL byte. */
int rh_buslst_parse(const rh_busfield *f, long n, rh_buslst *out);
/* subscription_succeeded's data for the list: {"presence":{"ids":[...],"hash":{...},
 * "count":N}}, ids in the list's order. A user_id listed twice counts once (its first
 * entry); a user_info that is not JSON is given as null. Heap, or NULL out of memory. */
char *rh_buslst_presence_json(const rh_buslst *l);

#endif
