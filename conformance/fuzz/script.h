/* nf_script: the fuzzer's unit of work, a list of wire steps over up to NF_MAX_CONN WebSocket
 * connections and fresh HTTP connections, and the finding file that stores one
 * (DIR/finding-N.json, read back by `rehome-conform replay`).
 *
 * A step keeps what must be computed at send time apart from its bytes: "@AUTH@" in a
 * WebSocket text is replaced by the signature of sign_chan (and sign_data) for the live
 * socket id, and a signed HTTP step gets a fresh auth_timestamp, so a stored script still
 * replays days later. Everything else is sent as stored, byte for byte.
 *
 * Ownership: an nf_script owns its steps and every string in them (nf_script_free); the
 * reader returns a fresh script the caller frees. Pure: no I/O. */
#ifndef NF_SCRIPT_H
#define NF_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define NF_MAX_CONN  3
#define NF_MAX_STEPS 32

typedef enum {
    NF_WS_OPEN = 0,  /* open connection conn (sending on a closed one opens it too) */
    NF_WS_TEXT = 1,  /* one masked text frame holding text */
    NF_WS_FRAME = 2, /* one crafted frame: every header field as stored, payload text */
    NF_HTTP = 3,     /* one request (or a pipelined pair) on a fresh connection */
} nf_kind;

typedef enum {
    NF_BODY_LENGTH = 0,  /* Content-Length */
    NF_BODY_CHUNKED = 1, /* Transfer-Encoding: chunked */
    NF_BODY_BOTH = 2,    /* Content-Length and Transfer-Encoding, body chunked */
    NF_BODY_NONE = 3,    /* neither header, body sent anyway */
    NF_BODY_WRONG = 4,   /* Content-Length one more than the body */
} nf_framing;

typedef enum {
    NF_SIG_OK = 0,
    NF_SIG_DROP = 1,      /* no auth_signature */
    NF_SIG_CORRUPT = 2,   /* one hex digit changed */
    NF_SIG_BAD_MD5 = 3,   /* body_md5 of another body */
    NF_SIG_OLD = 4,       /* auth_timestamp an hour old (signed) */
    NF_SIG_DUP_PARAM = 5, /* auth_key twice */
} nf_sigmut;

typedef struct nf_step {
    int kind;   /* nf_kind */
    int conn;   /* WebSocket steps: 0..NF_MAX_CONN-1 */
    char *text; /* WS payload or HTTP body; may hold NUL bytes */
    size_t len;
    char *sign_chan; /* WS_TEXT/WS_FRAME: "@AUTH@" is signed for this channel; NULL none */
    char *sign_data; /* channel_data covered by that signature; NULL none */
    /* NF_WS_FRAME */
    int fin, rsv, opcode, masked, len_form;
    uint64_t claim_len; /* the length field; 0: the payload's length */
    uint8_t mask[4];
    /* NF_HTTP */
    char *method, *path, *query, *headers; /* query: extra "k=v&..." signed along; headers raw */
    int sign;                              /* 1: signed Pusher API request */
    int framing;                           /* nf_framing */
    int sigmut;                            /* nf_sigmut */
    int pipe; /* 1: a signed GET of the channel list precedes it in the same write */
} nf_step;

typedef struct nf_script {
    nf_step steps[NF_MAX_STEPS];
    size_t n;
} nf_script;

void nf_step_free(nf_step *s);
/* Deep copy: 0, or -1 when out of memory (dst is then empty). */
int nf_step_copy(nf_step *dst, const nf_step *src);
void nf_script_free(nf_script *sc);
int nf_script_copy(nf_script *dst, const nf_script *src);
/* Appends a copy of st: 0, or -1 when full or out of memory. */
int nf_script_push(nf_script *sc, const nf_step *st);
/* Keeps only the steps whose indices are in idx[0..n) (ascending): a fresh copy in out. */
int nf_script_subset(const nf_script *sc, const size_t *idx, size_t n, nf_script *out);
/* Replaces s->text by a copy of p[0..len): 0 or -1. */
int nf_step_set_text(nf_step *s, const char *p, size_t len);
const char *nf_kind_name(int kind);

/* What the finding file says besides the script. */
typedef struct nf_finding {
    char oracle[32];  /* "crash", "hang", "slow", "leak", "malformed" */
    char detail[512]; /* what the oracle saw */
    char seen[2048];  /* the answers of the last steps, one per line */
    unsigned long long seed, exec;
    int repeat; /* leak: replay the steps this many times */
    size_t original_steps;
} nf_finding;

/* The finding file text (heap, NUL-terminated, the caller's), or NULL when out of memory.
 * sent[i] (may be NULL) is a description of what step i put on the wire. */
char *nf_finding_write(const nf_finding *f, const nf_script *sc, char *const *sent);
/* Reads a finding file: 0, or -1 with a reason in err (not JSON, wrong format, a step of
 * an unknown kind, a field of the wrong type, too many steps). */
int nf_finding_read(const char *text, size_t len, nf_finding *f, nf_script *sc, char *err,
                    size_t errlen);

#endif
