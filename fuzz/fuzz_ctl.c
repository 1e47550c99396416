/* Target ctl: control API bodies (start, tokens, end), each parser on the same input.
 * Oracles: accepted ids obey the id rule, tokens stay within the count and byte limits and
 * are NUL-free UTF-8, end reasons name themselves back. */
#include <string.h>

#include "fuzz.h"
#include "proto/channel.h"
#include "proto/control.h"
#include "proto/utf8.h"

#define MAX_BYTES 512 /* small, so the 413 path is reached often */

static void check_id(const char *id)
{
    FZ_CHECK(rh_chan_valid_id(id, strlen(id)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    char err[256];

    rh_ctl_start s;
    memset(&s, 0, sizeof s);
    if (rh_ctl_parse_start(body, size, &s, err, sizeof err) == 0) {
        check_id(s.workspace_id);
        check_id(s.thread_id);
        check_id(s.run_id);
        check_id(s.stream_id);
    }

    rh_ctl_tokens t;
    memset(&t, 0, sizeof t);
    int rc = rh_ctl_parse_tokens(body, size, MAX_BYTES, &t, err, sizeof err);
    FZ_CHECK(rh_ctl_strerror(rc));
    if (rc == 0) {
        FZ_CHECK(t.n >= 1 && t.n <= RH_CTL_MAX_TOKENS);
        size_t sum = 0;
        for (size_t i = 0; i < t.n; i++) {
            FZ_CHECK(strlen(t.tokens[i]) == t.lens[i]);
            FZ_CHECK(rh_utf8_valid(t.tokens[i], t.lens[i]));
            sum += t.lens[i];
        }
        FZ_CHECK(sum == t.total && sum <= MAX_BYTES);
    } else {
        FZ_CHECK(t.n == 0 && !t.tokens);
    }
    rh_ctl_tokens_clear(&t);
    rh_ctl_tokens_clear(&t);

    rh_end_reason r;
    if (rh_ctl_parse_end(body, size, &r, err, sizeof err) == 0) {
        const char *name = rh_ctl_reason_name(r);
        rh_end_reason back;
        FZ_CHECK(name && rh_ctl_reason_parse(name, &back) == 0 && back == r);
    }

    char user[RH_CTL_USER_MAX + 1];
    int member = -1;
    if (rh_ctl_parse_member(body, size, user, &member, err, sizeof err) == 0)
        FZ_CHECK((member == 0 || member == 1) && user[0] && strlen(user) <= RH_CTL_USER_MAX &&
                 !strpbrk(user, " \n\r\t"));
    return 0;
}
