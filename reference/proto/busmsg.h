/* rh_busmsg: the internal message format of the cross-node bus (Redis pub/sub).
 *
 * A message is a sequence of fields, each "<decimal length>:<bytes>" with no separator, so
 * any bytes (tokens with newlines, frames) pass unescaped and a Lua script builds one with
 * string concatenation. The first field names the kind:
 *   evt  app_id, node_id, serial, then per delivery: channel, except_socket_id ("" none),
 *        Pusher frame. serial counts the events the node published: on that node, a
 *        connection that subscribed after the event was published does not get it
 *   tok  app_id, workspace_id, thread_id, run_id, stream_id, first_seq, token...
 *   end  app_id, workspace_id, thread_id, run_id, stream_id, last_seq, reason (rh_end_reason)
 *   mbr  app_id, workspace_id, user_id, "1" granted / "0" revoked (a membership change)
 *   bnd  app_id, socket_id, channel, user_id (the authorizer signed channel for that user)
 *   lst  app_id, node_id, socket_id, channel, list_id, (user_id, user_info)...: a presence
 *        subscription's member list over every node (proto/buslst.h)
 * tok, end and lst are written by the store's scripts; every node encodes their Pusher frames
 * itself. evt carries frames already encoded by the publishing node.
 *
 * Pure: no I/O. Ownership: a builder owns its heap buffer (rh_busmsg_free); split answers
 * fields pointing into the caller's message. */
#ifndef RH_BUSMSG_H
#define RH_BUSMSG_H

#include <stddef.h>

typedef struct rh_busmsg {
    char *p;
    size_t len, cap;
    int failed; /* out of memory at some add: the message is unusable */
} rh_busmsg;

typedef struct rh_busfield {
    const char *s;
    size_t len;
} rh_busfield;

void rh_busmsg_add(rh_busmsg *m, const char *s, size_t len);
void rh_busmsg_add_str(rh_busmsg *m, const char *s); /* NULL adds "" */
void rh_busmsg_free(rh_busmsg *m);
/* Splits msg into fields: the count (<= max; stops at max), or -1 for a malformed message. */
long rh_busmsg_split(const char *msg, size_t len, rh_busfield *out, size_t max);
/* Counts the fields of msg, or -1 when malformed. */
long rh_busmsg_count(const char *msg, size_t len);
/* 1 when field f equals the string s. */
int rh_busfield_is(const rh_busfield *f, const char *s);
/* Parses a decimal field into *out; 0 or -1. */
int rh_busfield_u64(const rh_busfield *f, unsigned long long *out);
/* The bus sequence head "<decimal seq>|" that the Redis store puts before every message
 * (docs/protocol.md 15.11): its length with *seq set, or 0 (seq untouched) when msg does not
 * start with one (no digits, more than 20 of them, a number over 2^64-1, or no '|'). */
size_t rh_busmsg_seq_head(const char *msg, size_t len, unsigned long long *seq);

#endif
