/*
 * collect.c - per-chunk pair collection with an optional combiner.
 * See collect.h.
 */
#include "collect.h"

#include "htab.h"
#include "le64.h"
#include "mem.h"
#include "proto_pairs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Merged values up to this size are captured without touching the heap:
 * a word count's 8-byte counts, most sums and maxima. */
#define COLLECT_SMALL_VALUE 64

/* The emitter handed to combine(): it captures the one merged value. */
typedef struct capture {
    mr_emitter_t base;               /* must be first: combine calls base.emit */
    buf_t value;                     /* the value emitted, when larger than small */
    char small[COLLECT_SMALL_VALUE]; /* the value emitted, when it fits */
    const char *data;                /* where the value is: small or value.data */
    size_t len;                      /* its length */
    unsigned n_emits;                /* how many times combine emitted */
} capture_t;

struct collect {
    mr_emitter_t base;           /* must be first: map calls base.emit */
    const mr_plugin_t *combiner; /* borrowed; NULL without combining */
    void *combiner_state;        /* borrowed */
    htab_t *table;               /* owned; per-chunk combined values */
    buf_t payload;               /* owned; the RESULT payload */
    uint64_t n_pairs;            /* pairs (or lines) in payload */
    bool lines;                  /* payload holds output lines, not pairs */
    bool sum_u64;                /* combine_kind is MR_COMBINE_SUM_U64: add in place */
    capture_t capture;           /* combine's emitter */
    int error;                   /* first failure in this chunk, 0 if none */
    char error_text[256];        /* its description */
};

static int s_set_error(collect_t *self, int code, const char *text)
{
    if (!self->error) {
        self->error = code;
        snprintf(self->error_text, sizeof self->error_text, "%s", text);
    }
    return code;
}

static int s_capture_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                          size_t value_len)
{
    (void)key;
    (void)key_len;
    capture_t *c = (capture_t *)base;
    c->n_emits++;
    c->len = value_len;
    if (value_len <= sizeof c->small) {
        if (value_len)
            memcpy(c->small, value, value_len);
        c->data = c->small;
        return 0;
    }
    buf_reset(&c->value);
    c->data = c->value.data;
    int rc = buf_append(&c->value, value, value_len);
    c->data = c->value.data;
    return rc;
}

static int s_emit_plain(collect_t *self, const void *key, size_t key_len, const void *value,
                        size_t value_len)
{
    int rc = proto_pairs_add(&self->payload, key, key_len, value, value_len);
    if (rc < 0)
        return s_set_error(self, rc, "the chunk's output is larger than the cap on one result");
    self->n_pairs++;
    return 0;
}

static int s_emit_combined(collect_t *self, const void *key, size_t key_len, const void *value,
                           size_t value_len)
{
    bool added = false;
    htab_entry_t *e = htab_upsert(self->table, key, key_len, &added);
    if (added) {
        htab_value_set(e, value, value_len);
        return 0;
    }
    if (self->sum_u64 && value_len == 8 && e->value_len == 8) {
        /* MR_COMBINE_SUM_U64: what combine would do, without the calls. */
        uint64_t a;
        uint64_t b;
        memcpy(&a, e->value, 8);
        memcpy(&b, value, 8);
        a = le64(le64(a) + le64(b));
        memcpy(e->value, &a, 8);
        return 0;
    }
    capture_t *cap = &self->capture;
    cap->n_emits = 0;
    mr_bytes_t k = { e->key, e->key_len };
    mr_bytes_t a = { e->value, e->value_len };
    mr_bytes_t b = { value, value_len };
    int rc = self->combiner->combine(self->combiner_state, k, a, b, &cap->base);
    if (rc != 0) {
        char text[64];
        snprintf(text, sizeof text, "combine() returned %d", rc);
        return s_set_error(self, -ECANCELED, text);
    }
    if (cap->n_emits != 1)
        return s_set_error(self, -EINVAL, "combine() must emit exactly one value");
    htab_value_set(e, cap->data, cap->len);
    return 0;
}

/* Lines mode: the finished line, with one reservation and plain copies. */
static int s_emit_line(collect_t *self, const void *key, size_t key_len, const void *value,
                       size_t value_len)
{
    buf_t *b = &self->payload;
    if (buf_reserve(b, key_len + value_len + 2) < 0)
        return s_set_error(self, -EMSGSIZE,
                           "the chunk's output is larger than the cap on one "
                           "result");
    char *p = b->data + b->len;
    if (key_len) {
        memcpy(p, key, key_len);
        p += key_len;
        *p++ = '\t';
    }
    if (value_len)
        memcpy(p, value, value_len);
    p += value_len;
    *p++ = '\n';
    b->len = (size_t)(p - b->data);
    self->n_pairs++;
    return 0;
}

static int s_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                  size_t value_len)
{
    collect_t *self = (collect_t *)base;
    if (self->error)
        return self->error;
    if (self->lines)
        return s_emit_line(self, key, key_len, value, value_len);
    if (self->combiner)
        return s_emit_combined(self, key, key_len, value, value_len);
    return s_emit_plain(self, key, key_len, value, value_len);
}

collect_t *collect_new(const mr_plugin_t *combiner, void *combiner_state, size_t max_bytes)
{
    collect_t *self = mem_calloc(1, sizeof *self);
    self->base.emit = s_emit;
    if (combiner && combiner->combine) {
        self->sum_u64 = combiner->combine_kind == MR_COMBINE_SUM_U64;
        self->combiner = combiner;
        self->combiner_state = combiner_state;
        self->table = htab_new();
    }
    self->capture.base.emit = s_capture_emit;
    buf_init(&self->capture.value, max_bytes);
    buf_init(&self->payload, max_bytes);
    return self;
}

collect_t *collect_new_lines(size_t max_bytes)
{
    collect_t *self = collect_new(NULL, NULL, max_bytes);
    self->lines = true;
    return self;
}

bool collect_is_lines(const collect_t *self)
{
    return self->lines;
}

uint64_t collect_lines(const collect_t *self)
{
    return self->lines ? self->n_pairs : 0;
}

void collect_destroy(collect_t **self_p)
{
    collect_t *self = *self_p;
    if (!self)
        return;
    htab_destroy(&self->table);
    buf_fini(&self->payload);
    buf_fini(&self->capture.value);
    free(self);
    *self_p = NULL;
}

void collect_begin(collect_t *self)
{
    self->error = 0;
    self->error_text[0] = '\0';
    self->n_pairs = 0;
    if (self->lines)
        buf_reset(&self->payload);
    else
        proto_pairs_begin(&self->payload);
    if (self->table)
        htab_clear(self->table);
}

mr_emitter_t *collect_emitter(collect_t *self)
{
    return &self->base;
}

int collect_error(const collect_t *self, err_t *e)
{
    if (self->error)
        err_set(e, self->error, "%s", self->error_text);
    return self->error;
}

int collect_finish(collect_t *self, const buf_t **payload, err_t *e)
{
    if (self->table) {
        size_t pos = 0;
        htab_entry_t *entry;
        while ((entry = htab_next(self->table, &pos))) {
            if (s_emit_plain(self, entry->key, entry->key_len, entry->value, entry->value_len) < 0)
                break;
        }
    }
    if (collect_error(self, e) < 0)
        return self->error;
    if (!self->lines)
        proto_pairs_end(&self->payload, self->n_pairs);
    *payload = &self->payload;
    return 0;
}
