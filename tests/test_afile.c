/*
 * test_afile.c - tests proto/util/afile.c: every file mr writes for a user is
 * written whole or not at all, never through a file it did not create.
 *
 * Each test works in a fresh directory.  Checked: a new file and a
 * replaced one (its mode kept), nothing visible before commit and nothing
 * left after destroy, an unrelated NAME.tmp and a link planted there left
 * alone, symbolic links written through (the link stays a link), a
 * 255-byte name, devices and descriptors written directly, directories and
 * missing directories refused, AFILE_NO_REPLACE, exact modes whatever the
 * umask, another process writing the temporary file, and afile_id telling
 * when two names are one file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "afile.h"
#include "tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    return tmpdir_make(s_dir, sizeof s_dir, "afile");
}

static int s_teardown(void **state)
{
    (void)state;
    return tmpdir_remove(s_dir);
}

static void s_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

/* A fresh subdirectory per test, so entry counts are the test's own. */
static void s_fresh(char *dir, size_t cap, const char *name)
{
    s_join(dir, cap, s_dir, name);
    assert_int_equal(mkdir(dir, 0700), 0);
}

static void s_put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* The file's contents (at most 255 bytes), "" when it cannot be read. */
static const char *s_get(const char *path)
{
    static char buf[256];
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int s_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

static mode_t s_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* The usage example: open, write, commit; the file appears whole, with a
 * new file's mode, and nothing else is left in the directory. */
static void test_usage(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    s_fresh(dir, sizeof dir, "usage");
    s_join(path, sizeof path, dir, "out.json");
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(path, "--stats", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_true(afile_replaces(f));
    FILE *s = afile_stream(f, &e);
    assert_non_null(s);
    fputs("{}\n", s);
    /* Not there until committed: only the temporary file, beside it. */
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(s_entries(dir), 1);
    const char *tmp = afile_write_path(f);
    assert_non_null(strstr(tmp, "/.out.json.mr-"));
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_null(f);
    assert_string_equal(s_get(path), "{}\n");
    assert_int_equal(s_entries(dir), 1);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(s_mode(path), 0666 & ~mask);
}

/* An old file stays whole until commit, keeps its mode, and survives a
 * destroy untouched. */
static void test_replace_keeps_old_until_commit(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    s_fresh(dir, sizeof dir, "replace");
    s_join(path, sizeof path, dir, "out.txt");
    s_put(path, "old\n");
    assert_int_equal(chmod(path, 0640), 0);
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(path, "output", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    int fd = afile_fd(f, &e);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "new\n", 4), 4);
    assert_string_equal(s_get(path), "old\n");
    afile_destroy(&f);
    assert_null(f);
    assert_string_equal(s_get(path), "old\n");
    assert_int_equal(s_entries(dir), 1);

    f = afile_open(path, "output", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    fputs("new\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_string_equal(s_get(path), "new\n");
    assert_int_equal(s_mode(path), 0640);
    assert_int_equal(s_entries(dir), 1);

    /* A read-only old file: the temporary file stays writable (another
     * process opens it by name) until the commit gives it the old mode. */
    assert_int_equal(chmod(path, 0444), 0);
    f = afile_open(path, "output", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_int_equal(s_mode(afile_write_path(f)), 0600);
    fputs("newer\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_string_equal(s_get(path), "newer\n");
    assert_int_equal(s_mode(path), 0444);
}

/* The old writers used a fixed NAME.tmp: an unrelated file of that name,
 * and a link planted there, must both be left alone. */
static void test_unrelated_tmp_untouched(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], victim[PATH_MAX], planted[PATH_MAX];
    s_fresh(dir, sizeof dir, "tmp");
    s_join(path, sizeof path, dir, "stats.json");
    s_join(tmp, sizeof tmp, dir, "stats.json.tmp");
    s_join(victim, sizeof victim, dir, "victim");
    s_join(planted, sizeof planted, dir, "timeline.svg.tmp");
    s_put(tmp, "mine\n");
    s_put(victim, "precious\n");
    assert_int_equal(symlink(victim, planted), 0);
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(path, NULL, 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    fputs("{}\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    s_join(path, sizeof path, dir, "timeline.svg");
    f = afile_open(path, NULL, 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    fputs("<svg/>\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_string_equal(s_get(tmp), "mine\n");
    assert_string_equal(s_get(victim), "precious\n");
    assert_string_equal(s_get(path), "<svg/>\n");
}

/* A symbolic link is written through: its final target gets the new
 * contents (a chain of links, a relative link, a dangling one), and each
 * link stays a link. */
static void test_symlink_written_through(void **state)
{
    (void)state;
    char dir[PATH_MAX], sub[PATH_MAX], real[PATH_MAX], mid[PATH_MAX], link[PATH_MAX];
    s_fresh(dir, sizeof dir, "links");
    s_join(sub, sizeof sub, dir, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    s_join(real, sizeof real, sub, "real.txt");
    s_join(mid, sizeof mid, sub, "mid");
    s_join(link, sizeof link, dir, "out.txt");
    s_put(real, "old\n");
    assert_int_equal(symlink("real.txt", mid), 0); /* relative to sub/ */
    assert_int_equal(symlink(mid, link), 0);
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(link, "output", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_non_null(strstr(afile_write_path(f), "/sub/.real.txt.mr-"));
    fputs("new\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(lstat(mid, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(s_get(real), "new\n");

    /* A dangling link: its target is created. */
    char dangling[PATH_MAX], made[PATH_MAX];
    s_join(dangling, sizeof dangling, dir, "dangling");
    s_join(made, sizeof made, sub, "made.txt");
    assert_int_equal(symlink(made, dangling), 0);
    f = afile_open(dangling, NULL, 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    fputs("made\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_int_equal(lstat(dangling, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(s_get(made), "made\n");

    /* A loop of links is an error, not a hang. */
    char a[PATH_MAX], b[PATH_MAX];
    s_join(a, sizeof a, dir, "loop-a");
    s_join(b, sizeof b, dir, "loop-b");
    assert_int_equal(symlink(b, a), 0);
    assert_int_equal(symlink(a, b), 0);
    err_init(&e);
    assert_null(afile_open(a, NULL, 0, AFILE_MODE_DEFAULT, &e));
    assert_int_equal(e.code, -ELOOP);
}

/* Names up to NAME_MAX work: the temporary file's name is cut instead. */
static void test_long_name(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX], name[NAME_MAX + 1];
    s_fresh(dir, sizeof dir, "long");
    for (size_t len = 244; len <= NAME_MAX; len++) {
        memset(name, 'n', len);
        name[len] = '\0';
        s_join(path, sizeof path, dir, name);
        err_t e;
        err_init(&e);
        afile_t *f = afile_open(path, "output", 0, AFILE_MODE_DEFAULT, &e);
        assert_non_null(f);
        fputs("x\n", afile_stream(f, &e));
        assert_int_equal(afile_commit(&f, &e), 0);
        assert_string_equal(s_get(path), "x\n");
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(s_entries(dir), 0);
}

/* Devices are written in place, and their errors reported: /dev/full's
 * ENOSPC surfaces at commit, naming the file, even through a link. */
static void test_devices_written_directly(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    afile_t *f = afile_open("/dev/null", "output", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_false(afile_replaces(f));
    assert_string_equal(afile_write_path(f), "/dev/null");
    fputs("gone\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);

    char dir[PATH_MAX], link[PATH_MAX];
    s_fresh(dir, sizeof dir, "devices");
    s_join(link, sizeof link, dir, "full.svg");
    if (access("/dev/full", W_OK) < 0)
        return;
    assert_int_equal(symlink("/dev/full", link), 0);
    f = afile_open(link, "timeline", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_false(afile_replaces(f));
    fputs("<svg/>\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), -ENOSPC);
    assert_non_null(strstr(e.text, "timeline"));
    assert_non_null(strstr(e.text, link));
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(s_entries(dir), 1);
}

/* A pipe is not opened by afile_open (that would block until a reader
 * comes), and is written in place. */
static void test_fifo_opened_when_written(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    s_fresh(dir, sizeof dir, "fifo");
    s_join(path, sizeof path, dir, "pipe");
    assert_int_equal(mkfifo(path, 0600), 0);
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(path, NULL, 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_false(afile_replaces(f));
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    fputs("through\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    char buf[16] = { 0 };
    assert_int_equal(read(rd, buf, sizeof buf), 8);
    assert_string_equal(buf, "through\n");
    close(rd);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
}

/* "-", /dev/stdout and the /dev/fd names are descriptors we hold: written
 * through a duplicate, never reopened (no truncation), never replaced. */
static void test_descriptors_written_directly(void **state)
{
    (void)state;
    assert_int_equal(afile_alias("-"), 1);
    assert_int_equal(afile_alias("/dev/stdout"), 1);
    assert_int_equal(afile_alias("/dev/stderr"), 2);
    assert_int_equal(afile_alias("/dev/fd/7"), 7);
    assert_int_equal(afile_alias("/proc/self/fd/12"), 12);
    assert_int_equal(afile_alias("/dev/fd/x"), -1);
    assert_int_equal(afile_alias("out.txt"), -1);
    assert_int_equal(afile_alias("./-"), -1);

    char dir[PATH_MAX], path[PATH_MAX], name[64], link[PATH_MAX];
    s_fresh(dir, sizeof dir, "fds");
    s_join(path, sizeof path, dir, "redirected");
    s_put(path, "before\n");
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    snprintf(name, sizeof name, "/dev/fd/%d", fd);
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(name, "--stats", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_false(afile_replaces(f));
    assert_string_equal(afile_write_path(f), name);
    fputs("after\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    /* Through a link to it, too. */
    s_join(link, sizeof link, dir, "link");
    assert_int_equal(symlink(name, link), 0);
    f = afile_open(link, NULL, 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_string_equal(afile_write_path(f), name);
    fputs("again\n", afile_stream(f, &e));
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_int_equal(fcntl(fd, F_GETFD), 0); /* ours is still open */
    close(fd);
    assert_string_equal(s_get(path), "before\nafter\nagain\n");
    assert_int_equal(s_entries(dir), 2);

    f = afile_open("-", "output", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    assert_string_equal(afile_write_path(f), "-");
    afile_destroy(&f);
    assert_int_equal(fcntl(STDOUT_FILENO, F_GETFD), 0);
}

/* A directory, and a file in a directory that does not exist, are refused
 * with the label and the path in the message, leaving nothing. */
static void test_refusals_name_the_file(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    s_fresh(dir, sizeof dir, "refuse");
    err_t e;
    err_init(&e);
    assert_null(afile_open(dir, "output", 0, AFILE_MODE_DEFAULT, &e));
    assert_int_equal(e.code, -EISDIR);
    assert_non_null(strstr(e.text, "output "));
    assert_non_null(strstr(e.text, dir));
    s_join(path, sizeof path, dir, "no/such/dir/x.svg");
    err_init(&e);
    assert_null(afile_open(path, "timeline", 0, AFILE_MODE_DEFAULT, &e));
    assert_int_equal(e.code, -ENOENT);
    assert_non_null(strstr(e.text, "timeline "));
    assert_non_null(strstr(e.text, path));
    assert_int_equal(s_entries(dir), 0);
}

/* AFILE_NO_REPLACE: an existing file is kept and the commit says so; the
 * exact mode is set whatever the umask. */
static void test_no_replace_and_exact_mode(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    s_fresh(dir, sizeof dir, "noreplace");
    s_join(path, sizeof path, dir, "k.pub");
    mode_t old = umask(077);
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(path, NULL, AFILE_NO_REPLACE, 0644, &e);
    assert_non_null(f);
    assert_int_equal(write(afile_fd(f, &e), "one\n", 4), 4);
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_int_equal(s_mode(path), 0644);
    f = afile_open(path, NULL, AFILE_NO_REPLACE, 0644, &e);
    assert_non_null(f);
    assert_int_equal(write(afile_fd(f, &e), "two\n", 4), 4);
    assert_int_equal(afile_commit(&f, &e), -EEXIST);
    assert_non_null(strstr(e.text, path));
    assert_string_equal(s_get(path), "one\n");
    assert_int_equal(s_entries(dir), 1);
    umask(old);
}

/* Another process writes the temporary file by name (mr-reducer writing
 * -o); the commit publishes what it wrote. */
static void test_other_process_writes(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    s_fresh(dir, sizeof dir, "child");
    s_join(path, sizeof path, dir, "out.txt");
    err_t e;
    err_init(&e);
    afile_t *f = afile_open(path, "output", 0, AFILE_MODE_DEFAULT, &e);
    assert_non_null(f);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(afile_write_path(f), O_WRONLY | O_TRUNC);
        _exit(fd >= 0 && write(fd, "child\n", 6) == 6 && close(fd) == 0 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(afile_commit(&f, &e), 0);
    assert_string_equal(s_get(path), "child\n");
    assert_int_equal(s_entries(dir), 1);
}

/* afile_id: one file under two names (a hard link, a symbolic link,
 * "./x"), one new name spelled two ways; devices never count. */
static void test_id_same_file(void **state)
{
    (void)state;
    char dir[PATH_MAX], a[PATH_MAX], hard[PATH_MAX], soft[PATH_MAX], dotted[PATH_MAX];
    char fresh[PATH_MAX], fresh2[PATH_MAX], other[PATH_MAX];
    s_fresh(dir, sizeof dir, "ids");
    s_join(a, sizeof a, dir, "a");
    s_join(hard, sizeof hard, dir, "hard");
    s_join(soft, sizeof soft, dir, "soft");
    s_join(dotted, sizeof dotted, dir, "./a");
    s_join(fresh, sizeof fresh, dir, "new");
    s_join(fresh2, sizeof fresh2, dir, "./sub/../new");
    s_join(other, sizeof other, dir, "other");
    char sub[PATH_MAX];
    s_join(sub, sizeof sub, dir, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    s_put(a, "a\n");
    assert_int_equal(link(a, hard), 0);
    assert_int_equal(symlink("a", soft), 0);
    afile_id_t ia, ih, is, id, in, in2, io, inp, inull, inull2;
    assert_int_equal(afile_id(a, &ia), 0);
    assert_int_equal(afile_id(hard, &ih), 0);
    assert_int_equal(afile_id(soft, &is), 0);
    assert_int_equal(afile_id(dotted, &id), 0);
    assert_int_equal(afile_id(fresh, &in), 0);
    assert_int_equal(afile_id(fresh2, &in2), 0);
    assert_int_equal(afile_id(other, &io), 0);
    assert_int_equal(afile_id_input(soft, &inp), 0);
    assert_true(afile_id_same(&ia, &ih));
    assert_true(afile_id_same(&ia, &is));
    assert_true(afile_id_same(&ia, &id));
    assert_true(afile_id_same(&inp, &ia));
    assert_true(afile_id_same(&in, &in2));
    assert_false(afile_id_same(&in, &io));
    assert_false(afile_id_same(&ia, &in));
    assert_int_equal(afile_id("/dev/null", &inull), 0);
    assert_int_equal(afile_id("-", &inull2), 0);
    assert_true(inull.direct && inull2.direct);
    assert_false(afile_id_same(&inull, &inull));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_replace_keeps_old_until_commit),
        cmocka_unit_test(test_unrelated_tmp_untouched),
        cmocka_unit_test(test_symlink_written_through),
        cmocka_unit_test(test_long_name),
        cmocka_unit_test(test_devices_written_directly),
        cmocka_unit_test(test_fifo_opened_when_written),
        cmocka_unit_test(test_descriptors_written_directly),
        cmocka_unit_test(test_refusals_name_the_file),
        cmocka_unit_test(test_no_replace_and_exact_mode),
        cmocka_unit_test(test_other_process_writes),
        cmocka_unit_test(test_id_same_file),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
