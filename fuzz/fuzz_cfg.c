/* Target cfg: the config file through rh_cfg_parse. Oracles: a refusal names what was wrong,
 * an accepted config has its apps findable by key and id, and clearing twice is safe. */
#include <string.h>

#include "config/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rh_cfg c;
    char err[256] = "";
    if (rh_cfg_parse((const char *)data, size, &c, err, sizeof err) != 0) {
        FZ_CHECK(err[0]);
        rh_cfg_clear(&c);
        return 0;
    }
    FZ_CHECK(c.host && c.log_level);
    for (size_t i = 0; i < c.napps; i++) {
        FZ_CHECK(c.apps[i].id && c.apps[i].key && c.apps[i].secret);
        FZ_CHECK(rh_cfg_app_by_key(&c, c.apps[i].key) != NULL);
        FZ_CHECK(rh_cfg_app_by_id(&c, c.apps[i].id) != NULL);
    }
    for (size_t i = 0; i < c.nusers; i++) {
        const rh_cfg_user *u = &c.users[i];
        FZ_CHECK(u->token && u->user_id);
        FZ_CHECK(rh_cfg_user_by_token(&c, u->token) != NULL);
        for (size_t w = 0; w < u->nworkspaces; w++)
            FZ_CHECK(rh_cfg_user_in_workspace(u, u->workspaces[w]));
    }
    rh_cfg_clear(&c);
    rh_cfg_clear(&c);
    return 0;
}
