/*
 * test_taskenv.c - tests proto/host/taskenv.c: the environment of a map or
 * reduce command, with Hadoop Streaming's task variables and --cmdenv's.
 */
#include "taskenv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* How many entries of envp are NAME=... */
static size_t s_count(char *const *envp, const char *name)
{
    size_t n = 0;
    size_t len = strlen(name);
    for (; *envp; envp++)
        n += strncmp(*envp, name, len) == 0 && (*envp)[len] == '=';
    return n;
}

static void test_usage(void **state)
{
    (void)state;
    /* mr-run exports the job id before it starts the mappers. */
    err_t e;
    err_init(&e);
    assert_int_equal(taskenv_export_job(NULL, 0, &e), 0);
    const char *job = getenv("mapreduce_job_id");
    assert_non_null(job);
    assert_int_equal(strncmp(job, "job_", 4), 0);

    /* A mapper, per chunk. */
    taskenv_t *env = taskenv_new();
    taskenv_map(env, 17, 2, "logs/a.txt.gz", 1048576, 65536);
    assert_string_equal(taskenv_get(env, "mapreduce_map_input_file"), "logs/a.txt.gz");
    assert_string_equal(taskenv_get(env, "map_input_file"), "logs/a.txt.gz");
    assert_string_equal(taskenv_get(env, "mapreduce_map_input_start"), "1048576");
    assert_string_equal(taskenv_get(env, "map_input_length"), "65536");
    assert_string_equal(taskenv_get(env, "mapreduce_task_partition"), "17");
    assert_string_equal(taskenv_get(env, "mapreduce_task_ismap"), "true");
    char want[128];
    snprintf(want, sizeof want, "task_%s_m_000017", job + 4);
    assert_string_equal(taskenv_get(env, "mapreduce_task_id"), want);
    assert_string_equal(taskenv_get(env, "mapred_tip_id"), want);
    snprintf(want, sizeof want, "attempt_%s_m_000017_2", job + 4);
    assert_string_equal(taskenv_get(env, "mapreduce_task_attempt_id"), want);
    assert_string_equal(taskenv_get(env, "mapred_task_id"), want);
    assert_string_equal(taskenv_get(env, "mapreduce_job_id"), job);

    /* The next chunk replaces every value, never adds a second one. */
    taskenv_map(env, 18, 0, "b", 0, 10);
    char *const *envp = taskenv_envp(env);
    assert_int_equal(s_count(envp, "map_input_file"), 1);
    assert_int_equal(s_count(envp, "mapreduce_task_id"), 1);
    assert_int_equal(s_count(envp, "mapreduce_job_id"), 1);
    assert_string_equal(taskenv_get(env, "map_input_file"), "b");
    taskenv_destroy(&env);
    assert_null(env);
    taskenv_destroy(&env);
}

static void test_reduce(void **state)
{
    (void)state;
    setenv("mapreduce_job_id", "job_1_0002", 1);
    taskenv_t *env = taskenv_new();
    taskenv_reduce(env, 3, 1);
    assert_string_equal(taskenv_get(env, "mapreduce_task_id"), "task_1_0002_r_000003");
    assert_string_equal(taskenv_get(env, "mapreduce_task_attempt_id"), "attempt_1_0002_r_000003_1");
    assert_string_equal(taskenv_get(env, "mapreduce_task_partition"), "3");
    assert_string_equal(taskenv_get(env, "mapred_task_is_map"), "false");
    assert_null(taskenv_get(env, "map_input_file_nonexistent"));
    taskenv_destroy(&env);
}

/* The process environment is copied: a variable set later in the process
 * is not in an older taskenv, and one set in the taskenv is not ours. */
static void test_copy(void **state)
{
    (void)state;
    setenv("TASKENV_BEFORE", "1", 1);
    taskenv_t *env = taskenv_new();
    setenv("TASKENV_AFTER", "1", 1);
    assert_string_equal(taskenv_get(env, "TASKENV_BEFORE"), "1");
    assert_null(taskenv_get(env, "TASKENV_AFTER"));
    taskenv_set(env, "TASKENV_ONLY", "x=y");
    assert_string_equal(taskenv_get(env, "TASKENV_ONLY"), "x=y");
    assert_null(getenv("TASKENV_ONLY"));
    /* A prefix is not a match. */
    assert_null(taskenv_get(env, "TASKENV_BEF"));
    for (int i = 0; i < 200; i++) { /* grows past the spare room */
        char name[32];
        snprintf(name, sizeof name, "TASKENV_%d", i);
        taskenv_set(env, name, name);
    }
    assert_string_equal(taskenv_get(env, "TASKENV_199"), "TASKENV_199");
    taskenv_destroy(&env);
}

static void test_cmdenv(void **state)
{
    (void)state;
    err_t e;
    err_init(&e);
    const char *ok[] = { "A=1", "_x=", "LD_LIBRARY_PATH=.:/opt/lib", "K=a=b" };
    assert_int_equal(taskenv_export_job(ok, 4, &e), 0);
    assert_string_equal(getenv("A"), "1");
    assert_string_equal(getenv("_x"), "");
    assert_string_equal(getenv("K"), "a=b");
    const char *bad[] = { "=1", "A", "1A=2", "A-B=3", "A B=4" };
    for (size_t i = 0; i < 5; i++) {
        err_init(&e);
        assert_int_equal(taskenv_check_assignment(bad[i], &e), -EINVAL);
        assert_non_null(strstr(e.text, bad[i]));
        err_init(&e);
        assert_int_equal(taskenv_export_job(&bad[i], 1, &e), -EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_cmdenv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
