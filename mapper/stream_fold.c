/*
 * stream_fold.c - mr-stream's per-key merging with the plugin's combine():
 * the emitter combine() writes its one merged value to, the merge of two
 * values of a key, and the table the map and combine stages fold pairs into
 * and flush, bounded, in order of first sight.  The reduce stage (stream.c)
 * folds its runs of equal keys with the same merge.
 */
#include "stream_fold.h"

#include "mem.h"
#include "plugin_counter.h"
#include "plugin_fail.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* When the combining table is flushed: a task's memory stays well under the
 * 1 GiB or so a Hadoop container gives a streaming child, and 1M distinct
 * keys already merge most repeats. */
#define S_TABLE_BYTES ((size_t)64 << 20)
#define S_TABLE_KEYS ((size_t)1 << 20)
/* Bookkeeping charged per table entry on top of its key and value. */
#define S_ENTRY_OVERHEAD 64

static int s_capture_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                          size_t value_len)
{
    (void)key;
    (void)key_len;
    stream_fold_capture_t *c = (stream_fold_capture_t *)base;
    c->n_emits++;
    buf_reset(&c->value);
    int rc = buf_append(&c->value, value, value_len);
    if (rc < 0)
        c->too_big = true;
    return rc;
}

void stream_fold_capture_init(stream_fold_capture_t *c)
{
    memset(c, 0, sizeof *c);
    c->base.emit = s_capture_emit;
    c->base.failure = plugin_fail_note;
    c->base.counter = plugin_counter_note;
    buf_init(&c->value, STREAM_FOLD_VALUE_MAX);
}

void stream_fold_capture_fini(stream_fold_capture_t *c)
{
    buf_fini(&c->value);
}

int stream_fold_combine(const mr_plugin_t *p, void *state, stream_fold_capture_t *capture,
                        mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, err_t *e)
{
    capture->n_emits = 0;
    capture->too_big = false;
    int rc = p->combine(state, key, a, b, &capture->base);
    if (capture->too_big) {
        plugin_fail_clear();
        return err_set(e, -EMSGSIZE, "combine() emitted a value over the cap of %zu MiB",
                       STREAM_FOLD_VALUE_MAX >> 20);
    }
    char why[PLUGIN_FAIL_MAX + 64];
    if (rc != 0)
        return err_set(e, -ECANCELED, "%s", plugin_fail_why("combine", rc, why, sizeof why));
    if (capture->n_emits != 1)
        return err_set(e, -EINVAL, "combine() emitted %u values; it must emit exactly one",
                       capture->n_emits);
    return 0;
}

static int s_table_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                        size_t value_len);

void stream_fold_table_init(stream_fold_table_t *t, const mr_plugin_t *p, void *state,
                            stream_fold_capture_t *capture, stream_io_writer_t *writer)
{
    memset(t, 0, sizeof *t);
    t->base.emit = s_table_emit;
    t->base.failure = plugin_fail_note;
    t->base.counter = plugin_counter_note;
    t->tab = htab_new();
    t->p = p;
    t->state = state;
    t->capture = capture;
    t->writer = writer;
    err_init(&t->err);
}

void stream_fold_table_fini(stream_fold_table_t *t)
{
    htab_destroy(&t->tab);
    free(t->order);
    t->order = NULL;
}

int stream_fold_table_flush(stream_fold_table_t *t)
{
    int rc = 0;
    for (size_t i = 0; i < t->n_order && rc == 0; i++) {
        const htab_entry_t *en = t->order[i];
        rc = stream_io_writer_line(t->writer, STREAM_IO_PAIR, en->key, en->key_len, en->value,
                                   en->value_len);
    }
    htab_clear(t->tab);
    t->n_order = 0;
    t->bytes = 0;
    return rc;
}

int stream_fold_table_add(stream_fold_table_t *t, const void *key, size_t key_len,
                          const void *value, size_t value_len)
{
    if (t->err.code)
        return t->err.code;
    if (value_len > STREAM_FOLD_VALUE_MAX)
        return err_set(&t->err, -EMSGSIZE, "a value is over the cap of %zu MiB",
                       STREAM_FOLD_VALUE_MAX >> 20);
    bool added = false;
    htab_entry_t *en = htab_upsert(t->tab, key_len ? key : "", key_len, &added);
    if (added) {
        htab_value_set(en, value, value_len);
        if (t->n_order == t->order_cap) {
            t->order_cap = t->order_cap ? t->order_cap * 2 : 1024;
            t->order = mem_realloc(t->order, t->order_cap * sizeof *t->order);
        }
        t->order[t->n_order++] = en;
        t->bytes += key_len + value_len + S_ENTRY_OVERHEAD;
    } else {
        mr_bytes_t k = { en->key, en->key_len };
        mr_bytes_t a = { en->value, en->value_len };
        mr_bytes_t b = { value, value_len };
        int rc = stream_fold_combine(t->p, t->state, t->capture, k, a, b, &t->err);
        if (rc < 0)
            return rc;
        const buf_t *merged = &t->capture->value;
        t->bytes = t->bytes - en->value_len + merged->len;
        htab_value_set(en, merged->data, merged->len);
    }
    if (t->bytes > S_TABLE_BYTES || t->n_order >= S_TABLE_KEYS)
        return stream_fold_table_flush(t);
    return 0;
}

static int s_table_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                        size_t value_len)
{
    return stream_fold_table_add((stream_fold_table_t *)base, key, key_len, value, value_len);
}
