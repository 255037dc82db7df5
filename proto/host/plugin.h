/*
 * plugin.h - loading a user's plugin .so and checking it.
 *
 * mr-run opens every plugin before forking anything, so a wrong path, a file
 * that is not a shared object, a missing descriptor or another ABI version
 * fails the job at once with a message that names the file and the symbol.
 * Mappers and the reducer open the same files again in their own process.
 */
#ifndef MR_PLUGIN_H
#define MR_PLUGIN_H

#include "err.h"
#include "mr.h"

#include <stdbool.h>
#include <stdint.h>

/* The oldest plugin ABI version (mr_plugin.abi_version) the engine loads;
 * the newest is MR_ABI_VERSION.  mr.h, under "The ABI", says what each
 * version added. */
#define PLUGIN_ABI_OLDEST 1

typedef struct plugin plugin_t;

/* Opens the plugin at path (dlopen + dlsym(MR_PLUGIN_SYMBOL) + ABI check).
 * Returns a plugin owned by the caller, or NULL with the reason in e. */
plugin_t *plugin_open(const char *path, err_t *e);

/* Calls the plugin's init with arg (may be NULL).  0 or -ECANCELED with the
 * plugin's return code in e.  Called at most once. */
int plugin_init(plugin_t *self, const char *arg, err_t *e);

/* Calls fini when init succeeded, then unloads; accepts NULL; NULLs *self_p. */
void plugin_destroy(plugin_t **self_p);

/* The descriptor, borrowed until plugin_destroy. */
const mr_plugin_t *plugin_desc(const plugin_t *self);

/* The state init produced (NULL before init or when the plugin keeps none). */
void *plugin_state(const plugin_t *self);

/* The path it was opened from, borrowed until plugin_destroy. */
const char *plugin_path(const plugin_t *self);

/* The plugin's name for messages: its descriptor name, else its path. */
const char *plugin_name(const plugin_t *self);

/* Computes the BLAKE2b-256 digest of the plugin file at path into out
 * (32 bytes): a remote mapper and the master compare digests, so a mapper
 * built from other sources is refused.  0 or -errno with e set. */
int plugin_digest(const char *path, unsigned char out[32], err_t *e);

/* The descriptor's combine_kind, read only from descriptors new enough to
 * have the field (ABI 2); older ones count as MR_COMBINE_CUSTOM. */
static inline uint32_t plugin_combine_kind(const mr_plugin_t *desc)
{
    return desc->abi_version >= 2 ? desc->combine_kind : MR_COMBINE_CUSTOM;
}

/* Whether the plugin can reduce (has combine or reduce). */
bool plugin_can_reduce(const plugin_t *self);

#endif
