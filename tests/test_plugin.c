/*
 * test_plugin.c - tests proto/host/plugin.c, loading a user's plugin: the
 * example word count (built against this header) and a word count built as
 * ABI version 1 plugins were (tests/plugins/abi1.c) both load, and the
 * engine calls the version-1 one correctly (its combine_kind, a field it
 * lacks, reads as MR_COMBINE_CUSTOM; map, combine and reduce work through
 * the descriptor); descriptors claiming version 0 or MR_ABI_VERSION + 1 are
 * refused with the range this engine accepts; a missing descriptor symbol,
 * a missing file and a directory are refused with what was wrong.
 *
 * The plugins are built by tests/CMakeLists.txt under $MR_BUILD_DIR (ctest
 * sets it); without it every test skips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plugin.h"
#include "skip.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* $MR_BUILD_DIR/sub/name into buf, or NULL when MR_BUILD_DIR is not set. */
static const char *s_built(char *buf, size_t len, const char *sub, const char *name)
{
    const char *build = getenv("MR_BUILD_DIR");
    if (!build)
        return NULL;
    snprintf(buf, len, "%s/%s/%s", build, sub, name);
    return buf;
}

/* An emitter that keeps the last pair emitted. */
typedef struct last {
    mr_emitter_t base; /* must be first */
    char key[64];      /* the last key, NUL-terminated */
    char value[64];    /* the last value, NUL-terminated */
    size_t value_len;  /* its length */
    unsigned emits;    /* pairs emitted */
} last_t;

static int s_keep(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                  size_t value_len)
{
    last_t *l = (last_t *)base;
    assert_true(key_len < sizeof l->key && value_len < sizeof l->value);
    if (key_len) /* mr_emit_value passes a NULL key */
        memcpy(l->key, key, key_len);
    l->key[key_len] = '\0';
    memcpy(l->value, value, value_len);
    l->value[value_len] = '\0';
    l->value_len = value_len;
    l->emits++;
    return 0;
}

/* The usage example: open the template plugin, check it, init it, map a
 * record, close it. */
static void test_open_current_abi(void **state)
{
    (void)state;
    char path[PATH_MAX];
    if (!s_built(path, sizeof path, "examples", "wordcount.so"))
        SKIP_BECAUSE("MR_BUILD_DIR is not set (ctest sets it): no plugins to load");
    err_t e;
    err_init(&e);
    plugin_t *p = plugin_open(path, &e);
    assert_non_null(p);
    const mr_plugin_t *desc = plugin_desc(p);
    assert_int_equal(desc->abi_version, MR_ABI_VERSION);
    assert_int_equal(plugin_combine_kind(desc), MR_COMBINE_SUM_U64);
    assert_true(plugin_can_reduce(p));
    assert_string_equal(plugin_name(p), "wordcount");
    assert_int_equal(plugin_init(p, NULL, &e), 0);
    last_t out = { .base.emit = s_keep };
    const char rec[] = "hello world";
    assert_int_equal(desc->map(plugin_state(p), (mr_bytes_t){ rec, sizeof rec - 1 }, &out.base), 0);
    assert_int_equal(out.emits, 2);
    assert_string_equal(out.key, "world");
    plugin_destroy(&p);
    assert_null(p);
    plugin_destroy(&p); /* idempotent */
}

/* A version-1 plugin loads and runs: the engine reads only the fields
 * version 1 had. */
static void test_open_abi1(void **state)
{
    (void)state;
    char path[PATH_MAX];
    if (!s_built(path, sizeof path, "tests/plugins", "abi1.so"))
        SKIP_BECAUSE("MR_BUILD_DIR is not set (ctest sets it): no plugins to load");
    err_t e;
    err_init(&e);
    plugin_t *p = plugin_open(path, &e);
    assert_non_null(p);
    assert_int_equal(e.code, 0);
    const mr_plugin_t *desc = plugin_desc(p);
    assert_int_equal(desc->abi_version, 1);
    /* combine_kind lies past the end of a version-1 descriptor. */
    assert_int_equal(plugin_combine_kind(desc), MR_COMBINE_CUSTOM);
    assert_true(plugin_can_reduce(p));
    assert_string_equal(plugin_name(p), "abi1");
    assert_int_equal(plugin_init(p, NULL, &e), 0);

    last_t out = { .base.emit = s_keep };
    const char rec[] = "one two, two";
    assert_int_equal(desc->map(plugin_state(p), (mr_bytes_t){ rec, sizeof rec - 1 }, &out.base), 0);
    assert_int_equal(out.emits, 3);
    assert_string_equal(out.key, "two");
    uint64_t a = 2;
    uint64_t b = 3;
    uint64_t sum = 0;
    mr_bytes_t key = { "two", 3 };
    assert_int_equal(desc->combine(plugin_state(p), key, (mr_bytes_t){ &a, 8 },
                                   (mr_bytes_t){ &b, 8 }, &out.base),
                     0);
    assert_int_equal(out.value_len, 8);
    memcpy(&sum, out.value, 8);
    assert_int_equal(sum, 5);
    mr_bytes_t values[2] = { { &a, 8 }, { &b, 8 } };
    assert_int_equal(desc->reduce(plugin_state(p), key, values, 2, &out.base), 0);
    assert_string_equal(out.key, "two");
    assert_string_equal(out.value, "5");
    plugin_destroy(&p);
}

/* Too old and too new: refused, naming the file, the version and the range. */
static void test_refuses_other_versions(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        unsigned version;
    } cases[] = { { "abi0.so", 0 }, { "abi_next.so", MR_ABI_VERSION + 1 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[PATH_MAX];
        if (!s_built(path, sizeof path, "tests/plugins", cases[i].file))
            SKIP_BECAUSE("MR_BUILD_DIR is not set (ctest sets it): no plugins to load");
        err_t e;
        err_init(&e);
        assert_null(plugin_open(path, &e));
        assert_int_equal(e.code, -EPROTO);
        char want[PATH_MAX + 80];
        snprintf(want, sizeof want,
                 "plugin %s: mr_plugin.abi_version is %u, this mr supports %d to %d", path,
                 cases[i].version, PLUGIN_ABI_OLDEST, MR_ABI_VERSION);
        assert_string_equal(e.text, want);
    }
}

/* Not a plugin: no descriptor symbol, no file, a directory. */
static void test_refuses_non_plugins(void **state)
{
    (void)state;
    char path[PATH_MAX];
    if (!s_built(path, sizeof path, "tests/plugins", "no_symbol.so"))
        SKIP_BECAUSE("MR_BUILD_DIR is not set (ctest sets it): no plugins to load");
    err_t e;
    err_init(&e);
    assert_null(plugin_open(path, &e));
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, "symbol mr_plugin not found"));

    s_built(path, sizeof path, "tests/plugins", "missing.so");
    err_init(&e);
    assert_null(plugin_open(path, &e));
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, "missing.so: No such file or directory"));

    s_built(path, sizeof path, "tests", "plugins");
    err_init(&e);
    assert_null(plugin_open(path, &e));
    assert_int_equal(e.code, -EINVAL);
    assert_non_null(strstr(e.text, "not a regular file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_current_abi),
        cmocka_unit_test(test_open_abi1),
        cmocka_unit_test(test_refuses_other_versions),
        cmocka_unit_test(test_refuses_non_plugins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
