/* rh_replay: the replay endpoint's query. Numbers are plain ASCII digits: a sign, spaces, a
 * fraction or an exponent would let two spellings name the same request, and a client that
 * sends them has a bug worth a 400. */
#include "replay.h"

#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "form.h"

static void put_err(char *err, size_t errlen, const char *m)
{
    if (errlen)
        snprintf(err, errlen, "%s", m);
}

int rh_replay_parse_query(const char *query, size_t len, rh_replay_query *out, char *err,
                          size_t errlen)
{
    rh_form f;
    put_err(err, errlen, "");
    out->after_seq = 0;
    out->limit = RH_REPLAY_MAX_LIMIT;
    int rc = rh_form_parse(query ? query : "", query ? len : 0, &f);
    if (rc == RH_FORM_ERR_NOMEM) {
        put_err(err, errlen, "out of memory");
        return RH_REPLAY_ERR_NOMEM;
    }
    if (rc != RH_FORM_OK) {
        if (errlen)
            snprintf(err, errlen, "malformed query string: %s", rh_form_strerror(rc));
        return RH_REPLAY_ERR_QUERY;
    }
    int res = RH_REPLAY_OK;
    const char *after = rh_form_get(&f, "after_seq");
    const char *limit = rh_form_get(&f, "limit");
    uint64_t lim = 0;
    if (!after) {
        put_err(err, errlen, "after_seq is required (0 for every kept token)");
        res = RH_REPLAY_ERR_AFTER_SEQ;
    } else if (rh_dec_u64(after, strlen(after), &out->after_seq) != 0) {
        put_err(err, errlen, "after_seq must be a decimal integer >= 0");
        res = RH_REPLAY_ERR_AFTER_SEQ;
    } else if (limit && (rh_dec_u64(limit, strlen(limit), &lim) != 0 || lim < 1 ||
                         lim > RH_REPLAY_MAX_LIMIT)) {
        put_err(err, errlen, "limit must be an integer from 1 to 1000");
        res = RH_REPLAY_ERR_LIMIT;
    } else if (limit) {
        out->limit = (size_t)lim;
    }
    rh_form_free(&f);
    return res;
}

const char *rh_replay_strerror(int code)
{
    switch (code) {
    case RH_REPLAY_OK:
        return "ok";
    case RH_REPLAY_ERR_QUERY:
        return "malformed query string";
    case RH_REPLAY_ERR_AFTER_SEQ:
        return "bad after_seq";
    case RH_REPLAY_ERR_LIMIT:
        return "bad limit";
    case RH_REPLAY_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}
