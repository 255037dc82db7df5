/*
 * test_keys.c - tests proto/net/keys.c: key pairs, key files, allow-lists and the
 * CURVE socket options, plus the mr-keygen tool built on them.
 *
 * Every test works in its own fresh directory under /tmp.  Good files must
 * round-trip with exact modes (0600 .key, 0644 .pub, whatever the umask);
 * malformed files (wrong length, non-Z85 characters, an overflowing group,
 * duplicate, unknown or missing lines, a secret in a .pub, a .key others can
 * read, a mismatched pair, an oversized or binary file, a missing file) must
 * fail with the right code and an error naming the file (and line, where
 * there is one); an empty or missing authorized-keys directory is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "keys.h"
#include "skip.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

/* A fresh directory per test, removed afterwards. */
typedef struct fixture {
    char dir[64]; /* the directory, from mkdtemp */
} fixture_t;

static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_keys.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    *state = f;
    return 0;
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    nftw(f->dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* dir/name into out. */
static void s_path(char *out, const fixture_t *f, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", f->dir, name);
    assert_true(n > 0 && n < PATH_MAX);
}

/* Writes text to dir/name with mode; returns the path in out. */
static void s_file(char *out, const fixture_t *f, const char *name, const char *text, mode_t mode)
{
    s_path(out, f, name);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static mode_t s_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static int s_count_entries(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, NULL);
    assert_true(n >= 2);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return n - 2; /* . and .. */
}

/* A valid key pair, fixed so that messages are reproducible. */
static void s_pair(keys_pair_t *pair)
{
    err_t e;
    err_init(&e);
    assert_int_equal(keys_generate(pair, &e), 0);
}

/* Reads a .pub and checks the failure: code, and e naming path (and ":line:"
 * when line > 0) and containing what. */
static void s_expect_public_fails(const char *path, int code, unsigned line, const char *what)
{
    err_t e;
    err_init(&e);
    char z85[KEYS_Z85_LEN + 1];
    assert_int_equal(keys_read_public(path, z85, &e), code);
    assert_int_equal(e.code, code);
    assert_non_null(strstr(e.text, path));
    if (line) {
        char at[32];
        snprintf(at, sizeof at, ":%u:", line);
        assert_non_null(strstr(e.text, at));
    }
    if (what && !strstr(e.text, what))
        fail_msg("error text `%s` lacks `%s`", e.text, what);
}

/* The usage example: make a pair, write it, read both files back. */
static void test_round_trip(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    keys_pair_t pair;
    assert_int_equal(keys_generate(&pair, &e), 0);
    assert_int_equal(strlen(pair.public_z85), KEYS_Z85_LEN);
    assert_int_equal(strlen(pair.secret_z85), KEYS_Z85_LEN);

    char base[PATH_MAX];
    s_path(base, f, "mapper1");
    mode_t old = umask(0077); /* the modes must not depend on the umask */
    assert_int_equal(keys_write(&pair, base, false, &e), 0);
    umask(old);

    char key_path[PATH_MAX];
    char pub_path[PATH_MAX];
    s_path(key_path, f, "mapper1.key");
    s_path(pub_path, f, "mapper1.pub");
    assert_int_equal(s_mode(key_path), 0600);
    assert_int_equal(s_mode(pub_path), 0644);
    assert_int_equal(s_count_entries(f->dir), 2); /* nothing else, no temporary left */

    keys_pair_t back;
    assert_int_equal(keys_read_secret(key_path, &back, &e), 0);
    assert_string_equal(back.public_z85, pair.public_z85);
    assert_string_equal(back.secret_z85, pair.secret_z85);
    char pub[KEYS_Z85_LEN + 1];
    assert_int_equal(keys_read_public(pub_path, pub, &e), 0);
    assert_string_equal(pub, pair.public_z85);
    assert_int_equal(e.code, 0);

    keys_pair_fini(&back);
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(((unsigned char *)&back)[i], 0);
}

static void test_write_refuses_overwrite(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    keys_pair_t one;
    keys_pair_t two;
    s_pair(&one);
    s_pair(&two);
    char base[PATH_MAX];
    char key_path[PATH_MAX];
    char pub_path[PATH_MAX];
    s_path(base, f, "k");
    s_path(key_path, f, "k.key");
    s_path(pub_path, f, "k.pub");

    assert_int_equal(keys_write(&one, base, false, &e), 0);
    assert_int_equal(keys_write(&two, base, false, &e), -EEXIST);
    assert_non_null(strstr(e.text, key_path));
    keys_pair_t back;
    assert_int_equal(keys_read_secret(key_path, &back, &e), 0);
    assert_string_equal(back.public_z85, one.public_z85);

    /* Only the .pub exists: still refused, and no .key appears. */
    assert_int_equal(unlink(key_path), 0);
    err_init(&e);
    assert_int_equal(keys_write(&two, base, false, &e), -EEXIST);
    assert_non_null(strstr(e.text, pub_path));
    assert_int_equal(access(key_path, F_OK), -1);
    assert_int_equal(s_count_entries(f->dir), 1);

    err_init(&e);
    assert_int_equal(keys_write(&two, base, true, &e), 0);
    assert_int_equal(keys_read_secret(key_path, &back, &e), 0);
    assert_string_equal(back.secret_z85, two.secret_z85);
    assert_int_equal(s_mode(key_path), 0600);
    assert_int_equal(s_mode(pub_path), 0644);
    assert_int_equal(s_count_entries(f->dir), 2);

    /* Into a directory that does not exist: an error naming the file. */
    char nowhere[PATH_MAX];
    s_path(nowhere, f, "no/such/dir/k");
    err_init(&e);
    assert_int_equal(keys_write(&two, nowhere, false, &e), -ENOENT);
    assert_non_null(strstr(e.text, "no/such/dir/k.key"));
}

static void test_format_tolerates_comments_and_blanks(void **state)
{
    fixture_t *f = *state;
    keys_pair_t pair;
    s_pair(&pair);
    char text[512];
    snprintf(text, sizeof text,
             "# a comment\n"
             "\n"
             "   # an indented comment\r\n"
             "\tsecret-key=%s  \r\n"
             "public-key   =   %s",
             pair.secret_z85, pair.public_z85); /* reordered, no final newline */
    char path[PATH_MAX];
    s_file(path, f, "odd.key", text, 0600);
    err_t e;
    err_init(&e);
    keys_pair_t back;
    assert_int_equal(keys_read_secret(path, &back, &e), 0);
    assert_string_equal(back.public_z85, pair.public_z85);
    assert_string_equal(back.secret_z85, pair.secret_z85);
}

static void test_malformed_files(void **state)
{
    fixture_t *f = *state;
    keys_pair_t pair;
    s_pair(&pair);
    char path[PATH_MAX];
    char text[512];

    /* Wrong lengths: one character short, one too many. */
    snprintf(text, sizeof text, "# x\npublic-key = %.39s\n", pair.public_z85);
    s_file(path, f, "short.pub", text, 0644);
    s_expect_public_fails(path, -EBADMSG, 2, "got 39");
    snprintf(text, sizeof text, "public-key = %sA\n", pair.public_z85);
    s_file(path, f, "long.pub", text, 0644);
    s_expect_public_fails(path, -EBADMSG, 1, "got 41");

    /* A character outside the Z85 alphabet, at column 5 of the key. */
    snprintf(text, sizeof text, "public-key = %.4s~%s\n", pair.public_z85, pair.public_z85 + 5);
    s_file(path, f, "tilde.pub", text, 0644);
    s_expect_public_fails(path, -EBADMSG, 1, "character 5");
    snprintf(text, sizeof text, "public-key = %.4s %s\n", pair.public_z85, pair.public_z85 + 5);
    s_file(path, f, "space.pub", text, 0644);
    s_expect_public_fails(path, -EBADMSG, 1, "not Z85");

    /* Valid characters, but "#####" is 85^5 - 1 > 2^32 - 1. */
    s_file(path, f, "overflow.pub", "public-key = #####00000000000000000000000000000000000\n",
           0644);
    s_expect_public_fails(path, -EBADMSG, 1, "overflow");

    snprintf(text, sizeof text, "public-key = %s\npublic-key = %s\n", pair.public_z85,
             pair.public_z85);
    s_file(path, f, "twice.pub", text, 0644);
    s_expect_public_fails(path, -EBADMSG, 2, "twice");

    snprintf(text, sizeof text, "publickey = %s\n", pair.public_z85);
    s_file(path, f, "name.pub", text, 0644);
    s_expect_public_fails(path, -EBADMSG, 1, "unknown name");

    s_file(path, f, "noeq.pub", "public-key\n", 0644);
    s_expect_public_fails(path, -EBADMSG, 1, "expected");

    s_file(path, f, "empty.pub", "# only a comment\n\n", 0644);
    s_expect_public_fails(path, -EBADMSG, 0, "no public-key line");

    /* A secret key in a public file: refused, whoever wrote it. */
    snprintf(text, sizeof text, "public-key = %s\nsecret-key = %s\n", pair.public_z85,
             pair.secret_z85);
    s_file(path, f, "leak.pub", text, 0644);
    s_expect_public_fails(path, -EBADMSG, 2, "secret key in a public key file");

    s_path(path, f, "missing.pub");
    s_expect_public_fails(path, -ENOENT, 0, "no such file");

    s_expect_public_fails(f->dir, -EINVAL, 0, "not a regular file");

    static char big[5000];
    memset(big, '#', sizeof big - 1);
    s_file(path, f, "big.pub", big, 0644);
    s_expect_public_fails(path, -EFBIG, 0, NULL);

    s_path(path, f, "nul.pub");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_int_equal(write(fd, "public-key = \0", 14), 14);
    close(fd);
    s_expect_public_fails(path, -EBADMSG, 0, "NUL");
}

static void test_malformed_secret_files(void **state)
{
    fixture_t *f = *state;
    keys_pair_t pair;
    keys_pair_t other;
    s_pair(&pair);
    s_pair(&other);
    char path[PATH_MAX];
    char text[512];
    err_t e;
    keys_pair_t back;

    snprintf(text, sizeof text, "public-key = %s\nsecret-key = %s\n", pair.public_z85,
             pair.secret_z85);
    s_file(path, f, "open.key", text, 0644);
    err_init(&e);
    assert_int_equal(keys_read_secret(path, &back, &e), -EPERM);
    assert_non_null(strstr(e.text, path));
    assert_non_null(strstr(e.text, "chmod 600"));

    /* Two halves of different pairs. */
    snprintf(text, sizeof text, "public-key = %s\nsecret-key = %s\n", other.public_z85,
             pair.secret_z85);
    s_file(path, f, "mixed.key", text, 0600);
    err_init(&e);
    assert_int_equal(keys_read_secret(path, &back, &e), -EKEYREJECTED);
    assert_non_null(strstr(e.text, path));

    snprintf(text, sizeof text, "public-key = %s\n", pair.public_z85);
    s_file(path, f, "nosecret.key", text, 0600);
    err_init(&e);
    assert_int_equal(keys_read_secret(path, &back, &e), -EBADMSG);
    assert_non_null(strstr(e.text, "no secret-key line"));

    snprintf(text, sizeof text, "public-key = %s\nsecret-key = %.39s\n", pair.public_z85,
             pair.secret_z85);
    s_file(path, f, "shortsecret.key", text, 0600);
    err_init(&e);
    assert_int_equal(keys_read_secret(path, &back, &e), -EBADMSG);
    assert_non_null(strstr(e.text, ":2:"));
    /* The error must not quote the (partial) secret. */
    char secret_head[20];
    snprintf(secret_head, sizeof secret_head, "%.19s", pair.secret_z85);
    assert_null(strstr(e.text, secret_head));

    s_path(path, f, "missing.key");
    err_init(&e);
    assert_int_equal(keys_read_secret(path, &back, &e), -ENOENT);
    assert_non_null(strstr(e.text, path));
}

static void test_z85_check(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    /* The example key of zmq_z85_decode(3). */
    uint8_t bin[KEYS_BIN_LEN];
    assert_int_equal(keys_z85_check("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", bin, &e), 0);
    char back[KEYS_Z85_LEN + 1];
    zmq_z85_encode(back, bin, KEYS_BIN_LEN);
    assert_string_equal(back, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    assert_int_equal(keys_z85_check("", NULL, &e), -EBADMSG);
    assert_int_equal(keys_z85_check("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf", NULL, &e), -EBADMSG);
    assert_int_equal(keys_z85_check("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7x", NULL, &e),
                     -EBADMSG);
    assert_non_null(strstr(e.text, "more than 40"));
    assert_int_equal(keys_z85_check("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\"", NULL, &e),
                     -EBADMSG);
    assert_non_null(strstr(e.text, "character 40"));
}

static void test_load_authorized(void **state)
{
    fixture_t *f = *state;
    keys_pair_t a;
    keys_pair_t b;
    keys_pair_t stranger;
    s_pair(&a);
    s_pair(&b);
    s_pair(&stranger);
    err_t e;
    err_init(&e);
    char base[PATH_MAX];
    s_path(base, f, "b");
    assert_int_equal(keys_write(&b, base, false, &e), 0); /* b.key, b.pub */
    s_path(base, f, "a");
    assert_int_equal(keys_write(&a, base, false, &e), 0);
    char path[PATH_MAX];
    char text[128];
    snprintf(text, sizeof text, "public-key = %s\n", stranger.public_z85);
    s_file(path, f, "notes.txt", text, 0644);   /* not .pub: ignored */
    s_file(path, f, ".hidden.pub", text, 0644); /* hidden: ignored */
    snprintf(text, sizeof text, "public-key = %s\n", a.public_z85);
    s_file(path, f, "a-again.pub", text, 0644); /* a duplicate: listed once */

    keys_allow_t *allow = NULL;
    assert_int_equal(keys_load_authorized(f->dir, &allow, &e), 0);
    assert_non_null(allow);
    assert_int_equal(keys_allow_size(allow), 2);
    /* Name order: a-again.pub < a.pub < b.pub; a-again.pub holds a's key. */
    assert_string_equal(keys_allow_name(allow, 0), "a-again.pub");
    assert_string_equal(keys_allow_name(allow, 1), "b.pub");
    assert_null(keys_allow_name(allow, 2));

    uint8_t key[KEYS_BIN_LEN];
    zmq_z85_decode(key, a.public_z85);
    assert_int_equal(keys_allow_find(allow, key), 0);
    zmq_z85_decode(key, b.public_z85);
    assert_int_equal(keys_allow_find(allow, key), 1);
    zmq_z85_decode(key, stranger.public_z85);
    assert_int_equal(keys_allow_find(allow, key), -1);

    keys_allow_t *copy = keys_allow_dup(allow);
    keys_allow_destroy(&allow);
    assert_null(allow);
    keys_allow_destroy(&allow); /* accepts NULL */
    assert_int_equal(keys_allow_size(copy), 2);
    assert_string_equal(keys_allow_name(copy, 1), "b.pub");
    keys_allow_destroy(&copy);

    /* One bad file fails the whole load, naming it. */
    s_file(path, f, "c.pub", "public-key = tooshort\n", 0644);
    err_init(&e);
    allow = NULL;
    assert_int_equal(keys_load_authorized(f->dir, &allow, &e), -EBADMSG);
    assert_null(allow);
    assert_non_null(strstr(e.text, "c.pub:1:"));
}

static void test_load_authorized_refuses_empty_or_missing(void **state)
{
    fixture_t *f = *state;
    err_t e;
    err_init(&e);
    keys_allow_t *allow = NULL;
    assert_int_equal(keys_load_authorized(f->dir, &allow, &e), -ENOENT);
    assert_null(allow);
    assert_non_null(strstr(e.text, f->dir));
    assert_non_null(strstr(e.text, "no *.pub files"));

    char path[PATH_MAX];
    s_file(path, f, "only.key", "not a public key\n", 0600);
    err_init(&e);
    assert_int_equal(keys_load_authorized(f->dir, &allow, &e), -ENOENT);

    s_path(path, f, "missing");
    err_init(&e);
    assert_int_equal(keys_load_authorized(path, &allow, &e), -ENOENT);
    assert_non_null(strstr(e.text, "no such directory"));

    s_path(path, f, "only.key");
    err_init(&e);
    assert_int_equal(keys_load_authorized(path, &allow, &e), -ENOTDIR);
    assert_null(allow);
}

static void test_allow_add_caps(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    keys_allow_t *allow = keys_allow_new();
    assert_int_equal(keys_allow_add(allow, "not a key", "x.pub", &e), -EBADMSG);
    assert_non_null(strstr(e.text, "x.pub"));
    uint8_t key[KEYS_BIN_LEN] = { 0 };
    char z85[KEYS_Z85_LEN + 1];
    for (uint32_t i = 0; i < KEYS_ALLOW_MAX; i++) {
        memcpy(key, &i, sizeof i);
        zmq_z85_encode(z85, key, KEYS_BIN_LEN);
        assert_int_equal(keys_allow_add(allow, z85, "k.pub", &e), 0);
    }
    assert_int_equal(keys_allow_size(allow), KEYS_ALLOW_MAX);
    assert_int_equal(keys_allow_add(allow, z85, "k.pub", &e), 0); /* already there */
    uint32_t past = KEYS_ALLOW_MAX;
    memcpy(key, &past, sizeof past);
    zmq_z85_encode(z85, key, KEYS_BIN_LEN);
    assert_int_equal(keys_allow_add(allow, z85, "k.pub", &e), -E2BIG);
    keys_allow_destroy(&allow);
}

static void test_socket_options(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    keys_pair_t server;
    keys_pair_t client;
    s_pair(&server);
    s_pair(&client);
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_PULL);
    void *c = zmq_socket(ctx, ZMQ_PUSH);

    assert_int_equal(keys_curve_server(s, &server, &e), 0);
    int value = 0;
    size_t len = sizeof value;
    assert_int_equal(zmq_getsockopt(s, ZMQ_CURVE_SERVER, &value, &len), 0);
    assert_int_equal(value, 1);
    assert_int_equal(zmq_getsockopt(s, ZMQ_MECHANISM, &value, &len), 0);
    assert_int_equal(value, ZMQ_CURVE);
    char domain[16];
    len = sizeof domain;
    assert_int_equal(zmq_getsockopt(s, ZMQ_ZAP_DOMAIN, domain, &len), 0);
    assert_string_equal(domain, KEYS_ZAP_DOMAIN);

    assert_int_equal(keys_curve_client(c, &client, "not a key", &e), -EBADMSG);
    assert_non_null(strstr(e.text, "server public key"));
    err_init(&e);
    assert_int_equal(keys_curve_client(c, &client, server.public_z85, &e), 0);
    char z85[KEYS_Z85_LEN + 1];
    len = sizeof z85;
    assert_int_equal(zmq_getsockopt(c, ZMQ_CURVE_SERVERKEY, z85, &len), 0);
    assert_string_equal(z85, server.public_z85);
    len = sizeof z85;
    assert_int_equal(zmq_getsockopt(c, ZMQ_CURVE_PUBLICKEY, z85, &len), 0);
    assert_string_equal(z85, client.public_z85);

    keys_pair_t broken = server;
    broken.secret_z85[3] = '~';
    assert_int_equal(keys_curve_server(s, &broken, &e), -EBADMSG);

    zmq_close(s);
    zmq_close(c);
    zmq_ctx_term(ctx);
}

/* Runs mr-keygen with args (NULL-terminated) in dir; returns its exit status,
 * or -1 when MR_BUILD_DIR is not set (ctest sets it). */
static int s_keygen(const char *dir, const char *const *args)
{
    const char *build = getenv("MR_BUILD_DIR");
    if (!build)
        return -1;
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/bin/mr-keygen", build);
    char *argv[8] = { bin };
    for (int i = 0; args[i] && i < 6; i++)
        argv[i + 1] = (char *)args[i];
    /* fork and exec by hand: <spawn.h> is shadowed by master/spawn.h on
     * the tests' include path. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0 ||
            chdir(dir) < 0)
            _exit(127);
        execv(bin, argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_keygen_tool(void **state)
{
    fixture_t *f = *state;
    const char *const help[] = { "--help", NULL };
    if (s_keygen(f->dir, help) < 0)
        SKIP_BECAUSE("MR_BUILD_DIR is not set (ctest sets it): no mr-keygen to run");
    assert_int_equal(s_keygen(f->dir, help), 0);
    const char *const none[] = { NULL };
    assert_int_equal(s_keygen(f->dir, none), 2);
    const char *const bad[] = { "--bogus", "x", NULL };
    assert_int_equal(s_keygen(f->dir, bad), 2);
    assert_int_equal(s_count_entries(f->dir), 0);

    const char *const make[] = { "node", NULL };
    assert_int_equal(s_keygen(f->dir, make), 0);
    assert_int_equal(s_count_entries(f->dir), 2);
    char key_path[PATH_MAX];
    char pub_path[PATH_MAX];
    s_path(key_path, f, "node.key");
    s_path(pub_path, f, "node.pub");
    assert_int_equal(s_mode(key_path), 0600);
    assert_int_equal(s_mode(pub_path), 0644);
    err_t e;
    err_init(&e);
    keys_pair_t first;
    assert_int_equal(keys_read_secret(key_path, &first, &e), 0);

    assert_int_equal(s_keygen(f->dir, make), 1); /* exists: refused, unchanged */
    keys_pair_t now;
    assert_int_equal(keys_read_secret(key_path, &now, &e), 0);
    assert_string_equal(now.secret_z85, first.secret_z85);

    const char *const force[] = { "-f", "node", NULL };
    assert_int_equal(s_keygen(f->dir, force), 0);
    assert_int_equal(keys_read_secret(key_path, &now, &e), 0);
    assert_string_not_equal(now.secret_z85, first.secret_z85);
    char pub[KEYS_Z85_LEN + 1];
    assert_int_equal(keys_read_public(pub_path, pub, &e), 0);
    assert_string_equal(pub, now.public_z85);
    assert_int_equal(s_count_entries(f->dir), 2);

    const char *const nodir[] = { "no/such/dir/node", NULL };
    assert_int_equal(s_keygen(f->dir, nodir), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_write_refuses_overwrite, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_format_tolerates_comments_and_blanks, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_files, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_malformed_secret_files, s_setup, s_teardown),
        cmocka_unit_test(test_z85_check),
        cmocka_unit_test_setup_teardown(test_load_authorized, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_load_authorized_refuses_empty_or_missing, s_setup,
                                        s_teardown),
        cmocka_unit_test(test_allow_add_caps),
        cmocka_unit_test(test_socket_options),
        cmocka_unit_test_setup_teardown(test_keygen_tool, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
