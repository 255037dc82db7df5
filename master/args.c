/*
 * args.c - mr-run's options with getopt_long.  Every value is checked here,
 * so the rest of the master can trust args_t.
 */
#include "args.h"

#include "afile.h"
#include "hsargs.h"
#include "keycmp.h"
#include "mem.h"
#include "plugin.h"
#include "proc.h"
#include "taskenv.h"
#include "transport.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 1 MiB chunks: large enough that per-chunk costs (a message, a hash table
 * reset) vanish against per-record work, small enough that two chunks of
 * credit per mapper keep every core busy on inputs of a few MB. */
#define ARGS_DEFAULT_CHUNK (1u << 20)

enum {
    OPT_ORDERED = 256,
    OPT_UNORDERED,
    OPT_SORT,
    OPT_CHUNK_SIZE,
    OPT_ARG,
    OPT_STATS,
    OPT_VERSION,
    OPT_MAX_ATTEMPTS,
    OPT_SKIP_BAD,
    OPT_BAD_RECORDS,
    OPT_TASK_TIMEOUT,
    OPT_LISTEN,
    OPT_SERVER_KEY,
    OPT_AUTHORIZED,
    OPT_INSECURE,
    OPT_HEARTBEAT,
    OPT_MAP_CMD,
    OPT_REDUCE_CMD,
    OPT_PROGRESS,
    OPT_TIMELINE,
    OPT_TMPDIR,
    OPT_MEMORY,
    OPT_CMDENV,
    OPT_KEY_FIELDS,
    OPT_FIELD_SEP,
    OPT_OUTPUT_PARTS,
    OPT_KEY_COMPARE,
    OPT_PARTITION_FIELDS,
    OPT_KEY_FIELD_SEP,
};

static const struct option s_options[] = {
    { "mapper", required_argument, NULL, 'm' },
    { "reducer", required_argument, NULL, 'r' },
    { "input", required_argument, NULL, 'i' },
    { "output", required_argument, NULL, 'o' },
    { "jobs", required_argument, NULL, 'j' },
    { "ordered", no_argument, NULL, OPT_ORDERED },
    { "unordered", no_argument, NULL, OPT_UNORDERED },
    { "sort", no_argument, NULL, OPT_SORT },
    { "chunk-size", required_argument, NULL, OPT_CHUNK_SIZE },
    { "null", no_argument, NULL, '0' },
    { "arg", required_argument, NULL, OPT_ARG },
    { "stats", required_argument, NULL, OPT_STATS },
    { "max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS },
    { "skip-bad", no_argument, NULL, OPT_SKIP_BAD },
    { "bad-records", required_argument, NULL, OPT_BAD_RECORDS },
    { "task-timeout", required_argument, NULL, OPT_TASK_TIMEOUT },
    { "listen", required_argument, NULL, OPT_LISTEN },
    { "server-key", required_argument, NULL, OPT_SERVER_KEY },
    { "authorized-keys", required_argument, NULL, OPT_AUTHORIZED },
    { "insecure", no_argument, NULL, OPT_INSECURE },
    { "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
    { "map-cmd", required_argument, NULL, OPT_MAP_CMD },
    { "reduce-cmd", required_argument, NULL, OPT_REDUCE_CMD },
    { "progress", no_argument, NULL, OPT_PROGRESS },
    { "timeline", required_argument, NULL, OPT_TIMELINE },
    { "reducers", required_argument, NULL, 'R' },
    { "tmpdir", required_argument, NULL, OPT_TMPDIR },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "cmdenv", required_argument, NULL, OPT_CMDENV },
    { "key-fields", required_argument, NULL, OPT_KEY_FIELDS },
    { "field-separator", required_argument, NULL, OPT_FIELD_SEP },
    { "output-parts", required_argument, NULL, OPT_OUTPUT_PARTS },
    { "key-compare", required_argument, NULL, OPT_KEY_COMPARE },
    { "partition-fields", required_argument, NULL, OPT_PARTITION_FIELDS },
    { "key-field-separator", required_argument, NULL, OPT_KEY_FIELD_SEP },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

void args_usage(FILE *f)
{
    fputs("usage: mr-run -m MAPPER.so|--map-cmd CMD [options] [FILE...]\n"
          "\n"
          "Maps every record of the input files (or stdin) with a plugin, in parallel\n"
          "processes, and reduces or reassembles the results.\n"
          "\n"
          "  -m, --mapper SO        mapper plugin (or --map-cmd)\n"
          "  -r, --reducer SO       reducer plugin (default: the mapper, when it has\n"
          "                         combine or reduce)\n"
          "      --map-cmd CMD      map with a shell command instead of -m: it reads a chunk's\n"
          "                         records on stdin and writes key<TAB>value lines\n"
          "      --reduce-cmd CMD   reduce with a shell command instead of -r: it reads every\n"
          "                         key<TAB>value line sorted by key; its stdout is the output\n"
          "      --cmdenv NAME=VALUE\n"
          "                         set NAME in the commands' environment (repeatable), beside\n"
          "                         Hadoop Streaming's mapreduce_map_input_file and the rest\n"
          "      --key-fields N     a --map-cmd line's key is its first N fields (default 1), as\n"
          "                         stream.num.map.output.key.fields; the rest is the value\n"
          "      --field-separator SEP\n"
          "                         what separates those fields (default TAB), as\n"
          "                         stream.map.output.field.separator\n"
          "      --key-compare OPTS the order in which --reduce-cmd reads keys: sort(1)'s\n"
          "                         -kF[,L] with n and r, and -n, -r ('-k1,1n -k2,2nr'), as\n"
          "                         KeyFieldBasedComparator; ties, and a key's lines, in\n"
          "                         LC_ALL=C sort order (without it: all in that order)\n"
          "      --partition-fields OPTS\n"
          "                         with -R N, a key's reducer is a hash of these fields only\n"
          "                         ('-k1,1'), as KeyFieldBasedPartitioner\n"
          "      --key-field-separator C\n"
          "                         the byte between the fields those two see (default TAB)\n"
          "  -i, --input FILE       input file, repeatable; '-' is stdin (the default);\n"
          "                         FILE.gz, FILE.bz2, FILE.xz are read decompressed; a\n"
          "                         directory stands for its files (not recursive, no\n"
          "                         _* or .* names, sorted by name)\n"
          "  -o, --output FILE      output file (default: stdout); written whole or not at all\n"
          "      --output-parts DIR write each reducer's part as DIR/part-00000, part-00001...\n"
          "                         (an existing directory), as Hadoop does, instead of -o\n"
          "  -j, --jobs N           mapper processes (default: online CPUs)\n"
          "  -R, --reducers N       reducer processes of a key-grouped job, 1 to 64 (default: a\n"
          "                         quarter of the CPUs, at least 2, at most 16): each owns the\n"
          "                         keys of one partition (a hash of the key)\n"
          "      --tmpdir DIR       where the job's private scratch directory goes: reducers'\n"
          "                         parts and spills (default: $TMPDIR, else /tmp)\n"
          "      --memory SIZE      memory for all reducers together, k/M/G suffixes; past its\n"
          "                         share a reducer spills to --tmpdir (default: half of RAM)\n"
          "      --ordered          write map output in input order (like Pool.imap)\n"
          "      --unordered        write map output as chunks finish (imap_unordered)\n"
          "      --sort             key-grouped output sorted bytewise by key\n"
          "      --chunk-size SIZE  bytes per chunk, with k/M/G suffixes (default 1M;\n"
          "                         16M with --map-cmd; a combining job over files,\n"
          "                         where combining pays, cuts up to 16M, down to\n"
          "                         1M as the input runs out)\n"
          "  -0, --null             records (input and output) end with NUL, not newline\n"
          "      --arg STRING       string passed to the plugins' init\n"
          "      --stats FILE       write job statistics as JSON\n"
          "      --max-attempts N   failures of one chunk before the job fails (default 4)\n"
          "      --skip-bad         skip a record that makes the plugin fail twice, and go on\n"
          "      --bad-records FILE write the skipped records to FILE\n"
          "      --task-timeout SECONDS\n"
          "                         treat a map() call running longer as a crash (default: off)\n"
          "      --listen tcp://HOST:PORT\n"
          "                         let mr-mapper --connect processes on other hosts help\n"
          "      --server-key FILE  this master's CURVE key pair (from mr-keygen)\n"
          "      --authorized-keys DIR\n"
          "                         accept remote mappers whose DIR/*.pub key is listed\n"
          "      --insecure         allow --listen without keys (anyone who can reach it joins)\n"
          "      --heartbeat SECONDS\n"
          "                         declare a silent remote mapper dead (default 5)\n"
          "      --progress         show the progress line even when stderr is not a terminal\n"
          "      --timeline FILE    draw the job (a lane per mapper, a bar per chunk attempt)\n"
          "                         as an SVG picture\n"
          "  -q, --quiet            no progress line or messages\n"
          "  -h, --help             this text\n"
          "      --version          print the version and the plugin ABI range it loads\n",
          f);
}

int args_parse_size(const char *s, size_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -EINVAL;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    default: return -EINVAL;
    }
    if (*end != '\0')
        return -EINVAL;
    if (v > (SIZE_MAX >> shift))
        return -ERANGE;
    *out = (size_t)(v << shift);
    return 0;
}

uint64_t args_default_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long size = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || size <= 0)
        return (uint64_t)1 << 30; /* unknown: 1 GiB */
    return (uint64_t)pages * (uint64_t)size / 2;
}

unsigned args_default_reducers(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus <= 1)
        return 1;
    long n = cpus / 4;
    return n < 2 ? 2u : n > 16 ? 16u : (unsigned)n;
}

/* Looks for Hadoop's single-dash options where mr-run reads options,
 * stepping over the values of the options that take one, so that
 * `--map-cmd -mapper` or a file operand after `--` is left alone. */
static int s_check_hadoop(int argc, char **argv, err_t *e)
{
    static const char with_value[] = "mriojR"; /* the short options that take one */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return 0;
        if (strncmp(a, "--", 2) == 0) {
            size_t len = strcspn(a + 2, "=");
            for (const struct option *o = s_options; o->name && !a[2 + len]; o++)
                if (strlen(o->name) == len && strncmp(o->name, a + 2, len) == 0 &&
                    o->has_arg == required_argument)
                    i++;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0')
            continue;
        if (hsargs_misread(a, e) < 0)
            return e->code;
        /* A cluster of short options: the first that takes a value takes
         * the rest of the word, or the next word. */
        for (const char *p = a + 1; *p; p++) {
            if (strchr(with_value, *p)) {
                if (p[1] == '\0')
                    i++;
                break;
            }
        }
    }
    return 0;
}

static int s_bad(err_t *e, const char *flag, const char *value, const char *why)
{
    return err_set(e, -EINVAL, "invalid value '%s' for %s: %s", value, flag, why);
}

int args_parse(args_t *a, int argc, char **argv, err_t *e)
{
    memset(a, 0, sizeof *a);
    a->chunk_size = ARGS_DEFAULT_CHUNK;
    a->delim = '\n';
    a->max_attempts = 4;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->jobs = cpus > 0 ? (unsigned)cpus : 1;
    a->inputs = mem_calloc((size_t)argc + 1, sizeof *a->inputs);
    a->cmdenv = mem_calloc((size_t)argc + 1, sizeof *a->cmdenv);

    a->heartbeat = 5;
    bool jobs_zero = false;
    if (s_check_hadoop(argc, argv, e) < 0)
        return e->code;
    opterr = 0;
    optind = 0; /* 0, not 1: glibc then also forgets a half-parsed "-abc" group */
    int c;
    uint64_t n = 0;
    /* The leading '-' keeps operands in place among options (case 1), so
     * "a -i b" reads a before b, as the user wrote it. */
    while ((c = getopt_long(argc, argv, "-:m:r:i:o:j:R:0qh", s_options, NULL)) != -1) {
        switch (c) {
        case 'm': a->mapper = optarg; break;
        case 'r': a->reducer = optarg; break;
        case 'i':
        case 1: a->inputs[a->n_inputs++] = optarg; break;
        case 'o': a->output = optarg; break;
        case 'j':
            if (proc_parse_u64(optarg, &n) < 0 || n > 1024)
                return s_bad(e, "-j", optarg,
                             "expected a number of processes from 1 to 1024 "
                             "(0 only with --listen)");
            a->jobs = (unsigned)n;
            jobs_zero = n == 0;
            break;
        case 'R':
            if (proc_parse_u64(optarg, &n) < 0 || n == 0 || n > 64)
                return s_bad(e, "-R", optarg, "expected a number of reducers from 1 to 64");
            a->reducers = (unsigned)n;
            break;
        case OPT_TMPDIR:
            if (!*optarg)
                return s_bad(e, "--tmpdir", optarg, "expected a directory");
            a->tmpdir = optarg;
            break;
        case OPT_MEMORY:
            if (args_parse_size(optarg, &a->memory) < 0 || a->memory < ((size_t)1 << 20))
                return s_bad(e, "--memory", optarg,
                             "expected a size of at least 1M, with an optional k, M or G");
            a->memory_set = true;
            break;
        case OPT_ORDERED:
        case OPT_UNORDERED:
            if (a->mode_set)
                return err_set(e, -EINVAL, "--ordered and --unordered exclude each other");
            a->mode = c == OPT_ORDERED ? PROTO_MODE_ORDERED : PROTO_MODE_UNORDERED;
            a->mode_set = true;
            break;
        case OPT_SORT: a->sort = true; break;
        case OPT_CHUNK_SIZE:
            a->chunk_size_set = true;
            if (args_parse_size(optarg, &a->chunk_size) < 0 || a->chunk_size == 0 ||
                a->chunk_size > (1u << 30))
                return s_bad(e, "--chunk-size", optarg,
                             "expected a size from 1 to 1G, with an optional k, M or G");
            break;
        case '0': a->delim = '\0'; break;
        case OPT_ARG: a->arg = optarg; break;
        case OPT_STATS: a->stats = optarg; break;
        case OPT_MAX_ATTEMPTS:
            if (proc_parse_u64(optarg, &n) < 0 || n == 0 || n > 1000)
                return s_bad(e, "--max-attempts", optarg, "expected a number from 1 to 1000");
            a->max_attempts = (unsigned)n;
            break;
        case OPT_SKIP_BAD: a->skip_bad = true; break;
        case OPT_BAD_RECORDS: a->bad_records = optarg; break;
        case OPT_TASK_TIMEOUT: {
            char *end = NULL;
            errno = 0;
            a->task_timeout = strtod(optarg, &end);
            /* Below a tenth of a second a busy machine's scheduling alone
             * would "time out" healthy map() calls (1e-300 was accepted). */
            if (errno || end == optarg || *end != '\0' || !(a->task_timeout >= 0.1) ||
                a->task_timeout > 86400 * 7)
                return s_bad(e, "--task-timeout", optarg, "expected seconds from 0.1 to 604800");
            break;
        }
        case OPT_MAP_CMD: a->map_cmd = optarg; break;
        case OPT_PROGRESS: a->progress = true; break;
        case OPT_TIMELINE: a->timeline = optarg; break;
        case OPT_REDUCE_CMD: a->reduce_cmd = optarg; break;
        case OPT_CMDENV:
            if (taskenv_check_assignment(optarg, e) < 0)
                return e->code;
            a->cmdenv[a->n_cmdenv++] = optarg;
            break;
        case OPT_KEY_FIELDS:
            if (proc_parse_u64(optarg, &n) < 0 || n == 0 || n > 1000)
                return s_bad(e, "--key-fields", optarg,
                             "expected a number of fields from 1 to 1000");
            a->key_fields = (unsigned)n;
            break;
        case OPT_FIELD_SEP:
            if (!*optarg || strchr(optarg, '\n') || strlen(optarg) > 64)
                return s_bad(e, "--field-separator", optarg,
                             "expected 1 to 64 bytes, without a newline");
            a->field_sep = optarg;
            break;
        case OPT_KEY_COMPARE: a->key_compare = optarg; break;
        case OPT_PARTITION_FIELDS: a->partition_fields = optarg; break;
        case OPT_KEY_FIELD_SEP:
            if (strlen(optarg) != 1)
                return s_bad(e, "--key-field-separator", optarg, "expected one byte");
            a->key_field_sep = optarg;
            break;
        case OPT_OUTPUT_PARTS:
            if (!*optarg)
                return s_bad(e, "--output-parts", optarg, "expected a directory");
            a->output_parts = optarg;
            break;
        case OPT_LISTEN: a->listen = optarg; break;
        case OPT_SERVER_KEY: a->server_key = optarg; break;
        case OPT_AUTHORIZED: a->authorized = optarg; break;
        case OPT_INSECURE: a->insecure = true; break;
        case OPT_HEARTBEAT: {
            char *end = NULL;
            errno = 0;
            a->heartbeat = strtod(optarg, &end);
            if (errno || end == optarg || *end != '\0' || !(a->heartbeat >= 0.2) ||
                a->heartbeat > 3600)
                return s_bad(e, "--heartbeat", optarg, "expected seconds from 0.2 to 3600");
            break;
        }
        case 'q': a->quiet = true; break;
        case 'h': args_usage(stdout); return 1;
        case OPT_VERSION:
            printf("mr-run %s (plugin ABI %d to %d)\n", MR_VERSION_STRING, PLUGIN_ABI_OLDEST,
                   MR_ABI_VERSION);
            return 1;
        case ':':
            return err_set(e, -EINVAL, "option %s needs a value (see --help)", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256)
                return err_set(e, -EINVAL, "unknown option '-%c' (see --help)", optopt);
            return err_set(e, -EINVAL, "unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++)
        a->inputs[a->n_inputs++] = argv[i];
    if (a->n_inputs == 0)
        a->inputs[a->n_inputs++] = "-";
    if (!a->mapper && !a->map_cmd)
        return err_set(e, -EINVAL, "no mapper: give -m PLUGIN.so or --map-cmd CMD (see --help)");
    if (a->mapper && a->map_cmd)
        return err_set(e, -EINVAL, "-m and --map-cmd exclude each other");
    if (a->reducer && a->reduce_cmd)
        return err_set(e, -EINVAL, "-r and --reduce-cmd exclude each other");
    if (a->reduce_cmd && a->mode_set)
        return err_set(e, -EINVAL,
                       "--reduce-cmd is not allowed with --%s: that output "
                       "comes straight from the mappers",
                       proto_mode_name(a->mode));
    if (a->listen && a->arg && strlen(a->arg) > 480)
        return err_set(e, -EINVAL,
                       "--arg is longer than the 480 bytes a remote mapper can be "
                       "sent; use a file the plugin reads instead");
    if (a->map_cmd && a->listen)
        return err_set(e, -EINVAL,
                       "--map-cmd with --listen is not supported: remote mappers "
                       "run a plugin (-m)");
    if (a->n_cmdenv && !a->map_cmd && !a->reduce_cmd)
        return err_set(e, -EINVAL,
                       "--cmdenv sets variables for --map-cmd and --reduce-cmd, and this job "
                       "runs neither");
    if ((a->key_fields || a->field_sep) && (!a->map_cmd || a->mode_set))
        return err_set(e, -EINVAL,
                       "--key-fields and --field-separator split a --map-cmd's lines into key "
                       "and value in a key-grouped job");
    keycmp_t k;
    char sep = a->key_field_sep ? a->key_field_sep[0] : '\t';
    if (keycmp_parse(&k, a->key_compare, sep, e) < 0 ||
        keycmp_parse(&k, a->partition_fields, sep, e) < 0)
        return e->code;
    if (a->key_compare && !a->reduce_cmd)
        return err_set(e, -EINVAL, "--key-compare orders what --reduce-cmd reads: give one");
    if (a->partition_fields && a->mode_set)
        return err_set(e, -EINVAL, "--partition-fields splits the keys of a key-grouped job");
    if (a->partition_fields && a->listen)
        return err_set(e, -EINVAL,
                       "--partition-fields with --listen is not supported yet: remote mappers "
                       "split by the whole key, and the reducers would refuse their results");
    if (a->output_parts && a->output)
        return err_set(e, -EINVAL, "-o and --output-parts exclude each other");
    if (a->map_cmd && a->skip_bad)
        return err_set(e, -EINVAL,
                       "--skip-bad needs a plugin (-m): a command's failure "
                       "cannot be pinned to one record");
    if (a->map_cmd && !a->chunk_size_set)
        a->chunk_size = ARGS_CMD_CHUNK;
    if (jobs_zero && !a->listen)
        return s_bad(e, "-j", "0",
                     "no local mapper is only possible with --listen, where "
                     "remote mappers do the work");
    if (!a->listen && (a->server_key || a->authorized || a->insecure))
        return err_set(e, -EINVAL, "--server-key, --authorized-keys and --insecure need --listen");
    char listen_host[256];
    if (a->listen && transport_endpoint_host(a->listen, listen_host, sizeof listen_host) < 0)
        return s_bad(e, "--listen", a->listen, "expected tcp://HOST:PORT");
    if (!a->server_key != !a->authorized)
        return err_set(e, -EINVAL, "--server-key and --authorized-keys go together");
    /* Loopback is no exception: every local user can reach it, and a peer
     * without a key cannot be told from any other. */
    if (a->listen && !a->server_key && !a->insecure)
        return err_set(e, -EINVAL,
                       "--listen %s without keys would let anyone who can reach it (on "
                       "loopback: every user of this machine) send results: give "
                       "--server-key and --authorized-keys (see mr-keygen), or --insecure",
                       a->listen);
    if (a->bad_records && !a->skip_bad)
        return err_set(e, -EINVAL, "--bad-records needs --skip-bad");
    if (a->sort && a->mode_set)
        return err_set(e, -EINVAL, "--sort applies to key-grouped output, not to --%s",
                       proto_mode_name(a->mode));
    if (a->reducer && a->mode_set)
        return err_set(e, -EINVAL,
                       "-r is not used with --%s: that output comes straight "
                       "from the mapper",
                       proto_mode_name(a->mode));
    if (a->reducers > 1 && a->mode_set)
        return err_set(e, -EINVAL,
                       "-R %u applies to key-grouped jobs; --%s output has one reducer, "
                       "which writes it in order",
                       a->reducers, proto_mode_name(a->mode));
    return 0;
}

void args_fini(args_t *a)
{
    free(a->inputs);
    a->inputs = NULL;
    free(a->cmdenv);
    a->cmdenv = NULL;
}

void args_set_inputs(args_t *a, const char *const *inputs, size_t n)
{
    free(a->inputs);
    a->inputs = mem_calloc(n + 1, sizeof *a->inputs);
    if (n)
        memcpy(a->inputs, inputs, n * sizeof *inputs);
    a->n_inputs = n;
}

/* A file named on the command line, for args_check_files. */
typedef struct args_file {
    const char *flag; /* as the user would write it: "-o", "--stats", "-i" */
    const char *path; /* borrowed from argv */
    afile_id_t id;    /* what it resolves to */
    bool known;       /* id could be resolved (else afile_open or open says why later) */
} args_file_t;

int args_check_files(const args_t *a, err_t *e)
{
    const struct {
        const char *flag;
        const char *path;
    } outs[] = {
        { "-o", a->output },
        { "--stats", a->stats },
        { "--timeline", a->timeline },
        { "--bad-records", a->bad_records },
    };
    size_t n_outs = sizeof outs / sizeof outs[0];
    size_t cap = a->n_inputs + 4;
    args_file_t *ins = mem_calloc(cap, sizeof *ins);
    size_t n_ins = 0;
    for (size_t i = 0; i < a->n_inputs; i++)
        ins[n_ins++] = (args_file_t){ .flag = "-i", .path = a->inputs[i] };
    const char *others[][2] = { { "-m", a->mapper },
                                { "-r", a->reducer },
                                { "--server-key", a->server_key } };
    for (size_t i = 0; i < 3; i++)
        if (others[i][1])
            ins[n_ins++] = (args_file_t){ .flag = others[i][0], .path = others[i][1] };
    for (size_t i = 0; i < n_ins; i++)
        ins[i].known = afile_id_input(ins[i].path, &ins[i].id) == 0;

    args_file_t seen[4];
    size_t n_seen = 0;
    int rc = 0;
    for (size_t o = 0; o < n_outs && rc == 0; o++) {
        if (!outs[o].path)
            continue;
        args_file_t *out = &seen[n_seen];
        *out = (args_file_t){ .flag = outs[o].flag, .path = outs[o].path };
        out->known = afile_id(out->path, &out->id) == 0;
        if (!out->known || out->id.direct)
            continue;
        for (size_t i = 0; i < n_ins && rc == 0; i++)
            if (ins[i].known && afile_id_same(&out->id, &ins[i].id))
                rc = err_set(e, -EINVAL,
                             "%s %s and %s %s are the same file: mr does not write over "
                             "what it reads",
                             out->flag, out->path, ins[i].flag,
                             strcmp(ins[i].path, "-") == 0 ? "- (stdin)" : ins[i].path);
        for (size_t i = 0; i < n_seen && rc == 0; i++)
            if (afile_id_same(&out->id, &seen[i].id))
                rc =
                    err_set(e, -EINVAL, "%s %s and %s %s are the same file: give each its own file",
                            seen[i].flag, seen[i].path, out->flag, out->path);
        n_seen++;
    }
    free(ins);
    return rc;
}
