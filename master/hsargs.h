/*
 * hsargs.h - mr-streaming's command line: Hadoop Streaming's own options
 * (`hadoop jar hadoop-streaming.jar ARGS` becomes `mr-streaming ARGS`),
 * parsed and checked into an hsargs_t that streaming.c turns into an mr-run
 * command line.
 *
 * Every option and -D key Hadoop knows is either honoured, accepted because
 * it does not change the answer (memory, compression of what lies between
 * map and reduce, speculative execution, queues), or refused with an error
 * that says it is not supported yet: never silently ignored where it would
 * change the output.
 */
#ifndef MR_HSARGS_H
#define MR_HSARGS_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The most reducers: mr-run's -R limit. */
#define HSARGS_MAX_REDUCES 64

typedef struct hsargs {
    char **inputs;             /* -input values, comma lists split: owned array of owned strings */
    size_t n_inputs;           /* entries in inputs */
    const char *output;        /* -output DIR, borrowed from argv */
    const char *mapper;        /* -mapper command, borrowed */
    const char *reducer;       /* -reducer command, NULL for Hadoop's identity reducer */
    const char *combiner;      /* -combiner command, or NULL */
    char **files;              /* -file and -files paths: owned array of owned strings */
    size_t n_files;            /* entries in files */
    char **cmdenv;             /* -cmdenv NAME=VALUE and -D keys as variables: owned, owned */
    size_t n_cmdenv;           /* entries in cmdenv */
    int reduces;               /* reducers: -numReduceTasks, else mapreduce.job.reduces, else 1 */
    unsigned key_fields;       /* stream.num.map.output.key.fields (1) */
    const char *field_sep;     /* stream.map.output.field.separator ("\t"), static or argv */
    unsigned out_key_fields;   /* stream.num.reduce.output.key.fields (1) */
    const char *out_field_sep; /* stream.reduce.output.field.separator ("\t") */
    const char *text_sep;      /* mapreduce.output.textoutputformat.separator ("\t") */
    const char *job_name;      /* mapreduce.job.name, or NULL */
    unsigned max_attempts;     /* mapreduce.map.maxattempts, 0: mr-run's default */
    double task_timeout;       /* mapreduce.task.timeout in seconds, 0: none */
    uint64_t split_max;        /* mapreduce.input.fileinputformat.split.maxsize, 0: mr-run's */
    unsigned local_maps;       /* mapreduce.local.map.tasks.maximum: -j, 0: mr-run's */
    unsigned reduce_mb;        /* mapreduce.reduce.memory.mb, 0: mr-run's --memory default */
    const char *key_compare;   /* keycomparator.options, with KeyFieldBasedComparator; or NULL */
    const char *part_options;  /* keypartitioner.options, with KeyFieldBasedPartitioner; or NULL */
    char part_fields[32];      /* "-k1,N" of num.key.fields.for.partition, or "" */
    const char *key_field_sep; /* mapreduce.map.output.key.field.separator ("\t") */
    bool key_comparator;       /* the comparator class is KeyFieldBasedComparator */
    bool key_partitioner;      /* the partitioner is KeyFieldBasedPartitioner */
    bool verbose;              /* -verbose: print the mr-run command line */
    bool lazy_output;          /* -lazyOutput: no empty part files */
} hsargs_t;

/* Parses argv into a (hsargs_fini it either way).  Returns 0 to run, 1
 * when -help or -info was printed (exit 0), or -EINVAL with e naming the
 * option or key and why. */
int hsargs_parse(hsargs_t *a, int argc, char **argv, err_t *e);

void hsargs_fini(hsargs_t *a);

/* Whether arg is one of Hadoop Streaming's single-dash options (or -D),
 * which mr-run's getopt would misread as a cluster of short ones (`-mapper
 * x` as `-m apper`): 0 when it is not, else -EINVAL with e naming it, what
 * mr-run calls it, and mr-streaming. */
int hsargs_misread(const char *arg, err_t *e);

/* Prints the usage text, with the -D keys accepted. */
void hsargs_usage(FILE *f);

#endif
