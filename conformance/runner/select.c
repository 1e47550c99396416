/* Case selection and verdict names. Pure. */
#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "runner.h"

int rc_glob_match(const char *pattern, const char *id)
{
    if (!pattern || !id)
        return 0;
    if (strpbrk(pattern, "*?[") == NULL) {
        size_t n = strlen(pattern);
        if (n > 0 && pattern[n - 1] == '/')
            n--;
        return strncmp(pattern, id, n) == 0 && (id[n] == '\0' || id[n] == '/' || id[n] == '.');
    }
    return fnmatch(pattern, id, 0) == 0;
}

void rc_profile_of(const char *id, char *out, size_t outlen)
{
    size_t n = strcspn(id, "/");
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, id, n);
    out[n] = '\0';
}

int rc_selected(const rc_select *s, const char *id)
{
    char prof[32];
    rc_profile_of(id, prof, sizeof prof);
    if (s->profile && strcmp(s->profile, "all") != 0 && strcmp(s->profile, prof) != 0)
        return 0;
    if (s->ninclude > 0) {
        int any = 0;
        for (size_t i = 0; i < s->ninclude && !any; i++)
            any = rc_glob_match(s->include[i], id);
        if (!any)
            return 0;
    }
    for (size_t i = 0; i < s->nexclude; i++)
        if (rc_glob_match(s->exclude[i], id))
            return 0;
    return 1;
}

static const char *const names[RC__VERDICTS] = {"PASS",        "NON-STRICT", "FAIL",
                                                "UNSUPPORTED", "SKIP",       "ERROR"};

const char *rc_verdict_name(rc_verdict v)
{
    return v >= 0 && v < RC__VERDICTS ? names[v] : "?";
}

int rc_verdict_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcasecmp(s, "NON_STRICT") == 0 || strcasecmp(s, "NONSTRICT") == 0)
        return RC_NONSTRICT;
    for (int i = 0; i < RC__VERDICTS; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *rc_level_name(rc_level l)
{
    return l == RC_MUST ? "MUST" : l == RC_SHOULD ? "SHOULD" : "MAY";
}

const char *rc_basis_name(rc_basis b)
{
    return b == RC_CONTRACT ? "contract" : b == RC_SPEC ? "spec" : "unset";
}

int rc_case_has_tag(const rc_case *c, const char *tag)
{
    size_t tl = strlen(tag);
    for (const char *p = c->tags; p && *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (n == tl && strncmp(p, tag, n) == 0)
            return 1;
        p += n;
    }
    return 0;
}

int rc_case_lacks(const rc_case *c, const rc_server_info *s)
{
    for (const char *p = c->tags; p && *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        int cap = rc_cap_of_tag(p, n);
        if (cap >= 0 && s->caps[cap] == RC_CAP_NO)
            return cap;
        p += n;
    }
    return -1;
}
