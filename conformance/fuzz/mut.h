/* nf_mut: the mutators. Each changes one layer of one step and leaves the others valid, so a
 * server's answer says something about that layer alone:
 *   framing  the WebSocket frame (opcode, RSV bits, FIN, masking, the length field and its
 *            form up to 2^64-1, control frames over 125 bytes)
 *   json     the JSON text (a value's type, nesting depth, duplicate keys, huge numbers,
 *            escapes, invalid UTF-8, truncation)
 *   pusher   the protocol's meaning (event names, channel names and prefixes, auth strings,
 *            channel_data, data as a string or an object, batch items), re-signed where the
 *            signature covers what changed
 *   http     the request (method, path, headers, Content-Length vs Transfer-Encoding,
 *            chunked, pipelining, query and signature fields)
 *
 * Ownership: the step is changed in place (its strings replaced, old ones freed). Pure: no
 * I/O; the rng alone decides. */
#ifndef NF_MUT_H
#define NF_MUT_H

#include "model.h"
#include "script.h"

typedef enum { NF_L_FRAMING = 0, NF_L_JSON = 1, NF_L_PUSHER = 2, NF_L_HTTP = 3, NF_L__N } nf_layer;

const char *nf_layer_name(int layer);

/* JSON text mutation of p[0..len): a new heap text (NUL-terminated, length in *outlen), or
 * NULL when out of memory. */
char *nf_mut_json_text(nf_rng *r, const char *p, size_t len, size_t *outlen);

int nf_mut_framing(nf_rng *r, nf_step *st);
int nf_mut_json(nf_rng *r, nf_step *st);
int nf_mut_pusher(nf_rng *r, nf_step *st);
int nf_mut_http(nf_rng *r, nf_step *st);

/* Picks a step other than an open and a layer that applies to it, and applies 1..3
 * mutations of that layer. 0, 1 when the script has nothing to mutate, -1 out of memory.
 * *layer (may be NULL) gets the layer used. */
int nf_mutate(nf_rng *r, nf_script *sc, int *layer);

#endif
