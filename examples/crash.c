/*
 * crash.c - a plugin that misbehaves on purpose, for fault-tolerance tests.
 *
 * It maps like upper.so (each line upper-cased), except on a record that
 * contains the --arg string, where it:
 *   --arg STRING        crashes with SIGSEGV
 *   --arg abort:STRING  calls abort() (SIGABRT)
 *   --arg fail:STRING   returns an error from map()
 *   --arg hang:STRING   spins forever (for --task-timeout)
 *   --arg exit:STRING   calls exit(3), as a plugin that gives up might
 *
 * Run: mr-run -m crash.so --arg BOOM --ordered -i in.txt
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "mr.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum how {
    HOW_SEGV,
    HOW_ABORT,
    HOW_FAIL,
    HOW_HANG,
    HOW_EXIT,
} how_t;

typedef struct crash {
    how_t how;          /* what to do on a matching record */
    const char *needle; /* the string that triggers it (points into arg) */
    char *buf;          /* scratch for the upper-cased line, owned */
    size_t cap;         /* its size */
} crash_t;

static int cr_init(const char *arg, void **state)
{
    static const struct {
        const char *prefix;
        how_t how;
    } kinds[] = {
        { "abort:", HOW_ABORT }, { "fail:", HOW_FAIL }, { "hang:", HOW_HANG }, { "exit:", HOW_EXIT }
    };
    if (!arg || !*arg) {
        fprintf(stderr,
                "crash.so: give the trigger string with --arg [abort:|fail:|hang:|exit:]STRING\n");
        return 1;
    }
    crash_t *c = calloc(1, sizeof *c);
    if (!c)
        return 1;
    c->how = HOW_SEGV;
    c->needle = arg;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i].prefix);
        if (strncmp(arg, kinds[i].prefix, n) == 0) {
            c->how = kinds[i].how;
            c->needle = arg + n;
        }
    }
    *state = c;
    return 0;
}

static void cr_fini(void *state)
{
    crash_t *c = state;
    free(c->buf);
    free(c);
}

static int cr_misbehave(const crash_t *c)
{
    switch (c->how) {
    case HOW_ABORT: abort();
    case HOW_FAIL: return 7;
    case HOW_HANG:
        for (;;) {
            volatile unsigned spin = 0;
            spin++;
        }
    case HOW_EXIT: exit(3);
    default: raise(SIGSEGV); return 1;
    }
}

static int cr_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    crash_t *c = state;
    size_t n = strlen(c->needle);
    if (record.len >= n && memmem(record.ptr, record.len, c->needle, n))
        return cr_misbehave(c);
    if (record.len > c->cap) {
        char *buf = realloc(c->buf, record.len * 2);
        if (!buf)
            return 1;
        c->buf = buf;
        c->cap = record.len * 2;
    }
    const unsigned char *in = record.ptr;
    for (size_t i = 0; i < record.len; i++)
        c->buf[i] = (char)(in[i] >= 'a' && in[i] <= 'z' ? in[i] - 32 : in[i]);
    return mr_emit_value(out, c->buf, record.len);
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "crash",
    .init = cr_init,
    .fini = cr_fini,
    .map = cr_map,
};
