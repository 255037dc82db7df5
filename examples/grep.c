/*
 * grep.c - keep the lines that contain a fixed string (like `grep -F`).
 *
 * Run: mr-run -m grep.so --arg needle --ordered -i in.txt
 *
 * It shows how a plugin takes a parameter: --arg reaches init, which
 * refuses to start without one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "mr.h"

#include <stdio.h>
#include <string.h>

static int gr_init(const char *arg, void **state)
{
    if (!arg || !*arg) {
        fprintf(stderr, "grep.so: give the string to look for with --arg STRING\n");
        return 1;
    }
    *state = (void *)arg; /* valid until fini, per mr.h */
    return 0;
}

static int gr_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    const char *needle = state;
    size_t n = strlen(needle);
    if (record.len >= n && memmem(record.ptr, record.len, needle, n))
        return mr_emit_value(out, record.ptr, record.len);
    return 0;
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "grep",
    .init = gr_init,
    .map = gr_map,
};
