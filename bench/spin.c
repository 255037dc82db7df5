/*
 * spin.c - a CPU-heavy map for the scaling benchmark: 200 rounds of a
 * 64-bit hash over each record, emitting the final hash.
 */
#include "mr.h"

#include <stdint.h>
#include <stdio.h>

static int spin_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    (void)state;
    const unsigned char *p = record.ptr;
    uint64_t h = 1469598103934665603ULL;
    for (int round = 0; round < 200; round++)
        for (size_t i = 0; i < record.len; i++)
            h = (h ^ p[i]) * 1099511628211ULL;
    char text[24];
    int n = snprintf(text, sizeof text, "%016llx", (unsigned long long)h);
    return mr_emit_value(out, text, (size_t)n);
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "spin",
    .map = spin_map,
};
