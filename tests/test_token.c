/*
 * test_token.c - proto/wire/token.c: the MAC that binds a chunk attempt to the
 * mapper (and the peer key) it was given to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const KEY_A = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
static const char *const KEY_B = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";

/* The usage example: the master makes the secret and a TASK's token, the
 * reducer reads the secret and checks the RESULT that echoes it. */
static void test_master_makes_reducer_checks(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    assert_int_equal(tmpdir_make(dir, sizeof dir, "token"), 0);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/secret", dir);
    err_t e;
    err_init(&e);
    token_secret_t master;
    assert_int_equal(token_secret_create(&master, path, &e), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    proto_msg_t result;
    proto_msg_init(&result, PROTO_RESULT);
    result.chunk = 17;
    result.attempt = 2;
    result.mapper = 5;
    token_make(&master, 17, 2, 5, KEY_A, result.token);

    token_secret_t reducer;
    assert_int_equal(token_secret_read(&reducer, path, &e), 0);
    assert_true(token_check(&reducer, &result, KEY_A));
    tmpdir_remove(dir);
}

/* Any other chunk, attempt, mapper or key, or another job's secret, fails. */
static void test_everything_is_bound(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    assert_int_equal(tmpdir_make(dir, sizeof dir, "token"), 0);
    char path[PATH_MAX + 16];
    char other[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/secret", dir);
    snprintf(other, sizeof other, "%s/other", dir);
    err_t e;
    err_init(&e);
    token_secret_t s;
    token_secret_t s2;
    assert_int_equal(token_secret_create(&s, path, &e), 0);
    assert_int_equal(token_secret_create(&s2, other, &e), 0);
    assert_memory_not_equal(s.key, s2.key, TOKEN_SECRET_LEN);

    proto_msg_t m;
    proto_msg_init(&m, PROTO_FAIL);
    m.chunk = 3;
    m.attempt = 0;
    m.mapper = 1;
    token_make(&s, 3, 0, 1, "", m.token);
    assert_true(token_check(&s, &m, ""));
    assert_false(token_check(&s, &m, KEY_A)); /* a remote key is not a local mapper */
    assert_false(token_check(&s2, &m, ""));   /* another job */
    m.chunk = 4;
    assert_false(token_check(&s, &m, ""));
    m.chunk = 3;
    m.attempt = 1;
    assert_false(token_check(&s, &m, ""));
    m.attempt = 0;
    m.mapper = 2;
    assert_false(token_check(&s, &m, ""));
    m.mapper = 1;
    m.token[15] ^= 1;
    assert_false(token_check(&s, &m, ""));

    token_make(&s, 3, 0, 1, KEY_A, m.token);
    assert_true(token_check(&s, &m, KEY_A));
    assert_false(token_check(&s, &m, KEY_B));
    tmpdir_remove(dir);
}

/* The secret file is new (O_EXCL), read back whole or refused. */
static void test_secret_file(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    assert_int_equal(tmpdir_make(dir, sizeof dir, "token"), 0);
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/secret", dir);
    err_t e;
    err_init(&e);
    token_secret_t s;
    assert_int_equal(token_secret_create(&s, path, &e), 0);
    assert_int_equal(token_secret_create(&s, path, &e), -EEXIST);
    assert_non_null(strstr(e.text, path));
    assert_int_equal(truncate(path, 31), 0);
    assert_int_equal(token_secret_read(&s, path, &e), -EBADMSG);
    unlink(path);
    assert_int_equal(token_secret_read(&s, path, &e), -ENOENT);
    tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_master_makes_reducer_checks),
        cmocka_unit_test(test_everything_is_bound),
        cmocka_unit_test(test_secret_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
