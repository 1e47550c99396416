/* Target replay: the query of the signed replay endpoint (rh_replay) and of the browser
 * replay proxy (rh_api_breplay_parse). Oracles: an accepted query has limit in 1..1000 and
 * after_seq that prints back to a query parsing to the same values; a refused one has a
 * message; the proxy never accepts what the signed parser refuses for after_seq. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "fuzz.h"
#include "proto/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = malloc(size + 1);
    FZ_CHECK(q);
    memcpy(q, data, size);
    q[size] = '\0';
    rh_replay_query r;
    char err[200] = "";
    int rc = rh_replay_parse_query(q, size, &r, err, sizeof err);
    FZ_CHECK(rh_replay_strerror(rc));
    if (rc == RH_REPLAY_OK) {
        FZ_CHECK(r.limit >= 1 && r.limit <= RH_REPLAY_MAX_LIMIT);
        char back[96];
        int n =
            snprintf(back, sizeof back, "after_seq=%" PRIu64 "&limit=%zu", r.after_seq, r.limit);
        rh_replay_query r2;
        FZ_CHECK(rh_replay_parse_query(back, (size_t)n, &r2, err, sizeof err) == RH_REPLAY_OK);
        FZ_CHECK(r2.after_seq == r.after_seq && r2.limit == r.limit);
    } else {
        FZ_CHECK(err[0] != '\0');
    }
    if (memchr(data, '\0', size) == NULL) { /* the proxy reads a C string */
        rh_api_breplay_q b;
        char berr[200] = "";
        int st = rh_api_breplay_parse(q, &b, berr, sizeof berr);
        if (st == 0) {
            FZ_CHECK(b.limit >= 1 && b.limit <= RH_REPLAY_MAX_LIMIT);
            /* the proxy reads after_seq and limit exactly as the signed endpoint does */
            FZ_CHECK(rc == RH_REPLAY_OK && b.after_seq == r.after_seq && b.limit == r.limit);
        } else {
            FZ_CHECK(st == 400 || st == 403);
            FZ_CHECK(berr[0] != '\0');
        }
    }
    free(q);
    return 0;
}
