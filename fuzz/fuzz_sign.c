/* Target sign: channel auth verification and presence channel_data.
 * Input: socket_id \n channel \n channel_data \n auth (channel_data "" means absent).
 * Oracles: a signature we make verifies; the fuzzed auth verifies only when it is that
 * signature; one changed hex digit never verifies; parsed presence data stays in its limits. */
#include <string.h>

#include "fuzz.h"
#include "proto/json.h"
#include "proto/presence.h"
#include "proto/sign.h"

#define KEY    "app-key"
#define SECRET "app-secret"

static void presence(const char *cd, size_t len)
{
    rh_pres_member m = {0};
    char err[128] = "";
    if (rh_pres_parse(cd, len, &m, err, sizeof err) != 0) {
        FZ_CHECK(err[0] && !m.user_id && !m.user_info);
        return;
    }
    FZ_CHECK(m.user_id && strlen(m.user_id) <= RH_PRES_USER_ID_MAX);
    if (m.user_info) {
        size_t n = strlen(m.user_info);
        FZ_CHECK(n <= RH_PRES_USER_INFO_MAX);
        int code;
        cJSON *j = rh_json_parse(m.user_info, n, &code, err, sizeof err);
        FZ_CHECK(j);
        cJSON_Delete(j);
    }
    rh_pres_clear(&m);
    rh_pres_clear(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[4];
    size_t l[4];
    char *block = fz_split(data, size, 4, f, l);
    if (!block)
        return 0;
    const char *cd = l[2] ? f[2] : NULL;
    if (cd)
        presence(f[2], l[2]);
    (void)rh_sign_valid_socket_id(f[0]);

    char good[sizeof KEY + RH_SIGN_HEX + 1];
    FZ_CHECK(rh_sign_channel(KEY, SECRET, f[0], f[1], cd, good, sizeof good) == RH_SIGN_OK);
    FZ_CHECK(rh_sign_verify_channel(KEY, SECRET, f[0], f[1], cd, good) == RH_SIGN_OK);
    char bad[sizeof good];
    memcpy(bad, good, sizeof good);
    char *d = bad + sizeof KEY + (l[3] % 64);
    *d = *d == '0' ? '1' : '0';
    FZ_CHECK(rh_sign_verify_channel(KEY, SECRET, f[0], f[1], cd, bad) == RH_SIGN_ERR_MISMATCH);

    int rc = rh_sign_verify_channel(KEY, SECRET, f[0], f[1], cd, f[3]);
    FZ_CHECK(rc <= 0 && rh_sign_strerror(rc));
    if (rc == RH_SIGN_OK)
        FZ_CHECK(strcmp(f[3], good) == 0);
    FZ_CHECK(rh_sign_channel(KEY, SECRET, f[0], f[1], cd, good, 10) == RH_SIGN_ERR_SPACE);
    free(block);
    return 0;
}
