/*
 * test_args.c - tests master/args.c, mr-run's command line: every flag in
 * its short and long form, defaults, size suffixes, and the errors for bad
 * values, unknown flags, missing values and flags that exclude each other.
 */
#include "args.h"
#include "plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Parses mr-run's arguments given as a list of string literals. */
#define PARSE(a, e, ...) s_parse((a), (e), (char *[]){ "mr-run", __VA_ARGS__, NULL })

static int s_parse(args_t *a, err_t *e, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    err_init(e);
    return args_parse(a, argc, argv, e);
}

/* Parses and expects -EINVAL with every needle in the message. */
static void s_expect_error(char **argv, const char *needle)
{
    args_t a;
    err_t e;
    int rc = s_parse(&a, &e, argv);
    args_fini(&a); /* first, so that a failed check leaks nothing */
    assert_int_equal(rc, -EINVAL);
    assert_int_equal(e.code, -EINVAL);
    assert_true(strlen(e.text) > 0);
    if (needle && !strstr(e.text, needle))
        fail_msg("error '%s' does not mention '%s'", e.text, needle);
}

#define EXPECT_ERROR(needle, ...) \
    s_expect_error((char *[]){ "mr-run", __VA_ARGS__, NULL }, (needle))

/* Runs args_parse with stdout sent to a file in a temporary directory;
 * returns what it printed (malloc'd) and the return code in *rc. */
static char *s_parse_capturing_stdout(char **argv, int *rc)
{
    char dir[] = "/tmp/mr-test-args-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/stdout", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDOUT_FILENO) >= 0);
    args_t a;
    err_t e;
    *rc = s_parse(&a, &e, argv);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    args_fini(&a);
    off_t size = lseek(fd, 0, SEEK_END);
    assert_true(size >= 0);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(fd, text, (size_t)size, 0), size);
    close(fd);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    return text;
}

/* 1. The usage example: a mapper and one input; everything else defaults. */
static void test_usage(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-m", "wordcount.so", "words.txt"), 0);
    assert_int_equal(e.code, 0);
    assert_string_equal(a.mapper, "wordcount.so");
    assert_int_equal(a.n_inputs, 1);
    assert_string_equal(a.inputs[0], "words.txt");
    assert_null(a.reducer);
    assert_null(a.output);
    assert_null(a.arg);
    assert_null(a.stats);
    assert_false(a.mode_set); /* decided later, from the plugins */
    assert_false(a.sort);
    assert_false(a.quiet);
    assert_int_equal(a.chunk_size, 1u << 20);
    assert_int_equal(a.delim, '\n');
    assert_int_equal(a.max_attempts, 4);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(a.jobs, cpus > 0 ? (unsigned)cpus : 1u);
    args_fini(&a);
    assert_null(a.inputs);
}

static void test_default_input_is_stdin(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-m", "x.so"), 0);
    assert_int_equal(a.n_inputs, 1);
    assert_string_equal(a.inputs[0], "-");
    args_fini(&a);
}

static void test_short_flags(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-m", "map.so", "-r", "red.so", "-i", "in1", "-o", "out.txt",
                           "-j", "3", "-0", "-q", "-i", "in2", "in3"),
                     0);
    assert_string_equal(a.mapper, "map.so");
    assert_string_equal(a.reducer, "red.so");
    assert_string_equal(a.output, "out.txt");
    assert_int_equal(a.jobs, 3);
    assert_int_equal(a.delim, '\0');
    assert_true(a.quiet);
    /* -i inputs first in order, then the operands. */
    assert_int_equal(a.n_inputs, 3);
    assert_string_equal(a.inputs[0], "in1");
    assert_string_equal(a.inputs[1], "in2");
    assert_string_equal(a.inputs[2], "in3");
    args_fini(&a);

    /* Grouped short flags and attached values. */
    assert_int_equal(PARSE(&a, &e, "-q0", "-mmap.so", "-j7"), 0);
    assert_true(a.quiet);
    assert_int_equal(a.delim, '\0');
    assert_string_equal(a.mapper, "map.so");
    assert_int_equal(a.jobs, 7);
    args_fini(&a);
}

static void test_long_flags(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "--mapper", "map.so", "--reducer=red.so", "--input", "a",
                           "--output=o", "--jobs", "1024", "--sort", "--chunk-size", "64k",
                           "--null", "--arg", "needle", "--stats=s.json", "--max-attempts", "1000",
                           "--quiet", "b"),
                     0);
    assert_string_equal(a.mapper, "map.so");
    assert_string_equal(a.reducer, "red.so");
    assert_string_equal(a.output, "o");
    assert_int_equal(a.jobs, 1024);
    assert_true(a.sort);
    assert_false(a.mode_set); /* decided later, from the plugins */
    assert_int_equal(a.chunk_size, 64 * 1024);
    assert_int_equal(a.delim, '\0');
    assert_string_equal(a.arg, "needle");
    assert_string_equal(a.stats, "s.json");
    assert_int_equal(a.max_attempts, 1000);
    assert_true(a.quiet);
    assert_int_equal(a.n_inputs, 2);
    assert_string_equal(a.inputs[0], "a");
    assert_string_equal(a.inputs[1], "b");
    args_fini(&a);

    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--ordered"), 0);
    assert_true(a.mode_set);
    assert_int_equal(a.mode, PROTO_MODE_ORDERED);
    args_fini(&a);
    assert_int_equal(PARSE(&a, &e, "--unordered", "-m", "x.so"), 0);
    assert_true(a.mode_set);
    assert_int_equal(a.mode, PROTO_MODE_UNORDERED);
    args_fini(&a);

    /* An empty --arg is a value, not an absence. */
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--arg", ""), 0);
    assert_non_null(a.arg);
    assert_string_equal(a.arg, "");
    args_fini(&a);

    /* "--" ends the options: a file may be named like a flag. */
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--", "-q"), 0);
    assert_false(a.quiet);
    assert_int_equal(a.n_inputs, 1);
    assert_string_equal(a.inputs[0], "-q");
    args_fini(&a);
}

static void test_help_and_version(void **state)
{
    (void)state;
    int rc = 0;
    char *text = s_parse_capturing_stdout((char *[]){ "mr-run", "--help", NULL }, &rc);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(text, "usage: mr-run"));
    free(text);

    text = s_parse_capturing_stdout((char *[]){ "mr-run", "-h", NULL }, &rc);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(text, "usage: mr-run"));
    free(text);

    /* --help wins over a missing -m. */
    text = s_parse_capturing_stdout((char *[]){ "mr-run", "--version", NULL }, &rc);
    assert_int_equal(rc, 1);
    char want[64];
    snprintf(want, sizeof want, "mr-run %s (plugin ABI %d to %d)\n", MR_VERSION_STRING,
             PLUGIN_ABI_OLDEST, MR_ABI_VERSION);
    assert_string_equal(text, want);
    free(text);
}

/* The usage text documents every flag that args_parse accepts. */
static void test_usage_lists_every_flag(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    args_usage(f);
    assert_int_equal(fclose(f), 0);
    assert_true(size > 0);
    const char *flags[] = { "-m, --mapper",   "-r, --reducer", "-i, --input", "-o, --output",
                            "-j, --jobs",     "--ordered",     "--unordered", "--sort",
                            "--chunk-size",   "-0, --null",    "--arg",       "--stats",
                            "--max-attempts", "-q, --quiet",   "-h, --help",  "--version" };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (!strstr(text, flags[i]))
            fail_msg("usage does not mention %s", flags[i]);
    free(text);
}

static void test_parse_size(void **state)
{
    (void)state;
    size_t v = 12345;
    assert_int_equal(args_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(args_parse_size("512", &v), 0);
    assert_int_equal(v, 512);
    assert_int_equal(args_parse_size("4k", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(args_parse_size("4K", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(args_parse_size("3M", &v), 0);
    assert_int_equal(v, (size_t)3 << 20);
    assert_int_equal(args_parse_size("2m", &v), 0);
    assert_int_equal(v, (size_t)2 << 20);
    assert_int_equal(args_parse_size("1G", &v), 0);
    assert_int_equal(v, (size_t)1 << 30);
    assert_int_equal(args_parse_size("5g", &v), 0);
    assert_int_equal(v, (size_t)5 << 30);

    v = 777;
    const char *bad[] = { "", "k", "-1", "+1", " 1", "1x", "1kb", "1.5k", "1 k", "0x10" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (args_parse_size(bad[i], &v) != -EINVAL)
            fail_msg("args_parse_size(\"%s\") did not fail with -EINVAL", bad[i]);
        assert_int_equal(v, 777); /* untouched on failure */
    }
    assert_int_equal(args_parse_size(NULL, &v), -EINVAL);
    assert_int_equal(args_parse_size("99999999999999999999", &v), -ERANGE);
    assert_int_equal(args_parse_size("17179869184G", &v), -ERANGE); /* 2^64 */
    assert_int_equal(args_parse_size("18014398509481984k", &v), -ERANGE);
    assert_int_equal(v, 777);
}

static void test_chunk_size_flag(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--chunk-size", "1"), 0);
    assert_int_equal(a.chunk_size, 1);
    args_fini(&a);
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--chunk-size=2M"), 0);
    assert_int_equal(a.chunk_size, (size_t)2 << 20);
    args_fini(&a);
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--chunk-size", "1G"), 0);
    assert_int_equal(a.chunk_size, (size_t)1 << 30);
    args_fini(&a);

    EXPECT_ERROR("--chunk-size", "-m", "x.so", "--chunk-size", "0");
    EXPECT_ERROR("'0k'", "-m", "x.so", "--chunk-size", "0k");
    EXPECT_ERROR("'2G'", "-m", "x.so", "--chunk-size", "2G");
    EXPECT_ERROR("'1025M'", "-m", "x.so", "--chunk-size", "1025M");
    EXPECT_ERROR("'ten'", "-m", "x.so", "--chunk-size", "ten");
    EXPECT_ERROR("'-5'", "-m", "x.so", "--chunk-size=-5");
}

static void test_bad_numbers(void **state)
{
    (void)state;
    EXPECT_ERROR("-j", "-m", "x.so", "-j", "0");
    EXPECT_ERROR("'0'", "-m", "x.so", "--jobs", "0");
    EXPECT_ERROR("'1025'", "-m", "x.so", "-j", "1025");
    EXPECT_ERROR("'-1'", "-m", "x.so", "-j", "-1");
    EXPECT_ERROR("'2x'", "-m", "x.so", "-j", "2x");
    EXPECT_ERROR("'99999999999999999999'", "-m", "x.so", "-j", "99999999999999999999");
    EXPECT_ERROR("--max-attempts", "-m", "x.so", "--max-attempts", "0");
    EXPECT_ERROR("'1001'", "-m", "x.so", "--max-attempts", "1001");
    EXPECT_ERROR("'many'", "-m", "x.so", "--max-attempts", "many");
}

static void test_unknown_flags(void **state)
{
    (void)state;
    EXPECT_ERROR("--bogus", "-m", "x.so", "--bogus");
    EXPECT_ERROR("-x", "-m", "x.so", "-x");
    EXPECT_ERROR("--bogus", "--bogus=3", "-m", "x.so");
    /* A flag that takes no value, given one. */
    EXPECT_ERROR("--sort", "-m", "x.so", "--sort=yes");
}

/* An unknown letter at the front of a group of short flags: the message
 * must name it, not some other argument. */
static void test_unknown_flag_in_group(void **state)
{
    (void)state;
    EXPECT_ERROR("Z", "-m", "x.so", "-qZ");
    EXPECT_ERROR("Z", "-Zq", "-m", "x.so");
}

static void test_missing_values(void **state)
{
    (void)state;
    EXPECT_ERROR("-m", "-m");
    EXPECT_ERROR("--mapper", "--mapper");
    EXPECT_ERROR("-j", "-m", "x.so", "-j");
    EXPECT_ERROR("-o", "-m", "x.so", "-o");
    EXPECT_ERROR("-r", "-m", "x.so", "-r");
    EXPECT_ERROR("-i", "-m", "x.so", "-i");
    EXPECT_ERROR("--chunk-size", "-m", "x.so", "--chunk-size");
    EXPECT_ERROR("--arg", "-m", "x.so", "--arg");
    EXPECT_ERROR("--stats", "-m", "x.so", "--stats");
    EXPECT_ERROR("--max-attempts", "-m", "x.so", "--max-attempts");
}

static void test_exclusive_flags(void **state)
{
    (void)state;
    EXPECT_ERROR("--ordered", "-m", "x.so", "--ordered", "--unordered");
    EXPECT_ERROR("--unordered", "-m", "x.so", "--unordered", "--ordered");
    EXPECT_ERROR("--sort", "-m", "x.so", "--sort", "--ordered");
    EXPECT_ERROR("--ordered", "-m", "x.so", "--ordered", "--sort");
    EXPECT_ERROR("--unordered", "-m", "x.so", "--unordered", "--sort");
    EXPECT_ERROR("-r", "-m", "x.so", "-r", "y.so", "--ordered");
    EXPECT_ERROR("-r", "-m", "x.so", "-r", "y.so", "--unordered");
}

/* --listen without keys needs --insecure on every address: loopback is
 * reachable by every local user. */
static void test_listen_needs_keys_or_insecure(void **state)
{
    (void)state;
    EXPECT_ERROR("--insecure", "-m", "x.so", "--listen", "tcp://127.0.0.1:7070");
    EXPECT_ERROR("--insecure", "-m", "x.so", "--listen", "tcp://[::1]:7070");
    EXPECT_ERROR("--insecure", "-m", "x.so", "--listen", "tcp://localhost:7070");
    EXPECT_ERROR("--insecure", "-m", "x.so", "--listen", "tcp://0.0.0.0:7070");
    /* One form of endpoint (transport_endpoint_host): a port is needed. */
    EXPECT_ERROR("expected tcp://HOST:PORT", "-m", "x.so", "--listen", "tcp://127.0.0.1",
                 "--insecure");
    EXPECT_ERROR("expected tcp://HOST:PORT", "-m", "x.so", "--listen", "tcp://:7070", "--insecure");
    EXPECT_ERROR("expected tcp://HOST:PORT", "-m", "x.so", "--listen", "tcp://h:70000",
                 "--insecure");
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--listen", "tcp://127.0.0.1:7070", "--insecure"),
                     0);
    args_fini(&a);
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--listen", "tcp://[::1]:7070", "--server-key",
                           "k.key", "--authorized-keys", "keys"),
                     0);
    args_fini(&a);
}

/* --task-timeout has a floor a scheduler can honour. */
static void test_task_timeout_range(void **state)
{
    (void)state;
    EXPECT_ERROR("--task-timeout", "-m", "x.so", "--task-timeout", "1e-300");
    EXPECT_ERROR("--task-timeout", "-m", "x.so", "--task-timeout", "0.05");
    EXPECT_ERROR("--task-timeout", "-m", "x.so", "--task-timeout", "nan");
    EXPECT_ERROR("--task-timeout", "-m", "x.so", "--task-timeout", "1e9");
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--task-timeout", "0.1"), 0);
    args_fini(&a);
}

static void test_missing_mapper(void **state)
{
    (void)state;
    EXPECT_ERROR("-m", "in.txt");
    EXPECT_ERROR("mapper", "-r", "red.so", "-j", "2");
    EXPECT_ERROR("-m", "-q");
}

/* args_parse resets getopt itself: a parse that stopped in the middle of a
 * group of short flags must not leak into the next parse. */
static void test_parse_again_after_error(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    int rc = PARSE(&a, &e, "-Zq", "-m", "bad.so");
    args_fini(&a);
    assert_int_equal(rc, -EINVAL);

    rc = PARSE(&a, &e, "-m", "good.so", "in.txt");
    /* Copied out so that args_fini can come before the checks. */
    bool quiet = a.quiet;
    const char *mapper = a.mapper;
    size_t n_inputs = a.n_inputs;
    const char *input = a.n_inputs ? a.inputs[0] : NULL;
    args_fini(&a);
    if (rc != 0)
        fail_msg("second parse failed: %s", e.text);
    assert_false(quiet);
    assert_non_null(mapper);
    assert_string_equal(mapper, "good.so");
    assert_int_equal(n_inputs, 1);
    assert_string_equal(input, "in.txt");

    /* The same after --help stopped early inside a group. */
    char *text = s_parse_capturing_stdout((char *[]){ "mr-run", "-h0", "-m", "x.so", NULL }, &rc);
    free(text);
    assert_int_equal(rc, 1);
    rc = PARSE(&a, &e, "-m", "good.so");
    char delim = a.delim;
    mapper = a.mapper;
    args_fini(&a);
    if (rc != 0)
        fail_msg("parse after --help failed: %s", e.text);
    assert_int_equal(delim, '\n');
    assert_string_equal(mapper, "good.so");
}

/* -R, --tmpdir and --memory: ranges, and -R > 1 only for key-grouped
 * output. */
static void test_reducers_tmpdir_memory(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "f"), 0);
    assert_int_equal(a.reducers, 0); /* the default, resolved by main */
    assert_null(a.tmpdir);
    assert_false(a.memory_set);
    args_fini(&a);
    assert_int_equal(
        PARSE(&a, &e, "-m", "x.so", "-R", "4", "--tmpdir", "/var/tmp", "--memory", "256M", "f"), 0);
    assert_int_equal(a.reducers, 4);
    assert_string_equal(a.tmpdir, "/var/tmp");
    assert_true(a.memory_set);
    assert_int_equal(a.memory, (size_t)256 << 20);
    args_fini(&a);
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "--reducers", "64", "f"), 0);
    assert_int_equal(a.reducers, 64);
    args_fini(&a);
    EXPECT_ERROR("-R", "-m", "x.so", "-R", "0");
    EXPECT_ERROR("-R", "-m", "x.so", "-R", "65");
    EXPECT_ERROR("-R", "-m", "x.so", "-R", "two");
    EXPECT_ERROR("key-grouped", "-m", "x.so", "-R", "2", "--ordered");
    EXPECT_ERROR("key-grouped", "-m", "x.so", "--unordered", "-R", "3");
    EXPECT_ERROR("--memory", "-m", "x.so", "--memory", "100k");
    EXPECT_ERROR("--memory", "-m", "x.so", "--memory", "lots");
    EXPECT_ERROR("--tmpdir", "-m", "x.so", "--tmpdir", "");
    /* -R 1 is one reducer, whatever the mode. */
    assert_int_equal(PARSE(&a, &e, "-m", "x.so", "-R", "1", "--ordered"), 0);
    args_fini(&a);
    assert_true(args_default_memory() >= ((uint64_t)1 << 20));
}

/* args_check_files: an output flag naming an input or another output is
 * refused, whatever the spelling (a link, "./"), naming both flags; outputs
 * that are devices or stdout may be shared. */
static void s_check_files(const char *needle, char **argv)
{
    args_t a;
    err_t e;
    assert_int_equal(s_parse(&a, &e, argv), 0);
    int rc = args_check_files(&a, &e);
    args_fini(&a);
    if (!needle) {
        if (rc != 0)
            fail_msg("refused: %s", e.text);
        return;
    }
    assert_int_equal(rc, -EINVAL);
    if (!strstr(e.text, needle))
        fail_msg("error '%s' does not mention '%s'", e.text, needle);
}

#define CHECK_FILES(needle, ...) s_check_files((needle), (char *[]){ "mr-run", __VA_ARGS__, NULL })

static void test_check_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/mr-test-args-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char in[64], link[64], dotted[64], out[64], other[64], so[64];
    snprintf(in, sizeof in, "%s/in.txt", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(dotted, sizeof dotted, "%s/./in.txt", dir);
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(other, sizeof other, "%s/sub/../out.txt", dir);
    snprintf(so, sizeof so, "%s/m.so", dir);
    char sub[64];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    fclose(f);
    f = fopen(so, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(symlink("in.txt", link), 0);

    CHECK_FILES(NULL, "-m", so, "-o", out, "--stats", "/dev/null", "--timeline", "/dev/null", in);
    CHECK_FILES(NULL, "-m", so, "-o", "-", "--stats", "-", in);
    CHECK_FILES("--bad-records", "-m", so, "--skip-bad", "--bad-records", in, in);
    CHECK_FILES("-i", "-m", so, "--stats", link, "-i", in);
    CHECK_FILES("--stats", "-m", so, "--stats", dotted, in);
    CHECK_FILES("-o", "-m", so, "-o", link, in);
    CHECK_FILES("-m", "-m", so, "-o", so, in);
    CHECK_FILES("--timeline", "-m", so, "--timeline", out, "--stats", other, in);
    CHECK_FILES("-o", "-m", so, "-o", out, "--stats", out, in);

    /* stdin redirected from the file -o names. */
    int saved = dup(STDIN_FILENO);
    int fd = open(in, O_RDONLY);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    CHECK_FILES("- (stdin)", "-m", so, "-o", in);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);

    unlink(link);
    unlink(in);
    unlink(so);
    rmdir(sub);
    rmdir(dir);
}

/* Hadoop Streaming's single-dash options are named and pointed to
 * mr-streaming, never read as clusters of short ones (`-mapper x` was
 * `-m apper`). */
static void test_hadoop_options(void **state)
{
    (void)state;
    EXPECT_ERROR("option '-mapper' is Hadoop Streaming's: mr-run spells it --map-cmd", "-mapper",
                 "cat", "f");
    EXPECT_ERROR("option '-input' is Hadoop Streaming's: mr-run spells it -i FILE", "--map-cmd",
                 "cat", "-input", "f");
    EXPECT_ERROR("option '-reducer' is Hadoop Streaming's", "-m", "x.so", "-reducer", "wc");
    EXPECT_ERROR("option '-output' is Hadoop Streaming's", "-m", "x.so", "-output", "out");
    EXPECT_ERROR("option '-D' is Hadoop Streaming's, not mr-run's: run the Hadoop command line "
                 "as it is with mr-streaming",
                 "-m", "x.so", "-D", "mapreduce.job.reduces=2");
    EXPECT_ERROR("option '-Dmapreduce.job.reduces=2' is Hadoop Streaming's", "-m", "x.so",
                 "-Dmapreduce.job.reduces=2");
    EXPECT_ERROR("option '-numReduceTasks' is Hadoop Streaming's: mr-run spells it -R N",
                 "-numReduceTasks", "0");
    /* -R takes a value, which a word of Hadoop's may be: it is -R's to refuse. */
    EXPECT_ERROR("invalid value '-files' for -R", "-m", "x.so", "-R", "-files");
    EXPECT_ERROR("invalid value '-files' for -R", "-m", "x.so", "-R-files");
    EXPECT_ERROR("option '-files' is Hadoop Streaming's", "-j2", "-files", "a.py");

    /* The same words as values, or after --, are values. */
    args_t a;
    err_t e;
    err_init(&e);
    assert_int_equal(PARSE(&a, &e, "--map-cmd", "-mapper", "-i", "-input", "--", "-output"), 0);
    assert_string_equal(a.map_cmd, "-mapper");
    assert_int_equal(a.n_inputs, 2);
    assert_string_equal(a.inputs[0], "-input");
    assert_string_equal(a.inputs[1], "-output");
    args_fini(&a);
    assert_int_equal(PARSE(&a, &e, "--map-cmd=cat", "-o-mapper", "-r", "-reducer"), 0);
    assert_string_equal(a.output, "-mapper");
    args_fini(&a);
}

/* --cmdenv: repeatable NAME=VALUE, for commands only. */
static void test_cmdenv(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    err_init(&e);
    assert_int_equal(PARSE(&a, &e, "--map-cmd", "cat", "--cmdenv", "A=1", "--cmdenv=B="), 0);
    assert_int_equal(a.n_cmdenv, 2);
    assert_string_equal(a.cmdenv[0], "A=1");
    assert_string_equal(a.cmdenv[1], "B=");
    args_fini(&a);
    EXPECT_ERROR("--cmdenv 'A': expected NAME=VALUE", "--map-cmd", "cat", "--cmdenv", "A");
    EXPECT_ERROR("--cmdenv sets variables for --map-cmd and --reduce-cmd", "-m", "x.so", "--cmdenv",
                 "A=1");
}

/* --key-fields, --field-separator and --output-parts (mr-streaming's). */
static void test_key_fields_and_parts(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    err_init(&e);
    assert_int_equal(PARSE(&a, &e, "--map-cmd", "cat", "--reduce-cmd", "cat", "--key-fields", "2",
                           "--field-separator", "::", "--output-parts", "out"),
                     0);
    assert_int_equal(a.key_fields, 2);
    assert_string_equal(a.field_sep, "::");
    assert_string_equal(a.output_parts, "out");
    args_fini(&a);
    EXPECT_ERROR("--key-fields", "--map-cmd", "cat", "--reduce-cmd", "cat", "--key-fields", "0");
    EXPECT_ERROR("--field-separator", "--map-cmd", "cat", "--reduce-cmd", "cat",
                 "--field-separator", "");
    EXPECT_ERROR("split a --map-cmd's lines", "-m", "x.so", "--key-fields", "2");
    EXPECT_ERROR("split a --map-cmd's lines", "--map-cmd", "cat", "--ordered", "--key-fields", "2");
    EXPECT_ERROR("-o and --output-parts exclude each other", "--map-cmd", "cat", "-o", "x",
                 "--output-parts", "d");
}

/* --key-compare, --partition-fields, --key-field-separator: checked here,
 * before any process starts. */
static void test_key_compare_and_partition_fields(void **state)
{
    (void)state;
    args_t a;
    err_t e;
    err_init(&e);
    assert_int_equal(PARSE(&a, &e, "--map-cmd", "cat", "--reduce-cmd", "cat", "--key-fields", "2",
                           "--key-compare", "-k1,1n -k2,2nr", "--partition-fields", "-k1,1",
                           "--key-field-separator", ".", "-R", "3"),
                     0);
    assert_string_equal(a.key_compare, "-k1,1n -k2,2nr");
    assert_string_equal(a.partition_fields, "-k1,1");
    assert_string_equal(a.key_field_sep, ".");
    args_fini(&a);
    EXPECT_ERROR("-k1.2", "--map-cmd", "cat", "--reduce-cmd", "cat", "--key-compare", "-k1.2");
    EXPECT_ERROR("--key-compare orders what --reduce-cmd reads", "-m", "x.so", "--key-compare",
                 "-k1n");
    EXPECT_ERROR("--key-field-separator", "--map-cmd", "cat", "--reduce-cmd", "cat",
                 "--key-field-separator", "::");
    EXPECT_ERROR("key-grouped", "--map-cmd", "cat", "--ordered", "--partition-fields", "-k1,1");
    /* A remote mapper splits by the whole key: its every result would be
     * refused by a reducer that owns keys by their fields. */
    EXPECT_ERROR("--partition-fields with --listen", "-m", "x.so", "-R", "2", "--partition-fields",
                 "-k1,1", "--listen", "tcp://127.0.0.1:5555", "--insecure");
    /* Hostile option strings: a field number past 32 bits, field 0, a 17th
     * -k, an empty separator. */
    EXPECT_ERROR("-k4294967296", "--map-cmd", "cat", "--reduce-cmd", "cat", "--key-compare",
                 "-k4294967296");
    EXPECT_ERROR("-k0", "--map-cmd", "cat", "-R", "2", "--partition-fields", "-k0");
    EXPECT_ERROR("more than 16", "--map-cmd", "cat", "--reduce-cmd", "cat", "--key-compare",
                 "-k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k1 -k2");
    EXPECT_ERROR("--key-field-separator", "--map-cmd", "cat", "--reduce-cmd", "cat",
                 "--key-field-separator", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_key_compare_and_partition_fields),
        cmocka_unit_test(test_default_input_is_stdin),
        cmocka_unit_test(test_short_flags),
        cmocka_unit_test(test_long_flags),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_lists_every_flag),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_chunk_size_flag),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_unknown_flags),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_exclusive_flags),
        cmocka_unit_test(test_listen_needs_keys_or_insecure),
        cmocka_unit_test(test_task_timeout_range),
        cmocka_unit_test(test_missing_mapper),
        cmocka_unit_test(test_reducers_tmpdir_memory),
        /* Last: with a stale getopt these two would upset the tests after
         * them. */
        cmocka_unit_test(test_parse_again_after_error),
        cmocka_unit_test(test_unknown_flag_in_group),
        cmocka_unit_test(test_check_files),
        cmocka_unit_test(test_hadoop_options),
        cmocka_unit_test(test_cmdenv),
        cmocka_unit_test(test_key_fields_and_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
