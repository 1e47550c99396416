/* Target form: form bodies and query strings. Oracles: at most RH_FORM_MAX_PARAMS, keys
 * unique and each found again by rh_form_get, and re-encoding the decoded pairs parses back
 * to the same pairs. */
#include <string.h>

#include "fuzz.h"
#include "proto/form.h"

static size_t escape(char *out, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        out[o++] = '%';
        out[o++] = hx[c >> 4];
        out[o++] = hx[c & 15];
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rh_form f;
    int rc = rh_form_parse((const char *)data, size, &f);
    FZ_CHECK(rh_form_strerror(rc));
    if (rc != RH_FORM_OK)
        return 0;
    FZ_CHECK(f.n <= RH_FORM_MAX_PARAMS);
    size_t need = 1;
    for (size_t i = 0; i < f.n; i++) {
        FZ_CHECK(rh_form_get(&f, f.params[i].key) == f.params[i].value);
        need += 3 * (strlen(f.params[i].key) + strlen(f.params[i].value)) + 2;
    }
    char *enc = malloc(need);
    FZ_CHECK(enc);
    size_t o = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (i)
            enc[o++] = '&';
        o += escape(enc + o, f.params[i].key);
        enc[o++] = '=';
        o += escape(enc + o, f.params[i].value);
    }
    enc[o] = '\0';
    rh_form g;
    FZ_CHECK(rh_form_parse(enc, o, &g) == RH_FORM_OK);
    FZ_CHECK(g.n == f.n);
    for (size_t i = 0; i < f.n; i++) {
        FZ_CHECK(strcmp(g.params[i].key, f.params[i].key) == 0);
        FZ_CHECK(strcmp(g.params[i].value, f.params[i].value) == 0);
    }
    rh_form_free(&g);
    free(enc);
    rh_form_free(&f);
    return 0;
}
