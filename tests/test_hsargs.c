/*
 * test_hsargs.c - tests master/hsargs.c, mr-streaming's Hadoop Streaming
 * command line: the options and -D keys it honours, those it accepts
 * without effect, and the errors for the ones it refuses or does not know.
 */
#include "hsargs.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define PARSE(a, e, ...) s_parse((a), (e), (char *[]){ "mr-streaming", __VA_ARGS__, NULL })

static int s_parse(hsargs_t *a, err_t *e, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    err_init(e);
    return hsargs_parse(a, argc, argv, e);
}

/* Parses and expects -EINVAL with needle in the message. */
static void s_expect_error(char **argv, const char *needle)
{
    hsargs_t a;
    err_t e;
    int argc = 0;
    while (argv[argc])
        argc++;
    err_init(&e);
    int rc = hsargs_parse(&a, argc, argv, &e);
    hsargs_fini(&a);
    assert_int_equal(rc, -EINVAL);
    if (!strstr(e.text, needle))
        fail_msg("error '%s' does not mention '%s'", e.text, needle);
}

#define EXPECT_ERROR(needle, ...) \
    s_expect_error((char *[]){ "mr-streaming", __VA_ARGS__, NULL }, (needle))

/* A tutorial's command line, as a usage example. */
static void test_word_count_line(void **state)
{
    (void)state;
    hsargs_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-D", "mapreduce.job.name=wc", "-files", "map.py,red.py",
                           "-input", "in/*.txt,more", "-input", "x", "-output", "out", "-mapper",
                           "map.py", "-reducer", "red.py", "-numReduceTasks", "3"),
                     0);
    assert_int_equal(a.n_inputs, 3);
    assert_string_equal(a.inputs[0], "in/*.txt");
    assert_string_equal(a.inputs[1], "more");
    assert_string_equal(a.inputs[2], "x");
    assert_int_equal(a.n_files, 2);
    assert_string_equal(a.files[1], "red.py");
    assert_string_equal(a.output, "out");
    assert_string_equal(a.mapper, "map.py");
    assert_string_equal(a.reducer, "red.py");
    assert_int_equal(a.reduces, 3);
    assert_string_equal(a.job_name, "wc");
    assert_int_equal(a.n_cmdenv, 1); /* -D keys reach the commands */
    assert_string_equal(a.cmdenv[0], "mapreduce_job_name=wc");
    hsargs_fini(&a);
}

static void test_defaults_and_reduces(void **state)
{
    (void)state;
    hsargs_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-input", "i", "-output", "o", "-mapper", "cat"), 0);
    assert_int_equal(a.reduces, 1); /* Hadoop's default */
    assert_null(a.reducer);
    assert_int_equal(a.key_fields, 1);
    assert_string_equal(a.field_sep, "\t");
    hsargs_fini(&a);
    /* -numReduceTasks wins over -D mapreduce.job.reduces, wherever it is. */
    assert_int_equal(PARSE(&a, &e, "-numReduceTasks", "2", "-D", "mapreduce.job.reduces=5",
                           "-input", "i", "-output", "o", "-mapper", "cat"),
                     0);
    assert_int_equal(a.reduces, 2);
    hsargs_fini(&a);
    assert_int_equal(
        PARSE(&a, &e, "-Dmapred.reduce.tasks=4", "-input", "i", "-output", "o", "-mapper", "cat"),
        0);
    assert_int_equal(a.reduces, 4);
    hsargs_fini(&a);
    assert_int_equal(PARSE(&a, &e, "-input", "i", "-output", "o", "-mapper", "cat", "-reducer",
                           "NONE", "-numReduceTasks", "3"),
                     0);
    assert_int_equal(a.reduces, 0);
    hsargs_fini(&a);
}

static void test_key_fields(void **state)
{
    (void)state;
    hsargs_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-D", "stream.num.map.output.key.fields=4", "-D",
                           "stream.map.output.field.separator=.", "-D",
                           "stream.reduce.output.field.separator=\\t", "-input", "i", "-output",
                           "o", "-mapper", "cat"),
                     0);
    assert_int_equal(a.key_fields, 4);
    assert_string_equal(a.field_sep, ".");
    assert_string_equal(a.out_field_sep, "\t"); /* "\t" as a shell passes it */
    hsargs_fini(&a);
}

/* The Hadoop docs' KeyFieldBasedPartitioner and KeyFieldBasedComparator
 * examples, both class names of each. */
static void test_key_field_classes(void **state)
{
    (void)state;
    hsargs_t a;
    err_t e;
    assert_int_equal(
        PARSE(&a, &e, "-D", "stream.map.output.field.separator=.", "-D",
              "stream.num.map.output.key.fields=4", "-D", "map.output.key.field.separator=.", "-D",
              "mapreduce.partition.keypartitioner.options=-k1,2", "-D", "mapreduce.job.reduces=12",
              "-input", "i", "-output", "o", "-mapper", "cat", "-reducer", "cat", "-partitioner",
              "org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner"),
        0);
    assert_true(a.key_partitioner);
    assert_false(a.key_comparator);
    assert_string_equal(a.part_options, "-k1,2");
    assert_string_equal(a.key_field_sep, ".");
    assert_int_equal(a.reduces, 12);
    hsargs_fini(&a);
    assert_int_equal(PARSE(&a, &e, "-D",
                           "mapreduce.job.output.key.comparator.class="
                           "org.apache.hadoop.mapreduce.lib.partition.KeyFieldBasedComparator",
                           "-D", "mapreduce.partition.keycomparator.options=-k2,2nr", "-D",
                           "num.key.fields.for.partition=2", "-D",
                           "mapreduce.job.partitioner.class="
                           "org.apache.hadoop.mapreduce.lib.partition.KeyFieldBasedPartitioner",
                           "-input", "i", "-output", "o", "-mapper", "cat"),
                     0);
    assert_true(a.key_comparator);
    assert_true(a.key_partitioner);
    assert_string_equal(a.key_compare, "-k2,2nr");
    assert_string_equal(a.part_fields, "-k1,2");
    assert_string_equal(a.key_field_sep, "\t");
    hsargs_fini(&a);
}

static void test_accepted_without_effect(void **state)
{
    (void)state;
    hsargs_t a;
    err_t e;
    assert_int_equal(PARSE(&a, &e, "-D", "mapreduce.map.output.compress=true", "-D",
                           "mapreduce.job.queuename=q", "-libjars", "x.jar", "-fs", "local",
                           "-inputformat", "org.apache.hadoop.mapred.TextInputFormat", "-input",
                           "i", "-output", "o", "-mapper", "cat", "-verbose", "-D",
                           "my.own.limit=7"),
                     0);
    assert_true(a.verbose);
    assert_int_equal(a.n_cmdenv, 3);
    assert_string_equal(a.cmdenv[2], "my_own_limit=7");
    hsargs_fini(&a);
}

static void test_errors(void **state)
{
    (void)state;
    EXPECT_ERROR("unknown option '-frob'", "-input", "i", "-output", "o", "-mapper", "c", "-frob");
    EXPECT_ERROR("unknown option '--map-cmd'", "--map-cmd", "c");
    EXPECT_ERROR("required option -input", "-output", "o", "-mapper", "c");
    EXPECT_ERROR("required option -output", "-input", "i", "-mapper", "c");
    EXPECT_ERROR("required option -mapper", "-input", "i", "-output", "o");
    EXPECT_ERROR("-output needs a value", "-input", "i", "-output");
    EXPECT_ERROR("-partitioner x: not supported yet: only KeyFieldBasedPartitioner", "-partitioner",
                 "x");
    EXPECT_ERROR("comparator.class x: not supported yet: only KeyFieldBasedComparator", "-D",
                 "mapreduce.job.output.key.comparator.class=x");
    EXPECT_ERROR("group.comparator.class: not supported yet", "-D",
                 "mapreduce.job.output.group.comparator.class=x");
    EXPECT_ERROR("-k1.3n: expected -kF[,L]", "-input", "i", "-output", "o", "-mapper", "c", "-D",
                 "mapreduce.job.output.key.comparator.class="
                 "org.apache.hadoop.mapred.lib.KeyFieldBasedComparator",
                 "-D", "mapreduce.partition.keycomparator.options=-k1.3n");
    EXPECT_ERROR("key.field.separator='::': not supported yet: only one byte", "-D",
                 "mapreduce.map.output.key.field.separator=::");
    EXPECT_ERROR("does not know", "-D", "mapreduce.reduce.shuffle.input.buffer.percent=0.5");
    EXPECT_ERROR("expected KEY=VALUE", "-D", "novalue");
    EXPECT_ERROR("from 0 to 64", "-numReduceTasks", "65");
    EXPECT_ERROR("from 0 to 64", "-numReduceTasks", "x");
    EXPECT_ERROR("only TextOutputFormat", "-outputformat", "SequenceFileOutputFormat");
    EXPECT_ERROR("uncompressed", "-D", "mapreduce.output.fileoutputformat.compress=true");
    EXPECT_ERROR("-fs hdfs://nn:8020: not supported", "-fs", "hdfs://nn:8020");
    EXPECT_ERROR("expected NAME=VALUE", "-cmdenv", "X");
    EXPECT_ERROR("-combiner with stream.map.output.field.separator", "-D",
                 "stream.map.output.field.separator=.", "-input", "i", "-output", "o", "-mapper",
                 "c", "-combiner", "c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_word_count_line),
        cmocka_unit_test(test_defaults_and_reduces),
        cmocka_unit_test(test_key_fields),
        cmocka_unit_test(test_key_field_classes),
        cmocka_unit_test(test_accepted_without_effect),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
