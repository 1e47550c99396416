/* Target nfscript: the finding file reader of rehome-conform replay (conformance/fuzz), fed
 * any text. Oracles: a file it accepts has at most NF_MAX_STEPS steps of known kinds, every
 * text holds its stated length, and writing it back and reading that again gives the same
 * steps. */
#include <string.h>

#include "conformance/fuzz/script.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nf_finding f;
    nf_script sc;
    char err[256];
    if (nf_finding_read((const char *)data, size, &f, &sc, err, sizeof err) < 0) {
        FZ_CHECK(memchr(err, '\0', sizeof err) != NULL && err[0]);
        return 0;
    }
    FZ_CHECK(sc.n <= NF_MAX_STEPS);
    for (size_t i = 0; i < sc.n; i++) {
        FZ_CHECK(sc.steps[i].kind >= NF_WS_OPEN && sc.steps[i].kind <= NF_HTTP);
        FZ_CHECK(sc.steps[i].conn >= 0 && sc.steps[i].conn < NF_MAX_CONN);
        FZ_CHECK(!sc.steps[i].text || sc.steps[i].text[sc.steps[i].len] == '\0');
    }
    char *text = nf_finding_write(&f, &sc, NULL);
    FZ_CHECK(text);
    nf_finding g;
    nf_script back;
    FZ_CHECK(nf_finding_read(text, strlen(text), &g, &back, err, sizeof err) == 0);
    FZ_CHECK(back.n == sc.n);
    for (size_t i = 0; i < sc.n; i++) {
        FZ_CHECK(back.steps[i].kind == sc.steps[i].kind);
        FZ_CHECK(back.steps[i].len == sc.steps[i].len);
        FZ_CHECK(!sc.steps[i].text ||
                 memcmp(back.steps[i].text, sc.steps[i].text, sc.steps[i].len) == 0);
        FZ_CHECK(back.steps[i].claim_len == sc.steps[i].claim_len);
    }
    free(text);
    nf_script_free(&back);
    nf_script_free(&sc);
    return 0;
}
