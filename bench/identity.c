/*
 * identity.c - emits each record unchanged: the engine's own cost per
 * record, for the tiny-records benchmark.
 */
#include "mr.h"

static int id_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    (void)state;
    return mr_emit_value(out, record.ptr, record.len);
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "identity",
    .map = id_map,
};
