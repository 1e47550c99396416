/* Target json: the strict JSON layer. Oracle: an accepted document prints (cJSON) to text
 * that is accepted again and prints identically, and no string in it holds a NUL. */
#include <string.h>

#include "fuzz.h"
#include "proto/json.h"
#include "proto/utf8.h"

static void walk(const cJSON *n, int depth)
{
    FZ_CHECK(depth <= RH_JSON_MAX_DEPTH + 1);
    for (; n; n = n->next) {
        if (cJSON_IsString(n))
            FZ_CHECK(rh_utf8_valid(n->valuestring, strlen(n->valuestring)));
        if (n->string)
            FZ_CHECK(rh_utf8_valid(n->string, strlen(n->string)));
        walk(n->child, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int code = 0;
    char err[128] = "";
    cJSON *j = rh_json_parse((const char *)data, size, &code, err, sizeof err);
    if (!j) {
        FZ_CHECK(code < 0 && rh_json_strerror(code));
        return 0;
    }
    walk(j, 0);
    char *p1 = cJSON_PrintUnformatted(j);
    FZ_CHECK(p1);
    cJSON *j2 = rh_json_parse(p1, strlen(p1), &code, err, sizeof err);
    if (!j2)
        fprintf(stderr, "printed form refused (%s): %s\n", err, p1);
    FZ_CHECK(j2);
    char *p2 = cJSON_PrintUnformatted(j2);
    FZ_CHECK(p2 && strcmp(p1, p2) == 0);
    cJSON_free(p1);
    cJSON_free(p2);
    cJSON_Delete(j2);
    cJSON_Delete(j);
    return 0;
}
