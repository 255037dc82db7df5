/*
 * abi_version.c - a map-only plugin whose descriptor claims the ABI version
 * TEST_ABI_VERSION (set by tests/CMakeLists.txt): 0, below every version
 * there was, and MR_ABI_VERSION + 1, newer than the engine.  The engine
 * must refuse both when it loads them.
 */
#include "mr.h"

static int av_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    (void)state;
    return mr_emit_value(out, record.ptr, record.len);
}

const mr_plugin_t mr_plugin = {
    .abi_version = TEST_ABI_VERSION,
    .name = "abi_version",
    .map = av_map,
};
