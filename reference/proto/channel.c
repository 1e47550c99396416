/* rh_chan: channel-name rules. Owned by the proto module. */
#include "channel.h"

#include <stdio.h>
#include <string.h>

#define STREAM_PREFIX "private-workspace."
#define STREAM_MID    ".thread."

static int chan_byte_ok(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '=' || c == '@' || c == ',' || c == '.' || c == ';';
}

static void put_err(char *err, size_t errlen, const char *m)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", m);
}

/* protocol §3.1: channel names: allowed characters, at most 164 bytes */
int rh_chan_validate(const char *name, size_t len, char *err, size_t errlen)
{
    if (!name || len == 0) {
        put_err(err, errlen, "channel name is empty");
        return RH_CHAN_ERR_EMPTY;
    }
    if (len > RH_CHAN_MAX_LEN) {
        if (err && errlen)
            snprintf(err, errlen, "channel name is %zu bytes (at most %d)", len, RH_CHAN_MAX_LEN);
        return RH_CHAN_ERR_TOO_LONG;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!chan_byte_ok(c)) {
            if (err && errlen) {
                if (c > 0x20 && c < 0x7f)
                    snprintf(
                        err, errlen,
                        "channel name has '%c' at byte %zu (allowed: A-Z a-z 0-9 _ - = @ , . ;)", c,
                        i);
                else
                    snprintf(err, errlen,
                             "channel name has byte 0x%02x at byte %zu (allowed: A-Z a-z 0-9 _ - = "
                             "@ , . ;)",
                             c, i);
            }
            return RH_CHAN_ERR_CHARS;
        }
    }
    return RH_CHAN_OK;
}

static int has_prefix(const char *name, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(name, p, n) == 0;
}

/* protocol §3.2: the channel type is given by its prefix */
rh_chan_type rh_chan_type_of(const char *name, size_t len)
{
    if (!name)
        return RH_CHAN_PUBLIC;
    if (has_prefix(name, len, "private-encrypted-"))
        return RH_CHAN_PRIVATE_ENCRYPTED;
    if (has_prefix(name, len, "private-"))
        return RH_CHAN_PRIVATE;
    if (has_prefix(name, len, "presence-"))
        return RH_CHAN_PRESENCE;
    return RH_CHAN_PUBLIC;
}

int rh_chan_needs_auth(rh_chan_type t)
{
    return t == RH_CHAN_PRIVATE || t == RH_CHAN_PRIVATE_ENCRYPTED || t == RH_CHAN_PRESENCE;
}

int rh_chan_is_cache(const char *name, size_t len)
{
    static const char *const prefixes[] = {"cache-", "private-cache-", "presence-cache-",
                                           "private-encrypted-cache-"};
    for (size_t i = 0; name && i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (has_prefix(name, len, prefixes[i]))
            return 1;
    return 0;
}

int rh_chan_valid_id(const char *id, size_t len)
{
    if (!id || len == 0 || len > RH_CHAN_ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* protocol §7: private-workspace.{workspace_id}.thread.{thread_id} */
int rh_chan_parse_stream(const char *name, size_t len, rh_chan_stream *out, char *err,
                         size_t errlen)
{
    const size_t lp = strlen(STREAM_PREFIX), lm = strlen(STREAM_MID);
    if (!has_prefix(name, len, STREAM_PREFIX)) {
        put_err(err, errlen, "not a stream channel (expected private-workspace.W.thread.T)");
        return RH_CHAN_ERR_NOT_STREAM;
    }
    const char *w = name + lp;
    size_t rest = len - lp;
    /* Ids cannot contain '.', so the first ".thread." after the prefix ends the workspace. */
    const char *mid = NULL;
    for (size_t i = 0; i + lm <= rest; i++)
        if (memcmp(w + i, STREAM_MID, lm) == 0) {
            mid = w + i;
            break;
        }
    if (!mid) {
        put_err(err, errlen, "not a stream channel (expected private-workspace.W.thread.T)");
        return RH_CHAN_ERR_NOT_STREAM;
    }
    size_t lw = (size_t)(mid - w);
    const char *t = mid + lm;
    size_t lt = (size_t)(name + len - t);
    if (!rh_chan_valid_id(w, lw)) {
        put_err(err, errlen, "workspace id must match [A-Za-z0-9_-]{1,64}");
        return RH_CHAN_ERR_ID;
    }
    if (!rh_chan_valid_id(t, lt)) {
        put_err(err, errlen, "thread id must match [A-Za-z0-9_-]{1,64}");
        return RH_CHAN_ERR_ID;
    }
    if (out) {
        memcpy(out->workspace, w, lw);
        out->workspace[lw] = '\0';
        memcpy(out->thread, t, lt);
        out->thread[lt] = '\0';
    }
    return RH_CHAN_OK;
}

int rh_chan_format_stream(char *out, size_t outlen, const char *workspace, const char *thread)
{
    if (!workspace || !thread || !rh_chan_valid_id(workspace, strlen(workspace)) ||
        !rh_chan_valid_id(thread, strlen(thread)))
        return RH_CHAN_ERR_ID;
    int n = snprintf(out, outlen, STREAM_PREFIX "%s" STREAM_MID "%s", workspace, thread);
    if (n < 0 || (size_t)n >= outlen)
        return RH_CHAN_ERR_TOO_LONG;
    return n;
}

const char *rh_chan_strerror(int code)
{
    switch (code) {
    case RH_CHAN_OK:
        return "ok";
    case RH_CHAN_ERR_EMPTY:
        return "channel name is empty";
    case RH_CHAN_ERR_TOO_LONG:
        return "channel name is too long";
    case RH_CHAN_ERR_CHARS:
        return "channel name has a character outside [A-Za-z0-9_-=@,.;]";
    case RH_CHAN_ERR_NOT_STREAM:
        return "not a stream channel";
    case RH_CHAN_ERR_ID:
        return "invalid workspace or thread id";
    default:
        return "unknown channel error";
    }
}
