/* fz_split / fz_strndup: see fuzz.h. */
#include <string.h>

#include "fuzz.h"

char *fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

char *fz_split(const uint8_t *data, size_t size, size_t nf, char *fields[], size_t lens[])
{
    /* One extra NUL per field, so every field ends inside the block. */
    char *block = malloc(size + nf + 1);
    if (!block)
        return NULL;
    size_t o = 0, i = 0;
    for (size_t f = 0; f < nf; f++) {
        size_t start = i;
        if (f + 1 < nf)
            while (i < size && data[i] != '\n')
                i++;
        else
            i = size;
        size_t n = i - start;
        fields[f] = block + o;
        if (n)
            memcpy(block + o, data + start, n);
        block[o + n] = '\0';
        lens[f] = n;
        o += n + 1;
        if (i < size)
            i++; /* the separator */
    }
    return block;
}
