/*
 * hsargs.c - Hadoop Streaming's command line for mr-streaming.  See
 * hsargs.h.
 *
 * Hand-parsed, not getopt: Hadoop's options are single-dash words
 * (`-mapper`), which getopt reads as clusters of letters, and a value may
 * itself start with a dash (`-reducer -`... is no command, but `-cmdenv
 * -x=1` is refused by the name check, not by the parser).
 */
#include "hsargs.h"

#include "hskeys.h"
#include "keycmp.h"
#include "mem.h"
#include "proc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What an option does. */
typedef enum hs_opt {
    HS_INPUT,
    HS_OUTPUT,
    HS_MAPPER,
    HS_REDUCER,
    HS_COMBINER,
    HS_FILE,
    HS_FILES,
    HS_LIBJARS,
    HS_REDUCES,
    HS_CMDENV,
    HS_INPUTFORMAT,
    HS_OUTPUTFORMAT,
    HS_DEFINE,
    HS_VERBOSE,
    HS_HELP,
    HS_LAZY,
    HS_FS,
    HS_VERSION,
    HS_PARTITIONER,
    HS_UNSUPPORTED, /* Hadoop has it, mr-streaming does not (yet) */
} hs_opt_t;

static const struct {
    const char *name; /* as Hadoop spells it */
    bool value;       /* takes the next word */
    hs_opt_t what;    /* what it does */
    const char *why;  /* for HS_UNSUPPORTED: what to do instead */
} s_options[] = {
    { "-input", true, HS_INPUT, NULL },
    { "-output", true, HS_OUTPUT, NULL },
    { "-mapper", true, HS_MAPPER, NULL },
    { "-reducer", true, HS_REDUCER, NULL },
    { "-combiner", true, HS_COMBINER, NULL },
    { "-file", true, HS_FILE, NULL },
    { "-files", true, HS_FILES, NULL },
    { "-libjars", true, HS_LIBJARS, NULL },
    { "-numReduceTasks", true, HS_REDUCES, NULL },
    { "-cmdenv", true, HS_CMDENV, NULL },
    { "-inputformat", true, HS_INPUTFORMAT, NULL },
    { "-outputformat", true, HS_OUTPUTFORMAT, NULL },
    { "-D", true, HS_DEFINE, NULL },
    { "-jobconf", true, HS_DEFINE, NULL },
    { "-verbose", false, HS_VERBOSE, NULL },
    { "-info", false, HS_HELP, NULL },
    { "-help", false, HS_HELP, NULL },
    { "--help", false, HS_HELP, NULL },
    { "--version", false, HS_VERSION, NULL },
    { "-lazyOutput", false, HS_LAZY, NULL },
    { "-fs", true, HS_FS, NULL },
    { "-jt", true, HS_FS, NULL },
    { "-partitioner", true, HS_PARTITIONER, NULL },
    { "-archives", true, HS_UNSUPPORTED, "unpack the archive and give its paths" },
    { "-cacheArchive", true, HS_UNSUPPORTED, "unpack the archive and give its paths" },
    { "-cacheFile", true, HS_UNSUPPORTED, "give the local path" },
    { "-inputreader", true, HS_UNSUPPORTED, "inputs are read as text lines" },
    { "-io", true, HS_UNSUPPORTED, "map and reduce commands read and write text lines" },
    { "-mapdebug", true, HS_UNSUPPORTED, "a failed chunk's error names its input and offset" },
    { "-reducedebug", true, HS_UNSUPPORTED, "a failed reducer's error says how it ended" },
    { "-background", false, HS_UNSUPPORTED, "run mr-streaming in the background with &" },
    { "-conf", true, HS_UNSUPPORTED, "give its settings with -D" },
};

/* What mr-run calls the Hadoop options it has, for hsargs_misread. */
static const struct {
    const char *name; /* as Hadoop spells it */
    const char *ours; /* mr-run's flag */
} s_mr_run_names[] = {
    { "-input", "-i FILE (or FILE)" },    { "-output", "-o FILE" },
    { "-mapper", "--map-cmd CMD" },       { "-reducer", "--reduce-cmd CMD" },
    { "-cmdenv", "--cmdenv NAME=VALUE" }, { "-numReduceTasks", "-R N (none: --unordered)" },
};

int hsargs_misread(const char *arg, err_t *e)
{
    bool found = strncmp(arg, "-D", 2) == 0; /* -D key=value, -Dkey=value */
    for (size_t i = 0; !found && i < sizeof s_options / sizeof s_options[0]; i++)
        /* -help is left to mr-run's getopt, which reads it as -h */
        found = strncmp(s_options[i].name, "--", 2) != 0 && strcmp(arg, "-help") != 0 &&
                strcmp(arg, s_options[i].name) == 0;
    if (!found)
        return 0;
    for (size_t i = 0; i < sizeof s_mr_run_names / sizeof s_mr_run_names[0]; i++)
        if (strcmp(arg, s_mr_run_names[i].name) == 0)
            return err_set(e, -EINVAL,
                           "option '%s' is Hadoop Streaming's: mr-run spells it %s, or run the "
                           "Hadoop command line as it is with mr-streaming",
                           arg, s_mr_run_names[i].ours);
    return err_set(e, -EINVAL,
                   "option '%s' is Hadoop Streaming's, not mr-run's: run the Hadoop command "
                   "line as it is with mr-streaming",
                   arg);
}

void hsargs_usage(FILE *f)
{
    fputs(
        "usage: mr-streaming [-D KEY=VALUE]... [-files A,B] [-libjars J]\n"
        "                    -input PATH... -output DIR -mapper CMD\n"
        "                    [-reducer CMD|NONE] [-combiner CMD] [-numReduceTasks N]\n"
        "                    [-file PATH]... [-cmdenv NAME=VALUE]... [-verbose] [-lazyOutput]\n"
        "                    [-partitioner org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner]\n"
        "\n"
        "Runs a Hadoop Streaming job on this machine with mr-run: the arguments of\n"
        "`hadoop jar hadoop-streaming.jar ARGS`, unchanged.\n"
        "\n"
        "  -input PATH          a file, a directory (its files, not _* or .*), a glob or a\n"
        "                       comma list of them; repeatable; .gz .bz2 .xz decompressed\n"
        "  -output DIR          made by the job (an existing one is refused): part-00000...\n"
        "                       one per reducer, and _SUCCESS once the job succeeded\n"
        "  -mapper CMD          the map command, run by /bin/sh once per chunk\n"
        "  -reducer CMD|NONE    the reduce command (default: identity); NONE: map-only\n"
        "  -combiner CMD        run on each chunk's sorted map output: map | sort | CMD\n"
        "  -numReduceTasks N    reducers, 0 to 64 (0: map-only; default 1)\n"
        "  -file PATH, -files A,B\n"
        "                       accepted: local files are already there (a command word\n"
        "                       naming a shipped file's base name is given its path)\n"
        "  -cmdenv NAME=VALUE   a variable for every command (repeatable)\n"
        "  -inputformat, -outputformat\n"
        "                       only TextInputFormat and TextOutputFormat\n"
        "  -libjars J, -fs local, -jt local\n"
        "                       accepted; no effect\n"
        "  -lazyOutput          no empty part files\n"
        "  -verbose             print the mr-run command line that runs the job\n"
        "  -info, -help         this text\n"
        "\n"
        "-D KEY=VALUE (also -DKEY=VALUE, -jobconf KEY=VALUE) honours:\n"
        "  mapreduce.job.reduces (mapred.reduce.tasks)       reducers, as -numReduceTasks\n"
        "  stream.num.map.output.key.fields                  fields of a map line's key\n"
        "  stream.map.output.field.separator                 between those fields (\\t: TAB)\n"
        "  stream.num.reduce.output.key.fields, stream.reduce.output.field.separator,\n"
        "  mapreduce.output.textoutputformat.separator       the output lines' key and TAB\n"
        "  mapreduce.job.name (mapred.job.name)              the job's name\n"
        "  mapreduce.map.maxattempts (mapred.map.max.attempts)  mr-run --max-attempts\n"
        "  mapreduce.task.timeout (mapred.task.timeout)      ms; mr-run --task-timeout\n"
        "  mapreduce.input.fileinputformat.split.maxsize (mapred.max.split.size)\n"
        "                                                    bytes; mr-run --chunk-size\n"
        "  mapreduce.local.map.tasks.maximum                 maps at once; mr-run -j\n"
        "  mapreduce.reduce.memory.mb                        MB per reducer; mr-run --memory\n"
        "  mapreduce.job.output.key.comparator.class=...KeyFieldBasedComparator with\n"
        "  mapreduce.partition.keycomparator.options         (mapred.text.key.comparator.\n"
        "                                                    options) -kF[,L] n r, -n -r:\n"
        "                                                    mr-run --key-compare\n"
        "  -partitioner ...KeyFieldBasedPartitioner (mapreduce.job.partitioner.class) with\n"
        "  mapreduce.partition.keypartitioner.options        (mapred.text.key.partitioner.\n"
        "                                                    options) -kF[,L], or\n"
        "  num.key.fields.for.partition                      N: mr-run --partition-fields\n"
        "  mapreduce.map.output.key.field.separator          (map.output.key.field.\n"
        "                                                    separator) one byte between\n"
        "                                                    the fields those two see\n"
        "and accepts, as they do not change the answer:\n",
        f);
    hskeys_print(f, HK_NO_CHANGE);
    fputs("\n  mapreduce.output.fileoutputformat.compress=false, "
          "stream.non.zero.exit.is.failure=true,\n"
          "  stream.reduce.input.field.separator=\\t\n"
          "Without -partitioner or the comparator class, their options do nothing, as in\n"
          "Hadoop.  A reduce command reads its key<TAB>value lines in LC_ALL=C sort order,\n"
          "or keys in the comparator's order first.\n"
          "Not supported yet (an error): other partitioner and comparator classes,\n"
          "mapreduce.job.output.group.comparator.class, -archives, -cacheFile,\n"
          "-cacheArchive, -io, -inputreader, -mapdebug, -reducedebug, -background,\n"
          "-conf.  A key of your own (-D my.limit=5) reaches the commands as\n"
          "my_limit=5, as in Hadoop; other keys of Hadoop's are refused.\n",
          f);
}

static void s_push(char ***list, size_t *n, const char *s, size_t len)
{
    *list = mem_realloc(*list, (*n + 2) * sizeof **list);
    char *copy = mem_alloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    (*list)[(*n)++] = copy;
    (*list)[*n] = NULL;
}

/* Splits a comma list as Hadoop's FileInputFormat does: commas inside
 * {a,b} are part of a glob, not separators. */
static void s_push_list(char ***list, size_t *n, const char *value)
{
    const char *start = value;
    int depth = 0;
    for (const char *p = value;; p++) {
        if (*p == '{')
            depth++;
        else if (*p == '}' && depth > 0)
            depth--;
        if (*p == '\0' || (*p == ',' && depth == 0)) {
            if (p > start)
                s_push(list, n, start, (size_t)(p - start));
            if (*p == '\0')
                return;
            start = p + 1;
        }
    }
}

static int s_number(const char *what, const char *value, uint64_t max, uint64_t *out, err_t *e)
{
    if (proc_parse_u64(value, out) < 0 || *out > max)
        return err_set(e, -EINVAL, "%s '%s': expected a number from 0 to %llu", what, value,
                       (unsigned long long)max);
    return 0;
}

/* A separator as Hadoop takes it: the bytes given, where "\t" (a
 * backslash and a t, as a shell without $'' passes it) is a TAB. */
static const char *s_separator(const char *key, const char *value, err_t *e)
{
    if (strcmp(value, "\\t") == 0)
        return "\t";
    if (!*value || strchr(value, '\n') || strlen(value) > 64) {
        err_set(e, -EINVAL, "-D %s='%s': expected 1 to 64 bytes, without a newline", key, value);
        return NULL;
    }
    return value;
}

/* The variable Hadoop exports for a job setting: every byte that is not a
 * letter or a digit becomes '_' (StreamJob's safeEnvVarName). */
static void s_export(hsargs_t *a, const char *key, size_t key_len, const char *value)
{
    if (key_len == 0 || isdigit((unsigned char)key[0]))
        return; /* not a variable name: Hadoop's would not be usable either */
    size_t len = key_len + 1 + strlen(value);
    char *var = mem_alloc(len + 1);
    for (size_t i = 0; i < key_len; i++)
        var[i] = isalnum((unsigned char)key[i]) ? key[i] : '_';
    var[key_len] = '=';
    memcpy(var + key_len + 1, value, strlen(value) + 1);
    s_push(&a->cmdenv, &a->n_cmdenv, var, len);
    free(var);
}

/* Hadoop's Java class names for the key-field comparator and partitioner
 * (under mapred.lib, or mapreduce.lib.partition): *on set when value is
 * one, false for the default HashPartitioner; any other class is refused. */
static int s_class(const char *what, const char *value, const char *name, bool *on, err_t *e)
{
    static const char *const packages[] = { "org.apache.hadoop.mapred.lib.",
                                            "org.apache.hadoop.mapreduce.lib.partition." };
    for (size_t i = 0; i < 2; i++) {
        size_t len = strlen(packages[i]);
        if (strncmp(value, packages[i], len) != 0)
            continue;
        if (strcmp(value + len, name) == 0) {
            *on = true;
            return 0;
        }
        if (strcmp(name, "KeyFieldBasedPartitioner") == 0 &&
            strcmp(value + len, "HashPartitioner") == 0) {
            *on = false;
            return 0;
        }
    }
    return err_set(e, -EINVAL, "%s %s: not supported yet: only %s", what, value, name);
}

static int s_define(hsargs_t *a, const char *def, int *reduces_d, err_t *e)
{
    const char *eq = strchr(def, '=');
    if (!eq || eq == def)
        return err_set(e, -EINVAL, "-D '%s': expected KEY=VALUE", def);
    size_t key_len = (size_t)(eq - def);
    char key[256];
    if (key_len >= sizeof key)
        return err_set(e, -EINVAL, "-D '%.40s...': the key is over %zu bytes", def, sizeof key - 1);
    memcpy(key, def, key_len);
    key[key_len] = '\0';
    const char *value = eq + 1;
    int what = hskeys_find(key);
    if (what < 0) {
        if (hskeys_hadoops(key))
            return err_set(e, -EINVAL,
                           "-D %s: a Hadoop setting mr-streaming does not know, so it "
                           "cannot tell whether it changes the answer (see -help for "
                           "the keys it takes)",
                           key);
    }
    uint64_t n = 0;
    switch (what) {
    case HK_REDUCES:
        if (s_number(key, value, HSARGS_MAX_REDUCES, &n, e) < 0)
            return e->code;
        *reduces_d = (int)n;
        break;
    case HK_KEY_FIELDS:
    case HK_OUT_KEY_FIELDS:
        if (proc_parse_u64(value, &n) < 0 || n == 0 || n > 1000)
            return err_set(e, -EINVAL, "-D %s='%s': expected a number of fields from 1 to 1000",
                           key, value);
        if (what == HK_KEY_FIELDS)
            a->key_fields = (unsigned)n;
        else
            a->out_key_fields = (unsigned)n;
        break;
    case HK_FIELD_SEP:
    case HK_OUT_FIELD_SEP:
    case HK_TEXT_SEP: {
        const char *sep = s_separator(key, value, e);
        if (!sep)
            return e->code;
        if (what == HK_FIELD_SEP)
            a->field_sep = sep;
        else if (what == HK_OUT_FIELD_SEP)
            a->out_field_sep = sep;
        else
            a->text_sep = sep;
        break;
    }
    case HK_TAB_ONLY:
        if (strcmp(value, "\t") != 0 && strcmp(value, "\\t") != 0)
            return err_set(e, -EINVAL,
                           "-D %s='%s': not supported yet: the commands read fields "
                           "separated by TAB, Hadoop's default",
                           key, value);
        break;
    case HK_JOB_NAME: a->job_name = value; break;
    case HK_MAX_ATTEMPTS:
        if (proc_parse_u64(value, &n) < 0 || n == 0 || n > 1000)
            return err_set(e, -EINVAL, "-D %s='%s': expected a number from 1 to 1000", key, value);
        a->max_attempts = (unsigned)n;
        break;
    case HK_TIMEOUT_MS:
        if (s_number(key, value, 7ull * 86400 * 1000, &n, e) < 0)
            return e->code;
        /* 0 is Hadoop's "no timeout"; below mr-run's floor of 0.1 s, the floor. */
        a->task_timeout = n == 0 ? 0 : n < 100 ? 0.1 : (double)n / 1000;
        break;
    case HK_SPLIT_MAX:
        if (proc_parse_u64(value, &n) < 0 || n == 0 || n > (1u << 30))
            return err_set(e, -EINVAL, "-D %s='%s': expected bytes from 1 to 1073741824", key,
                           value);
        a->split_max = n;
        break;
    case HK_LOCAL_MAPS:
        if (proc_parse_u64(value, &n) < 0 || n == 0 || n > 1024)
            return err_set(e, -EINVAL, "-D %s='%s': expected a number from 1 to 1024", key, value);
        a->local_maps = (unsigned)n;
        break;
    case HK_REDUCE_MB:
        if (proc_parse_u64(value, &n) < 0 || n == 0 || n > (1u << 20))
            return err_set(e, -EINVAL, "-D %s='%s': expected MB from 1 to 1048576", key, value);
        a->reduce_mb = (unsigned)n;
        break;
    case HK_FALSE_ONLY:
        if (strcmp(value, "false") != 0)
            return err_set(e, -EINVAL,
                           "-D %s=%s: not supported yet: the part files are written "
                           "uncompressed",
                           key, value);
        break;
    case HK_TRUE_ONLY:
        if (strcmp(value, "true") != 0)
            return err_set(e, -EINVAL,
                           "-D %s=%s: not supported yet: a command that exits non-zero "
                           "fails its task",
                           key, value);
        break;
    case HK_CMP_OPTIONS: a->key_compare = value; break;
    case HK_PART_OPTIONS: a->part_options = value; break;
    case HK_PART_FIELDS:
        if (proc_parse_u64(value, &n) < 0 || n == 0 || n > 1000)
            return err_set(e, -EINVAL, "-D %s='%s': expected a number of fields from 1 to 1000",
                           key, value);
        snprintf(a->part_fields, sizeof a->part_fields, "-k1,%u", (unsigned)n);
        break;
    case HK_CMP_CLASS:
        if (s_class(key, value, "KeyFieldBasedComparator", &a->key_comparator, e) < 0)
            return e->code;
        break;
    case HK_PART_CLASS:
        if (s_class(key, value, "KeyFieldBasedPartitioner", &a->key_partitioner, e) < 0)
            return e->code;
        break;
    case HK_KEY_FIELD_SEP: {
        const char *sep = s_separator(key, value, e);
        if (!sep)
            return e->code;
        if (strlen(sep) != 1)
            return err_set(e, -EINVAL, "-D %s='%s': not supported yet: only one byte", key, value);
        a->key_field_sep = sep;
        break;
    }
    case HK_UNSUPPORTED:
        return err_set(e, -EINVAL,
                       "-D %s: not supported yet: keys are grouped by their bytes (or by "
                       "KeyFieldBasedComparator)",
                       key);
    default: break; /* HK_NO_CHANGE, or the job's own key */
    }
    s_export(a, key, key_len, value);
    return 0;
}

/* Only Hadoop's text formats: the others change what the commands read or
 * what the parts hold. */
static int s_format(const char *flag, const char *value, const char *format, err_t *e)
{
    const char *base = strrchr(value, '.');
    base = base ? base + 1 : value;
    if (strcmp(base, format) != 0)
        return err_set(e, -EINVAL, "%s %s: not supported yet: only %s", flag, value, format);
    return 0;
}

int hsargs_parse(hsargs_t *a, int argc, char **argv, err_t *e)
{
    memset(a, 0, sizeof *a);
    a->reduces = -1;
    a->key_fields = 1;
    a->field_sep = "\t";
    a->out_key_fields = 1;
    a->out_field_sep = "\t";
    a->text_sep = "\t";
    a->key_field_sep = "\t";
    int reduces_d = -1; /* -D mapreduce.job.reduces; -numReduceTasks wins, as in Hadoop */
    uint64_t n = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        int opt = -1;
        const char *why = NULL;
        if (strncmp(arg, "-D", 2) == 0 && arg[2]) { /* -Dkey=value */
            opt = HS_DEFINE;
            value = arg + 2;
        }
        for (size_t k = 0; opt < 0 && k < sizeof s_options / sizeof s_options[0]; k++) {
            if (strcmp(arg, s_options[k].name) != 0)
                continue;
            opt = (int)s_options[k].what;
            why = s_options[k].why;
            if (s_options[k].value) {
                if (i + 1 >= argc)
                    return err_set(e, -EINVAL, "option %s needs a value (see -help)", arg);
                value = argv[++i];
            }
        }
        switch (opt) {
        case HS_INPUT: s_push_list(&a->inputs, &a->n_inputs, value); break;
        case HS_OUTPUT: a->output = value; break;
        case HS_MAPPER: a->mapper = value; break;
        case HS_REDUCER: a->reducer = value; break;
        case HS_COMBINER: a->combiner = value; break;
        case HS_FILE: s_push(&a->files, &a->n_files, value, strlen(value)); break;
        case HS_FILES: s_push_list(&a->files, &a->n_files, value); break;
        case HS_LIBJARS: break; /* no Java here */
        case HS_REDUCES:
            if (s_number("-numReduceTasks", value, HSARGS_MAX_REDUCES, &n, e) < 0)
                return e->code;
            a->reduces = (int)n;
            break;
        case HS_CMDENV:
            if (!strchr(value, '=') || value[0] == '=')
                return err_set(e, -EINVAL, "-cmdenv '%s': expected NAME=VALUE", value);
            s_push(&a->cmdenv, &a->n_cmdenv, value, strlen(value));
            break;
        case HS_INPUTFORMAT:
            if (s_format(arg, value, "TextInputFormat", e) < 0)
                return e->code;
            break;
        case HS_OUTPUTFORMAT:
            if (s_format(arg, value, "TextOutputFormat", e) < 0)
                return e->code;
            break;
        case HS_DEFINE:
            if (s_define(a, value, &reduces_d, e) < 0)
                return e->code;
            break;
        case HS_VERBOSE: a->verbose = true; break;
        case HS_HELP: hsargs_usage(stdout); return 1;
        case HS_VERSION: printf("mr-streaming %s\n", MR_VERSION_STRING); return 1;
        case HS_LAZY: a->lazy_output = true; break;
        case HS_FS:
            if (strcmp(value, "local") != 0 && strncmp(value, "file:", 5) != 0)
                return err_set(e, -EINVAL,
                               "%s %s: not supported: mr-streaming runs on this machine's "
                               "files (give local or file:///)",
                               arg, value);
            break;
        case HS_PARTITIONER:
            if (s_class(arg, value, "KeyFieldBasedPartitioner", &a->key_partitioner, e) < 0)
                return e->code;
            break;
        case HS_UNSUPPORTED:
            return err_set(e, -EINVAL, "option %s is not supported yet: %s", arg, why);
        default:
            if (arg[0] == '-' && arg[1] == '-')
                return err_set(e, -EINVAL,
                               "unknown option '%s': mr-streaming takes Hadoop Streaming's "
                               "single-dash options (see -help); mr-run takes mr's own",
                               arg);
            return err_set(e, -EINVAL, "unknown option '%s' (see -help)", arg);
        }
    }
    if (a->n_inputs == 0)
        return err_set(e, -EINVAL, "required option -input is missing (see -help)");
    if (!a->output)
        return err_set(e, -EINVAL, "required option -output is missing (see -help)");
    if (!a->mapper)
        return err_set(e, -EINVAL, "required option -mapper is missing (see -help)");
    if (a->reduces < 0)
        a->reduces = reduces_d >= 0 ? reduces_d : 1;
    if (a->reducer && strcmp(a->reducer, "NONE") == 0)
        a->reduces = 0;
    /* The options now, not when mr-run starts, so the error names the key. */
    keycmp_t k;
    if (a->key_comparator && keycmp_parse(&k, a->key_compare, a->key_field_sep[0], e) < 0)
        return err_prefix(e, "-D mapreduce.partition.keycomparator.options: ");
    if (a->key_partitioner && keycmp_parse(&k, a->part_options, a->key_field_sep[0], e) < 0)
        return err_prefix(e, "-D mapreduce.partition.keypartitioner.options: ");
    if (a->combiner && strcmp(a->field_sep, "\t") != 0)
        return err_set(e, -EINVAL,
                       "-combiner with stream.map.output.field.separator='%s' is not "
                       "supported yet: a combiner reads TAB-separated keys",
                       a->field_sep);
    return 0;
}

void hsargs_fini(hsargs_t *a)
{
    char **lists[] = { a->inputs, a->files, a->cmdenv };
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; lists[l] && lists[l][i]; i++)
            free(lists[l][i]);
        free(lists[l]);
    }
    memset(a, 0, sizeof *a);
}
