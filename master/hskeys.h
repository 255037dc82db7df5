/*
 * hskeys.h - the -D keys of Hadoop's that mr-streaming knows (hsargs.h),
 * and what each does.  A table apart from the parser, as Hadoop's
 * settings are many.
 */
#ifndef MR_HSKEYS_H
#define MR_HSKEYS_H

#include <stdbool.h>
#include <stdio.h>

/* -D keys and what each does (hskeys.c lists them). */
typedef enum hs_key {
    HK_REDUCES,
    HK_KEY_FIELDS,
    HK_FIELD_SEP,
    HK_OUT_KEY_FIELDS,
    HK_OUT_FIELD_SEP,
    HK_TEXT_SEP,
    HK_TAB_ONLY, /* only its default, a TAB */
    HK_JOB_NAME,
    HK_MAX_ATTEMPTS,
    HK_TIMEOUT_MS,
    HK_SPLIT_MAX,  /* the largest split: mr-run's --chunk-size */
    HK_FALSE_ONLY, /* only false: true would change the output's form */
    HK_TRUE_ONLY,  /* only true */
    HK_NO_CHANGE,  /* accepted: it does not change the answer */
    HK_CMP_OPTIONS,
    HK_PART_OPTIONS,
    HK_PART_FIELDS, /* num.key.fields.for.partition: -k1,N */
    HK_CMP_CLASS,
    HK_PART_CLASS,
    HK_KEY_FIELD_SEP,
    HK_LOCAL_MAPS, /* LocalJobRunner's concurrent maps: mr-run's -j */
    HK_REDUCE_MB,  /* a reduce task's memory: mr-run's --memory, times the reducers */
    HK_UNSUPPORTED,
} hs_key_t;

/* What key does, or -1 for a key the table does not list. */
int hskeys_find(const char *key);

/* Whether key lies under one of Hadoop's own prefixes (mapreduce., stream.
 * ...): one the table does not list may change the answer, so it is
 * refused; any other is the job's own (-D my.limit=5). */
bool hskeys_hadoops(const char *key);

/* Prints the keys whose action is what, two spaces in, wrapped at 76. */
void hskeys_print(FILE *f, hs_key_t what);

#endif
