/*
 * test_shring.c - tests proto/shring.c: a mapper's result slots, shared
 * with the reducer through a file in the runtime directory.
 */
#include "shring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "shring");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

/* mr-run creates the file, the mapper fills a slot and names it, the
 * reducer finds the bytes and releases the slot, which the mapper then
 * takes again. */
static void test_round_trip(void **state)
{
    (void)state;
    char path[PATH_MAX];
    assert_int_equal(shring_path(s_dir, 7, path, sizeof path), 0);
    err_t e;
    err_init(&e);
    int fd = shring_create(path, &e);
    assert_true(fd >= 0);
    shring_t *mapper = shring_open(path, &e);
    assert_non_null(mapper);
    shring_t *reducer = shring_open(path, &e);
    assert_non_null(reducer);

    uint32_t slot = 99;
    char *mem = shring_acquire(mapper, &slot);
    assert_non_null(mem);
    assert_int_equal(slot, 0);
    memcpy(mem, "ONE\nTWO\n", 8);
    unsigned char desc[SHRING_DESC_BYTES];
    shring_desc_encode(slot, 8, desc);

    const char *data = NULL;
    size_t len = 0;
    uint32_t got = 99;
    assert_int_equal(shring_lookup(reducer, desc, sizeof desc, &data, &len, &got, &e), 0);
    assert_int_equal(got, 0);
    assert_int_equal(len, 8);
    assert_memory_equal(data, "ONE\nTWO\n", 8);

    /* Busy until released: the next acquire takes another slot. */
    uint32_t other = 99;
    assert_non_null(shring_acquire(mapper, &other));
    assert_int_equal(other, 1);
    shring_release(reducer, got);
    shring_release(reducer, other);
    assert_non_null(shring_acquire(mapper, &slot));
    assert_int_equal(slot, 0); /* the lowest free one again: its pages are mapped */

    shring_destroy(&reducer);
    shring_destroy(&mapper);
    assert_null(mapper);
    shring_destroy(&mapper); /* NULL is fine */
    unlink(path);
    close(fd);
}

/* Every slot busy: the mapper falls back to the socket (NULL). */
static void test_full(void **state)
{
    (void)state;
    char path[PATH_MAX];
    assert_int_equal(shring_path(s_dir, 8, path, sizeof path), 0);
    err_t e;
    err_init(&e);
    int fd = shring_create(path, &e);
    assert_true(fd >= 0);
    shring_t *ring = shring_open(path, &e);
    assert_non_null(ring);
    uint32_t slot = 0;
    for (uint32_t i = 0; i < SHRING_SLOTS; i++)
        assert_non_null(shring_acquire(ring, &slot));
    assert_null(shring_acquire(ring, &slot));
    shring_release(ring, 5);
    assert_non_null(shring_acquire(ring, &slot));
    assert_int_equal(slot, 5);
    shring_destroy(&ring);
    unlink(path);
    close(fd);
}

/* The reducer checks each descriptor: its size, the slot number, the
 * length, the reserved word, and that the slot is in use. */
static void test_bad_descriptors(void **state)
{
    (void)state;
    char path[PATH_MAX];
    assert_int_equal(shring_path(s_dir, 9, path, sizeof path), 0);
    err_t e;
    err_init(&e);
    int fd = shring_create(path, &e);
    assert_true(fd >= 0);
    shring_t *ring = shring_open(path, &e);
    assert_non_null(ring);
    const char *data = NULL;
    size_t len = 0;
    uint32_t slot = 0;
    unsigned char desc[SHRING_DESC_BYTES];

    shring_desc_encode(0, 8, desc); /* not acquired */
    assert_int_equal(shring_lookup(ring, desc, sizeof desc, &data, &len, &slot, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "not in use"));

    assert_non_null(shring_acquire(ring, &slot));
    assert_int_equal(shring_lookup(ring, desc, sizeof desc - 1, &data, &len, &slot, &e),
                     -EBADMSG); /* truncated */
    shring_desc_encode(SHRING_SLOTS, 8, desc);
    assert_int_equal(shring_lookup(ring, desc, sizeof desc, &data, &len, &slot, &e), -EBADMSG);
    shring_desc_encode(0, SHRING_SLOT_BYTES + 1, desc);
    assert_int_equal(shring_lookup(ring, desc, sizeof desc, &data, &len, &slot, &e), -EBADMSG);
    shring_desc_encode(0, 8, desc);
    desc[5] = 1; /* the reserved word */
    assert_int_equal(shring_lookup(ring, desc, sizeof desc, &data, &len, &slot, &e), -EBADMSG);
    shring_desc_encode(0, SHRING_SLOT_BYTES, desc); /* a full slot is fine */
    assert_int_equal(shring_lookup(ring, desc, sizeof desc, &data, &len, &slot, &e), 0);
    assert_int_equal(len, SHRING_SLOT_BYTES);
    shring_destroy(&ring);
    unlink(path);
    close(fd);
}

/* A slot the reducer already holds for a result it has not written (an
 * --ordered result waiting in the reorder buffer) is refused when a second
 * RESULT names it: the first one's release would hand the slot back to the
 * mapper while the second still reads it.  Once released, the slot may be
 * named again. */
static void test_slot_named_twice(void **state)
{
    (void)state;
    char path[PATH_MAX];
    assert_int_equal(shring_path(s_dir, 11, path, sizeof path), 0);
    err_t e;
    err_init(&e);
    int fd = shring_create(path, &e);
    assert_true(fd >= 0);
    shring_t *mapper = shring_open(path, &e);
    shring_t *reducer = shring_open(path, &e);
    assert_non_null(mapper);
    assert_non_null(reducer);
    uint32_t slot = 99;
    assert_non_null(shring_acquire(mapper, &slot));
    unsigned char desc[SHRING_DESC_BYTES];
    shring_desc_encode(slot, 4, desc);
    const char *data = NULL;
    size_t len = 0;
    uint32_t got = 99;
    assert_int_equal(shring_lookup(reducer, desc, sizeof desc, &data, &len, &got, &e), 0);
    err_init(&e);
    assert_int_equal(shring_lookup(reducer, desc, sizeof desc, &data, &len, &got, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "already"));
    shring_release(reducer, got);
    assert_non_null(shring_acquire(mapper, &slot));
    assert_int_equal(slot, got);
    assert_int_equal(shring_lookup(reducer, desc, sizeof desc, &data, &len, &got, &e), 0);
    shring_release(reducer, got);
    shring_destroy(&reducer);
    shring_destroy(&mapper);
    unlink(path);
    close(fd);
}

/* Only a ring shring_create made is mapped: a short file would fault past
 * its end; an existing name is not reused; the ring is mr-run's memfd, so
 * it is gone once mr-run closes it and no one maps it. */
static void test_open_checks(void **state)
{
    (void)state;
    char path[PATH_MAX];
    assert_int_equal(shring_path(s_dir, 10, path, sizeof path), 0);
    err_t e;
    err_init(&e);
    int file = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(file >= 0);
    assert_int_equal(write(file, "short", 5), 5);
    close(file);
    assert_null(shring_open(path, &e));
    assert_int_equal(e.code, -EINVAL);
    assert_int_equal(shring_create(path, &e), -EEXIST);
    unlink(path);
    assert_null(shring_open(path, &e));
    assert_int_equal(e.code, -ENOENT);

    int ring = shring_create(path, &e);
    assert_true(ring >= 0);
    close(ring);
    assert_null(shring_open(path, &e)); /* the link names a closed descriptor */
    unlink(path);

    char longdir[PATH_MAX + 8];
    memset(longdir, 'd', sizeof longdir - 1);
    longdir[sizeof longdir - 1] = '\0';
    assert_int_equal(shring_path(longdir, 1, path, sizeof path), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_full),
        cmocka_unit_test(test_bad_descriptors), cmocka_unit_test(test_slot_named_twice),
        cmocka_unit_test(test_open_checks),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
