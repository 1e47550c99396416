/* Target profile: the suite's --server-profile parser (conformance/runner/profile.c). Input:
 * the bytes of a profile document. Oracles: the answer is 0 or -1; -1 always carries a message
 * and leaves nothing filled in; 0 leaves only known capability states, numbers in 1..1e9 (or
 * 0: not declared) and NUL-terminated strings, and parsing the same bytes again gives the
 * same profile. */
#include <string.h>

#include "conformance/runner/runner.h"
#include "fuzz.h"

static void check_str(const char *s, size_t cap)
{
    FZ_CHECK(memchr(s, '\0', cap) != NULL);
}

static void check_num(long v)
{
    FZ_CHECK(v >= 0 && v <= 1000000000L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: the parser must not rely on a NUL after the bytes. */
    char *in = malloc(size ? size : 1);
    FZ_CHECK(in);
    memcpy(in, data, size);
    static rc_profile p, q;
    char err[256] = "";
    int rc = rc_profile_parse(in, size, &p, err, sizeof err);
    FZ_CHECK(rc == 0 || rc == -1);
    if (rc == -1) {
        FZ_CHECK(err[0] != '\0');
        FZ_CHECK(!p.limits.known && !p.have_member && !p.have_other);
        for (int c = 0; c < RC__CAPS; c++)
            FZ_CHECK(p.server.caps[c] == RC_CAP_UNKNOWN);
    } else {
        for (int c = 0; c < RC__CAPS; c++)
            FZ_CHECK(p.server.caps[c] >= RC_CAP_UNKNOWN && p.server.caps[c] <= RC_CAP_NO);
        check_num(p.server.max_token_bytes);
        check_num(p.server.max_event_bytes);
        check_num(p.server.ended_ttl_s);
        check_num(p.limits.max_connections);
        check_num(p.limits.max_subscriptions);
        check_num(p.limits.http_requests_per_sec);
        check_str(p.limits.app_id, sizeof p.limits.app_id);
        check_str(p.limits.allowed_origin, sizeof p.limits.allowed_origin);
        check_str(p.member_token, sizeof p.member_token);
        check_str(p.other_ws, sizeof p.other_ws);
        FZ_CHECK(!p.limits.known || (p.limits.app_id[0] && p.limits.key[0] && p.limits.secret[0]));
        FZ_CHECK(!p.have_member || (p.member_token[0] && p.member_ws[0]));
        FZ_CHECK(rc_profile_parse(in, size, &q, err, sizeof err) == 0);
        FZ_CHECK(memcmp(&p, &q, sizeof p) == 0);
    }
    free(in);
    return 0;
}
