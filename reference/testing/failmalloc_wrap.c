/* The allocator replacements of the allocation-failure hook (see failmalloc.h): with
 * -Wl,--wrap=malloc the linker sends the executable's calls to malloc to __wrap_malloc, and
 * __real_malloc is the allocator itself. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "failmalloc.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
    return tm_fail_now(__builtin_return_address(0)) ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return tm_fail_now(__builtin_return_address(0)) ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return tm_fail_now(__builtin_return_address(0)) ? NULL : __real_realloc(p, n);
}

static char *dup_at(const char *s, size_t n, const void *site)
{
    if (tm_fail_now(site))
        return NULL;
    char *d = __real_malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *__wrap_strdup(const char *s)
{
    return dup_at(s, strlen(s), __builtin_return_address(0));
}

char *__wrap_strndup(const char *s, size_t n)
{
    return dup_at(s, strnlen(s, n), __builtin_return_address(0));
}

static void *cjson_malloc(size_t n)
{
    return tm_fail_now(__builtin_return_address(0)) ? NULL : __real_malloc(n);
}

void tm_install(void)
{
    cJSON_Hooks h = {.malloc_fn = cjson_malloc, .free_fn = free};
    cJSON_InitHooks(&h);
}
