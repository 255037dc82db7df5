/*
 * abi1.c - a word count built as plugins of ABI version 1 were: its
 * descriptor has the version-1 layout (abi_version to reduce, no
 * combine_kind), declared here as mr.h declared it then.  The symbol is
 * exactly that long, so an engine that read a later field would read past
 * it: garbage in a normal build, a global-buffer-overflow under ASan.
 *
 * Same output as examples/wordcount.so (word<TAB>count, a word being a
 * maximal run of ASCII letters), but the engine, knowing no combine_kind,
 * calls combine for every repeated word.  Loaded by tests/test_plugin.c and
 * scripts/it_plugins.sh.
 */
#include "mr.h" /* mr_bytes_t, mr_emitter_t and mr_emit: as they were in version 1 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The version-1 descriptor. */
typedef struct abi1_plugin {
    uint32_t abi_version;                                          /* 1 */
    const char *name;                                              /* for messages */
    int (*init)(const char *arg, void **state);                    /* NULL here */
    void (*fini)(void *state);                                     /* NULL here */
    int (*map)(void *state, mr_bytes_t record, mr_emitter_t *out); /* words, 1 each */
    int (*combine)(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b,
                   mr_emitter_t *out); /* a sum */
    int (*reduce)(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                  mr_emitter_t *out); /* the sum as text */
} abi1_plugin_t;

static int s_is_letter(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

static int a1_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    static const uint64_t one = 1;
    const unsigned char *p = record.ptr;
    size_t i = 0;
    (void)state;
    while (i < record.len) {
        while (i < record.len && !s_is_letter(p[i]))
            i++;
        size_t start = i;
        while (i < record.len && s_is_letter(p[i]))
            i++;
        if (i > start && mr_emit(out, p + start, i - start, &one, sizeof one) != 0)
            return 1;
    }
    return 0;
}

static uint64_t s_count(mr_bytes_t v)
{
    uint64_t n = 0;
    if (v.len == sizeof n)
        memcpy(&n, v.ptr, sizeof n);
    return n;
}

static int a1_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    uint64_t sum = s_count(a) + s_count(b);
    (void)state;
    (void)key;
    return mr_emit_value(out, &sum, sizeof sum);
}

static int a1_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n,
                     mr_emitter_t *out)
{
    uint64_t sum = 0;
    char text[24];
    (void)state;
    for (size_t i = 0; i < n; i++)
        sum += s_count(values[i]);
    int len = snprintf(text, sizeof text, "%llu", (unsigned long long)sum);
    return mr_emit(out, key.ptr, key.len, text, (size_t)len);
}

const abi1_plugin_t mr_plugin = {
    .abi_version = 1,
    .name = "abi1",
    .map = a1_map,
    .combine = a1_combine,
    .reduce = a1_reduce,
};
