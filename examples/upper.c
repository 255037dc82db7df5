/*
 * upper.c - upper-case every line: a map-only plugin for --ordered and
 * --unordered jobs (like `tr a-z A-Z`, in parallel).
 *
 * Run: mr-run -m upper.so --ordered -i in.txt -o out.txt
 *
 * It shows per-process state: init allocates a buffer that map reuses, so
 * there is no allocation per record.
 */
#include "mr.h"

#include <stdlib.h>
#include <string.h>

typedef struct upper {
    char *buf;  /* scratch line, owned */
    size_t cap; /* its size */
} upper_t;

static int up_init(const char *arg, void **state)
{
    (void)arg;
    upper_t *u = calloc(1, sizeof *u);
    if (!u)
        return 1;
    *state = u;
    return 0;
}

static void up_fini(void *state)
{
    upper_t *u = state;
    free(u->buf);
    free(u);
}

static int up_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    upper_t *u = state;
    if (record.len > u->cap) {
        size_t cap = record.len * 2;
        char *buf = realloc(u->buf, cap);
        if (!buf)
            return 1;
        u->buf = buf;
        u->cap = cap;
    }
    /* Local pointers: a store through u->buf may (for the compiler) change
     * u->buf itself, which reloaded it every byte and kept the loop from
     * being vectorized (3x slower than tr on short lines). */
    const unsigned char *in = record.ptr;
    char *dst = u->buf;
    for (size_t i = 0; i < record.len; i++) {
        unsigned char c = in[i];
        dst[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    return mr_emit_value(out, dst, record.len);
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "upper",
    .init = up_init,
    .fini = up_fini,
    .map = up_map,
};
