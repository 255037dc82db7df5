/*
 * flaky.c - a plugin that fails on purpose, on the attempts a test chooses,
 * for it_faults.sh: a mapper that dies on one attempt and not the next, a
 * record that fails once, a chunk that fails as a whole.  Built by the
 * tests (it_build_plugin).
 *
 * --arg DIR names an existing directory for marker files, shared by every
 * process of the job, so the plugin counts attempts across mappers.
 *
 * map() emits the record as the key and "1" as the value, and combine()
 * adds decimal counts: an --ordered job writes "RECORD<TAB>1" for every
 * record, a key-grouped one "RECORD<TAB>COUNT" for every distinct record.
 * The first map() call in a process creates DIR/mapping.PID, so a test can
 * count the mappers that were given work.
 *
 * A record that begins with one of these words misbehaves on its first N
 * attempts (each takes a marker DIR/LABEL.1 .. DIR/LABEL.N; N = 0 means
 * on every attempt), and maps like any other record after that:
 *   kill N LABEL   the mapper SIGKILLs itself
 *   fail N LABEL   map() returns 1
 *   cfail N LABEL  map() emits its pair twice and returns 0, and combine()
 *                  refuses to add them: the mapper fails the whole chunk,
 *                  with no record to blame
 * LABEL is letters, digits, '-' and '_'; a marker that cannot be made
 * (DIR missing) makes the record misbehave every time, which a test sees.
 */
#include "mr.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Room for DIR plus a marker name. */
#define FLAKY_PATH 4096

typedef enum flaky_how { FLAKY_NONE, FLAKY_KILL, FLAKY_FAIL, FLAKY_CFAIL } flaky_how_t;

static int fl_init(const char *arg, void **state)
{
    if (!arg || !*arg) {
        fprintf(stderr, "flaky.so: give the marker directory with --arg DIR\n");
        return 1;
    }
    *state = (void *)arg; /* valid until fini, says mr.h */
    return 0;
}

/* What the record (or key) p[0..len) asks for; sets *n and label. */
static flaky_how_t fl_parse(const void *p, size_t len, unsigned *n, char label[64])
{
    char text[128];
    char word[8];
    if (len >= sizeof text)
        len = sizeof text - 1;
    memcpy(text, p, len);
    text[len] = '\0';
    if (sscanf(text, "%7s %u %63s", word, n, label) != 3)
        return FLAKY_NONE;
    for (const char *c = label; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return FLAKY_NONE;
    if (strcmp(word, "kill") == 0)
        return FLAKY_KILL;
    if (strcmp(word, "fail") == 0)
        return FLAKY_FAIL;
    if (strcmp(word, "cfail") == 0)
        return FLAKY_CFAIL;
    return FLAKY_NONE;
}

/* True when this attempt at label is one of its first n (n = 0: always):
 * takes the first free marker DIR/LABEL.i, i = 1..n. */
static int fl_due(const char *dir, const char *label, unsigned n)
{
    char path[FLAKY_PATH];
    if (n == 0)
        return 1;
    for (unsigned i = 1; i <= n; i++) {
        snprintf(path, sizeof path, "%s/%s.%u", dir, label, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            close(fd);
            return 1;
        }
        if (errno != EEXIST)
            return 1;
    }
    return 0;
}

static int fl_map(void *state, mr_bytes_t r, mr_emitter_t *out)
{
    static int announced;
    const char *dir = state;
    char label[64];
    unsigned n = 0;
    if (!announced) {
        char path[FLAKY_PATH];
        snprintf(path, sizeof path, "%s/mapping.%ld", dir, (long)getpid());
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
        announced = 1;
    }
    flaky_how_t how = fl_parse(r.ptr, r.len, &n, label);
    if (how == FLAKY_KILL && fl_due(dir, label, n))
        raise(SIGKILL);
    if (how == FLAKY_FAIL && fl_due(dir, label, n))
        return 1;
    if (mr_emit(out, r.ptr, r.len, "1", 1))
        return 1;
    /* The second pair of a cfail record: combine() decides. */
    if (how == FLAKY_CFAIL)
        mr_emit(out, r.ptr, r.len, "1", 1);
    return 0;
}

/* A decimal count; 0 for anything else. */
static uint64_t fl_count(mr_bytes_t v)
{
    char text[24];
    size_t len = v.len < sizeof text ? v.len : sizeof text - 1;
    memcpy(text, v.ptr, len);
    text[len] = '\0';
    return strtoull(text, NULL, 10);
}

static int fl_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    char label[64];
    unsigned n = 0;
    if (fl_parse(key.ptr, key.len, &n, label) == FLAKY_CFAIL && fl_due(state, label, n))
        return 1;
    char sum[24];
    int len = snprintf(sum, sizeof sum, "%" PRIu64, fl_count(a) + fl_count(b));
    return mr_emit_value(out, sum, (size_t)len);
}

const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION,
                                .name = "flaky",
                                .init = fl_init,
                                .map = fl_map,
                                .combine = fl_combine };
