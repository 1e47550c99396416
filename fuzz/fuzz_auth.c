/* Target auth: the bundled authorizer (POST /broadcasting/auth) through the whole server,
 * form and JSON bodies. Input: one byte picking the Content-Type (none, form, JSON, other),
 * then the body; the bearer is the demo user alice (workspace acme).
 * Oracles (besides fz_srv's on every answer): a 200 carries "app-key:<hex>" that verifies
 * for the socket_id and channel_name of the request, and channel_data that parses as
 * presence data exactly when the channel is a presence channel. */
#include <string.h>

#include "fuzz.h"
#include "fz_srv.h"
#include "proto/form.h"
#include "proto/json.h"
#include "proto/presence.h"
#include "proto/sign.h"

static const char *const ctypes[] = {NULL, "application/x-www-form-urlencoded", "application/json",
                                     "text/plain"};

/* protocol §8.1: oracle: a grant verifies for the socket and channel asked for */
static void check_grant(const char *body, size_t blen, const char *answer)
{
    int code;
    char err[128];
    char sid[64] = "", ch[256] = "";
    cJSON *req = rh_json_parse(body, blen, &code, err, sizeof err);
    if (req && cJSON_IsObject(req)) {
        snprintf(sid, sizeof sid, "%s", rh_json_str(req, "socket_id"));
        snprintf(ch, sizeof ch, "%s", rh_json_str(req, "channel_name"));
    } else {
        rh_form f;
        FZ_CHECK(rh_form_parse(body, blen, &f) == RH_FORM_OK);
        snprintf(sid, sizeof sid, "%s", rh_form_get(&f, "socket_id"));
        snprintf(ch, sizeof ch, "%s", rh_form_get(&f, "channel_name"));
        rh_form_free(&f);
    }
    cJSON_Delete(req);
    cJSON *a = rh_json_parse(answer, strlen(answer), &code, err, sizeof err);
    FZ_CHECK(a);
    const char *auth = rh_json_str(a, "auth");
    const char *cd = rh_json_str(a, "channel_data");
    FZ_CHECK(auth);
    int presence = strncmp(ch, "presence-", 9) == 0;
    FZ_CHECK(presence == (cd != NULL));
    if (cd) {
        rh_pres_member m;
        FZ_CHECK(rh_pres_parse(cd, strlen(cd), &m, err, sizeof err) == 0);
        rh_pres_clear(&m);
    }
    FZ_CHECK(rh_sign_verify_channel("app-key", "app-secret", sid, ch, cd, auth) == RH_SIGN_OK);
    cJSON_Delete(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz_srv *f = fz_srv_new();
    const char *body = (const char *)data + 1;
    size_t blen = size - 1;
    rh_http_req req = {.method = "POST",
                       .path = "/broadcasting/auth",
                       .query = "",
                       .body = body,
                       .body_len = blen,
                       .authorization = "Bearer alice-token",
                       .content_type = ctypes[data[0] & 3]};
    int st = fz_http(f, &req);
    FZ_CHECK(st == 200 || st == 400 || st == 403);
    if (st == 200)
        check_grant(body, blen, f->body);
    fz_srv_free(f);
    return 0;
}
