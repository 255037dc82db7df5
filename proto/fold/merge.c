/*
 * merge.c - one combine step.  See merge.h.
 */
#include "merge.h"

#include "plugin.h"
#include "plugin_counter.h"
#include "plugin_fail.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static int s_capture(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                     size_t value_len)
{
    (void)key;
    (void)key_len;
    merge_t *m = (merge_t *)base;
    m->n_emits++;
    m->len = value_len;
    if (value_len <= sizeof m->small) {
        if (value_len)
            memcpy(m->small, value, value_len);
        m->data = m->small;
        return 0;
    }
    buf_reset(&m->big);
    int rc = buf_append(&m->big, value, value_len);
    m->data = m->big.data;
    if (rc < 0)
        m->too_big = true; /* even if combine ignores the code we return */
    return rc;
}

void merge_init(merge_t *m, const mr_plugin_t *plugin, void *state, size_t max_value)
{
    memset(m, 0, sizeof *m);
    m->base.emit = s_capture;
    m->base.failure = plugin_fail_note;
    m->base.counter = plugin_counter_note;
    m->plugin = plugin;
    m->state = state;
    m->kind = plugin_combine_kind(plugin);
    buf_init(&m->big, max_value);
}

void merge_fini(merge_t *m)
{
    buf_fini(&m->big);
}

int merge__combine(merge_t *m, htab_entry_t *entry, mr_bytes_t value, err_t *e)
{
    m->n_emits = 0;
    m->too_big = false;
    mr_bytes_t key = { entry->key, entry->key_len };
    mr_bytes_t old = { entry->value, entry->value_len };
    int rc = m->plugin->combine(m->state, key, old, value, &m->base);
    if (m->too_big) {
        plugin_fail_clear();
        return err_set(e, -EMSGSIZE,
                       "combine() emitted a value of %zu bytes, over the cap of "
                       "%zu",
                       m->len, m->big.max);
    }
    char why[PLUGIN_FAIL_MAX + 64];
    if (rc != 0)
        return err_set(e, -ECANCELED, "%s", plugin_fail_why("combine", rc, why, sizeof why));
    if (m->n_emits != 1)
        return err_set(e, -EINVAL, "combine() emitted %u values; it must emit exactly one",
                       m->n_emits);
    htab_value_set(entry, m->data, m->len);
    return 0;
}
