/*
 * hskeys.c - the table of Hadoop's -D keys.  See hskeys.h.
 */
#include "hskeys.h"

#include <string.h>

static const struct {
    const char *key;
    hs_key_t what;
} s_keys[] = {
    { "mapreduce.job.reduces", HK_REDUCES },
    { "mapred.reduce.tasks", HK_REDUCES },
    { "stream.num.map.output.key.fields", HK_KEY_FIELDS },
    { "stream.map.output.field.separator", HK_FIELD_SEP },
    { "stream.num.reduce.output.key.fields", HK_OUT_KEY_FIELDS },
    { "stream.reduce.output.field.separator", HK_OUT_FIELD_SEP },
    { "mapreduce.output.textoutputformat.separator", HK_TEXT_SEP },
    { "mapred.textoutputformat.separator", HK_TEXT_SEP },
    { "stream.reduce.input.field.separator", HK_TAB_ONLY },
    { "stream.map.input.field.separator", HK_TAB_ONLY },
    { "mapreduce.job.name", HK_JOB_NAME },
    { "mapred.job.name", HK_JOB_NAME },
    { "mapreduce.map.maxattempts", HK_MAX_ATTEMPTS },
    { "mapred.map.max.attempts", HK_MAX_ATTEMPTS },
    { "mapreduce.task.timeout", HK_TIMEOUT_MS },
    { "mapred.task.timeout", HK_TIMEOUT_MS },
    { "mapreduce.output.fileoutputformat.compress", HK_FALSE_ONLY },
    { "mapred.output.compress", HK_FALSE_ONLY },
    { "stream.non.zero.exit.is.failure", HK_TRUE_ONLY },
    { "mapreduce.map.output.compress", HK_NO_CHANGE },
    { "mapred.compress.map.output", HK_NO_CHANGE },
    { "mapreduce.map.output.compress.codec", HK_NO_CHANGE },
    { "mapred.map.output.compression.codec", HK_NO_CHANGE },
    { "mapreduce.output.fileoutputformat.compress.codec", HK_NO_CHANGE },
    { "mapreduce.output.fileoutputformat.compress.type", HK_NO_CHANGE },
    { "mapreduce.job.maps", HK_NO_CHANGE },
    { "mapred.map.tasks", HK_NO_CHANGE },
    { "mapreduce.map.memory.mb", HK_NO_CHANGE },
    { "mapreduce.reduce.memory.mb", HK_REDUCE_MB },
    { "mapreduce.local.map.tasks.maximum", HK_LOCAL_MAPS },
    { "mapreduce.map.java.opts", HK_NO_CHANGE },
    { "mapreduce.reduce.java.opts", HK_NO_CHANGE },
    { "mapred.child.java.opts", HK_NO_CHANGE },
    { "mapreduce.map.cpu.vcores", HK_NO_CHANGE },
    { "mapreduce.reduce.cpu.vcores", HK_NO_CHANGE },
    { "mapreduce.task.io.sort.mb", HK_NO_CHANGE },
    { "io.sort.mb", HK_NO_CHANGE },
    { "mapreduce.task.io.sort.factor", HK_NO_CHANGE },
    { "io.sort.factor", HK_NO_CHANGE },
    { "mapreduce.map.speculative", HK_NO_CHANGE },
    { "mapreduce.reduce.speculative", HK_NO_CHANGE },
    { "mapred.map.tasks.speculative.execution", HK_NO_CHANGE },
    { "mapred.reduce.tasks.speculative.execution", HK_NO_CHANGE },
    { "mapreduce.job.queuename", HK_NO_CHANGE },
    { "mapred.job.queue.name", HK_NO_CHANGE },
    { "mapreduce.job.priority", HK_NO_CHANGE },
    { "mapred.job.priority", HK_NO_CHANGE },
    { "mapreduce.reduce.maxattempts", HK_NO_CHANGE },
    { "mapreduce.job.reduce.slowstart.completedmaps", HK_NO_CHANGE },
    { "mapreduce.input.fileinputformat.split.minsize", HK_NO_CHANGE },
    { "mapreduce.input.fileinputformat.split.maxsize", HK_SPLIT_MAX },
    { "mapred.min.split.size", HK_NO_CHANGE },
    { "mapred.max.split.size", HK_SPLIT_MAX },
    { "mapreduce.job.jvm.numtasks", HK_NO_CHANGE },
    { "mapred.job.reuse.jvm.num.tasks", HK_NO_CHANGE },
    { "mapreduce.job.user.classpath.first", HK_NO_CHANGE },
    { "dfs.replication", HK_NO_CHANGE },
    { "dfs.blocksize", HK_NO_CHANGE },
    { "dfs.block.size", HK_NO_CHANGE },
    { "mapreduce.partition.keypartitioner.options", HK_PART_OPTIONS },
    { "mapred.text.key.partitioner.options", HK_PART_OPTIONS },
    { "mapreduce.partition.keycomparator.options", HK_CMP_OPTIONS },
    { "mapred.text.key.comparator.options", HK_CMP_OPTIONS },
    { "mapreduce.job.output.key.comparator.class", HK_CMP_CLASS },
    { "mapred.output.key.comparator.class", HK_CMP_CLASS },
    { "num.key.fields.for.partition", HK_PART_FIELDS },
    { "mapreduce.job.partitioner.class", HK_PART_CLASS },
    { "mapred.partitioner.class", HK_PART_CLASS },
    { "mapreduce.map.output.key.field.separator", HK_KEY_FIELD_SEP },
    { "map.output.key.field.separator", HK_KEY_FIELD_SEP },
    { "mapreduce.job.output.group.comparator.class", HK_UNSUPPORTED },
};

/* Key prefixes of Hadoop's own settings: a key there that s_keys does not
 * list may change the answer, so it is refused.  Any other key is the
 * job's own (`-D my.limit=5`), exported to the commands as Hadoop does. */
static const char *const s_hadoop_prefixes[] = { "mapreduce.", "mapred.", "stream.", "dfs.",
                                                 "yarn.",      "io.",     "fs.",     "hadoop.",
                                                 "ipc.",       "file.",   "map.",    "reduce." };

int hskeys_find(const char *key)
{
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++)
        if (strcmp(s_keys[i].key, key) == 0)
            return (int)s_keys[i].what;
    return -1;
}

bool hskeys_hadoops(const char *key)
{
    for (size_t i = 0; i < sizeof s_hadoop_prefixes / sizeof s_hadoop_prefixes[0]; i++)
        if (strncmp(key, s_hadoop_prefixes[i], strlen(s_hadoop_prefixes[i])) == 0)
            return true;
    return false;
}

void hskeys_print(FILE *f, hs_key_t what)
{
    int col = 0;
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++) {
        if (s_keys[i].what != what)
            continue;
        int len = (int)strlen(s_keys[i].key);
        if (col && col + len + 1 > 76) {
            fputc('\n', f);
            col = 0;
        }
        col += fprintf(f, "%s%s", col ? " " : "  ", s_keys[i].key);
    }
}
