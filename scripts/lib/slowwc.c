/*
 * slowwc.c - a word count that sleeps --arg microseconds per record, so an
 * integration test's job lasts long enough to kill mappers, pull links and
 * attach remote mappers.  Built by the tests (it_build_plugin); -DVARIANT=1
 * makes a different build of it (another digest, other counts).
 */
#include "mr.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef VARIANT
#define VARIANT 0
#endif
static int s_init(const char *arg, void **state)
{
    *state = (void *)(uintptr_t)(arg ? strtoul(arg, NULL, 10) : 0);
    return 0;
}
static int s_letter(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}
static int s_map(void *state, mr_bytes_t r, mr_emitter_t *out)
{
    struct timespec ts = { 0, (long)(uintptr_t)state * 1000 };
    if (ts.tv_nsec)
        nanosleep(&ts, NULL);
    static const uint64_t one = 1 + VARIANT;
    const unsigned char *p = r.ptr;
    size_t i = 0;
    while (i < r.len) {
        while (i < r.len && !s_letter(p[i]))
            i++;
        size_t s = i;
        while (i < r.len && s_letter(p[i]))
            i++;
        if (i > s && mr_emit(out, p + s, i - s, &one, 8))
            return 1;
    }
    return 0;
}
static uint64_t s_n(mr_bytes_t v)
{
    uint64_t n = 0;
    if (v.len == 8)
        memcpy(&n, v.ptr, 8);
    return n;
}
static int s_combine(void *st, mr_bytes_t k, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    (void)st;
    (void)k;
    uint64_t n = s_n(a) + s_n(b);
    return mr_emit_value(out, &n, 8);
}
static int s_reduce(void *st, mr_bytes_t k, const mr_bytes_t *v, size_t n, mr_emitter_t *out)
{
    (void)st;
    uint64_t sum = 0;
    char t[24];
    for (size_t i = 0; i < n; i++)
        sum += s_n(v[i]);
    int len = snprintf(t, sizeof t, "%llu", (unsigned long long)sum);
    return mr_emit(out, k.ptr, k.len, t, (size_t)len);
}
const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION,
                                .name = "slowwc",
                                .init = s_init,
                                .map = s_map,
                                .combine = s_combine,
                                .reduce = s_reduce };
