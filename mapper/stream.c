/*
 * stream.c - mr-stream: one mr plugin as a Hadoop Streaming command.
 *
 *     mr-stream map|combine|reduce PLUGIN.so [--arg STRING] [-0]
 *
 * Hadoop Streaming (and Spark's RDD.pipe) run a command per task, feed it
 * records on stdin and read lines from stdout; the framework sorts the map
 * output by key between the stages.  mr-stream is that command for an mr
 * plugin, so a plugin written for mr-run runs unchanged on a cluster:
 *
 *   map      reads records (newline-terminated, NUL with -0; the last may
 *            lack its terminator) and calls map() on each.  With combine the
 *            pairs are merged per key in memory, as mr's mappers do, and
 *            printed one line per key (the table is flushed early when it
 *            holds 64 MiB or 1M keys, so memory stays bounded); without it
 *            each pair is printed as it is emitted.
 *   combine  merges the values of each key of KEY<TAB>VALUE lines with
 *            combine(), sorted input or not, and prints KEY<TAB>VALUE lines
 *            in the order keys first appeared, so sorted input stays sorted
 *            (Hadoop writes a combiner's output back into a sorted spill).
 *   reduce   reads KEY<TAB>VALUE lines sorted by key, folds each run of
 *            equal keys with combine() as it goes (or collects the run for
 *            reduce() when there is no combine), calls reduce() and prints
 *            what it emits exactly as mr-run prints its final output: raw
 *            key<TAB>value, or value alone when the key is empty.
 *
 * Between the stages keys and values travel in the escaped text form of
 * stream_text.h (backslash, TAB, newline, CR and NUL as \\ \t \n \r \0, any
 * other byte < 0x20 or >= 0x7f as \xHH), so binary values survive Hadoop,
 * sort and cut, and a word key looks like itself.  Intermediate lines (map
 * output of a plugin with combine or reduce, combine output) always carry the
 * TAB, so an empty key is "<TAB>VALUE" and survives Hadoop's split.  The map
 * output of a map-only plugin is final output: it takes mr-run's line form,
 * escaped: KEY<TAB>VALUE, or VALUE alone for an empty key (the reduce side's
 * rule for its raw lines).  Input lines are split as Hadoop does: a line
 * without a TAB is all key, with an empty value.
 *
 * This file holds the command line and the three stages; the per-key
 * merging with combine() is stream_fold.c's, records and lines stream_io.c's,
 * the escaped form stream_text.c's.  Everything runs in one process on one
 * thread: there is no transport, only stdin, stdout and the plugin.  See
 * docs/cluster.md for the jobs.
 */
#include "buf.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "plugin.h"
#include "plugin_counter.h"
#include "plugin_fail.h"
#include "stream_fold.h"
#include "stream_io.h"
#include "stream_text.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The longest record or line: far past any sane record, and a clear error
 * instead of an OOM kill on input with no terminator at all. */
#define S_LINE_MAX ((size_t)1 << 30)

typedef enum s_mode {
    S_MAP,
    S_COMBINE,
    S_REDUCE,
} s_mode_t;

typedef struct s_opts {
    s_mode_t mode;      /* which stage */
    const char *plugin; /* path of the .so, from argv */
    const char *arg;    /* --arg, or NULL; from argv */
    char delim;         /* map's record terminator: '\n' or '\0' (-0) */
} s_opts_t;

/* The emitter map() and reduce() write to when pairs go straight out. */
typedef struct s_direct {
    mr_emitter_t base;          /* must be first: the plugin calls base.emit */
    stream_io_writer_t *writer; /* borrowed */
    stream_io_form_t form;      /* the line form */
} s_direct_t;

static const char s_usage[] =
    "usage: mr-stream map|combine|reduce PLUGIN.so [--arg STRING] [-0]\n"
    "\n"
    "Runs an mr plugin as a Hadoop Streaming or Spark pipe command: stdin in,\n"
    "KEY<TAB>VALUE lines out, keys and values in an escaped text form\n"
    "(\\\\ \\t \\n \\r \\0 \\xHH).  See docs/cluster.md.\n"
    "\n"
    "  map       call map() on each record of stdin; print escaped KEY<TAB>VALUE\n"
    "            lines, merged per key with combine() when the plugin has it\n"
    "  combine   merge the values of each key of escaped KEY<TAB>VALUE lines\n"
    "  reduce    group escaped KEY<TAB>VALUE lines sorted by key (LC_ALL=C sort)\n"
    "            and print the final output as mr-run does, unescaped\n"
    "\n"
    "      --arg STRING  string passed to the plugin's init (as mr-run --arg)\n"
    "  -0, --null        map: records end with NUL instead of newline\n"
    "  -h, --help        this text\n"
    "      --version     print the version and the plugin ABI range it loads\n";

static int s_direct_emit(mr_emitter_t *base, const void *key, size_t key_len, const void *value,
                         size_t value_len)
{
    s_direct_t *d = (s_direct_t *)base;
    return stream_io_writer_line(d->writer, d->form, key, key_len, value, value_len);
}

/* "line 12" or, with -0, "record 12": for messages. */
static const char *s_unit(const stream_io_reader_t *r)
{
    return r->delim ? "line" : "record";
}

/* ---- the three stages ------------------------------------------------ */

/* Describes a key for a message: escaped, cut after 40 bytes. */
static void s_key_excerpt(char out[4 * 40 + 4], const void *key, size_t len)
{
    size_t n = stream_text_escape(out, key, len > 40 ? 40 : len);
    if (len > 40) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* The outcome of one callback call: the writer's error first (the plugin
 * only passed it on), then the table's, then the callback's return code. */
static int s_after_call(const char *what, int prc, const stream_io_writer_t *w,
                        const stream_fold_table_t *t, const char *unit, uint64_t line, err_t *e)
{
    char why[PLUGIN_FAIL_MAX + 64];
    if (w->err.code) {
        plugin_fail_clear();
        *e = w->err;
        return e->code;
    }
    if (t && t->err.code) {
        plugin_fail_clear();
        *e = t->err;
        return err_prefix(e, "%s %llu: ", unit, (unsigned long long)line);
    }
    if (prc != 0)
        return err_set(e, -ECANCELED, "%s %llu: %s", unit, (unsigned long long)line,
                       plugin_fail_why(what, prc, why, sizeof why));
    return 0;
}

static int s_run_map(plugin_t *plugin, const s_opts_t *o, stream_io_writer_t *w,
                     stream_fold_capture_t *capture, err_t *e)
{
    const mr_plugin_t *p = plugin_desc(plugin);
    void *state = plugin_state(plugin);
    stream_fold_table_t table;
    stream_fold_table_init(&table, p, state, capture, w);
    /* With combine or reduce the output is intermediate; a map-only
     * plugin's output is the job's final output. */
    s_direct_t direct = { .base.emit = s_direct_emit,
                          .base.failure = plugin_fail_note,
                          .base.counter = plugin_counter_note,
                          .writer = w,
                          .form = p->combine || p->reduce ? STREAM_IO_PAIR : STREAM_IO_ESCAPED };
    mr_emitter_t *out = p->combine ? &table.base : &direct.base;
    stream_io_reader_t r;
    stream_io_reader_init(&r, STDIN_FILENO, "stdin", o->delim, S_LINE_MAX);
    char *rec = NULL;
    size_t len = 0;
    int rc;
    while ((rc = stream_io_reader_next(&r, &rec, &len, e)) > 0) {
        mr_bytes_t record = { rec, len };
        int prc = p->map(state, record, out);
        rc = s_after_call("map", prc, w, &table, s_unit(&r), r.count, e);
        if (rc < 0)
            goto done;
    }
    if (rc == 0 && p->combine && stream_fold_table_flush(&table) < 0)
        rc = s_after_call("map", 0, w, NULL, "", 0, e);
done:
    stream_io_reader_fini(&r);
    stream_fold_table_fini(&table);
    return rc;
}

static int s_run_combine(plugin_t *plugin, stream_io_writer_t *w, stream_fold_capture_t *capture,
                         err_t *e)
{
    stream_fold_table_t table;
    stream_fold_table_init(&table, plugin_desc(plugin), plugin_state(plugin), capture, w);
    stream_io_reader_t r;
    stream_io_reader_init(&r, STDIN_FILENO, "stdin", '\n', S_LINE_MAX);
    char *line = NULL;
    size_t len = 0;
    int rc;
    while ((rc = stream_io_reader_next(&r, &line, &len, e)) > 0) {
        mr_bytes_t key;
        mr_bytes_t value;
        rc = stream_text_split(line, len, &key, &value, e);
        if (rc < 0) {
            err_prefix(e, "line %llu: ", (unsigned long long)r.count);
            goto done;
        }
        stream_fold_table_add(&table, key.ptr, key.len, value.ptr, value.len);
        rc = s_after_call("combine", 0, w, &table, "line", r.count, e);
        if (rc < 0)
            goto done;
    }
    if (rc == 0 && stream_fold_table_flush(&table) < 0)
        rc = s_after_call("combine", 0, w, NULL, "", 0, e);
done:
    stream_io_reader_fini(&r);
    stream_fold_table_fini(&table);
    return rc;
}

/* The reduce stage's state: the run of lines with the current key. */
typedef struct s_group {
    const mr_plugin_t *p;           /* borrowed plugin */
    void *state;                    /* borrowed plugin state */
    stream_fold_capture_t *capture; /* borrowed; combine's emitter */
    stream_io_writer_t *writer;     /* borrowed */
    bool open;                      /* a run has begun */
    buf_t key;                      /* owned; the run's key, decoded */
    buf_t acc;                      /* owned; with combine: the run's merged value */
    buf_t values;                   /* owned; without combine: its values, back to back */
    size_t *lens;                   /* owned; without combine: the length of each value */
    mr_bytes_t *views;              /* owned; the values as handed to reduce() */
    size_t n_values;                /* values in the run so far */
    size_t values_cap;              /* room in lens and views */
    uint64_t first_line;            /* the run's first input line */
    uint64_t last_line;             /* its last input line so far */
} s_group_t;

/* Names the current run for a message: "line 4" or "lines 4-9". */
static void s_group_lines(const s_group_t *g, char *out, size_t size)
{
    if (g->first_line == g->last_line)
        snprintf(out, size, "line %llu", (unsigned long long)g->first_line);
    else
        snprintf(out, size, "lines %llu-%llu", (unsigned long long)g->first_line,
                 (unsigned long long)g->last_line);
}

/* Adds one value to the open run: folds it in, or keeps it for reduce(). */
static int s_group_add(s_group_t *g, mr_bytes_t value, err_t *e)
{
    if (g->p->combine && g->n_values++ == 0) {
        if (buf_append(&g->acc, value.ptr, value.len) < 0)
            return err_set(e, -EMSGSIZE, "a value is over the cap of %zu MiB",
                           STREAM_FOLD_VALUE_MAX >> 20);
        return 0;
    }
    if (g->p->combine) {
        mr_bytes_t key = { g->key.data, g->key.len };
        mr_bytes_t a = { g->acc.data, g->acc.len };
        int rc = stream_fold_combine(g->p, g->state, g->capture, key, a, value, e);
        if (rc < 0)
            return rc;
        /* The merged value becomes the accumulator; the old one's storage
         * takes the next merge. */
        buf_t old = g->acc;
        g->acc = g->capture->value;
        g->capture->value = old;
        return 0;
    }
    size_t used = g->values.len + g->n_values * sizeof(mr_bytes_t);
    if (value.len + sizeof(mr_bytes_t) > STREAM_FOLD_VALUE_MAX - used) {
        char key[4 * 40 + 4];
        s_key_excerpt(key, g->key.data, g->key.len);
        return err_set(e, -EMSGSIZE,
                       "the values of key '%s' pass the cap of %zu MiB on one key "
                       "(a plugin with combine keeps one value per key)",
                       key, STREAM_FOLD_VALUE_MAX >> 20);
    }
    if (g->n_values == g->values_cap) {
        g->values_cap = g->values_cap ? g->values_cap * 2 : 64;
        g->lens = mem_realloc(g->lens, g->values_cap * sizeof *g->lens);
        g->views = mem_realloc(g->views, g->values_cap * sizeof *g->views);
    }
    g->lens[g->n_values++] = value.len;
    return buf_append(&g->values, value.ptr, value.len);
}

/* Ends the open run: calls reduce() on it, or writes its merged value. */
static int s_group_finish(s_group_t *g, err_t *e)
{
    if (!g->open)
        return 0;
    g->open = false;
    mr_bytes_t key = { g->key.data, g->key.len };
    if (!g->p->reduce) {
        if (stream_io_writer_line(g->writer, STREAM_IO_RAW, key.ptr, key.len, g->acc.data,
                                  g->acc.len) < 0) {
            *e = g->writer->err;
            return e->code;
        }
        return 0;
    }
    const mr_bytes_t *values = g->views;
    size_t n = g->n_values;
    mr_bytes_t merged = { g->acc.data, g->acc.len };
    if (g->p->combine) {
        values = &merged;
        n = 1;
    } else {
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
            g->views[i].ptr = g->values.data + off;
            g->views[i].len = g->lens[i];
            off += g->lens[i];
        }
    }
    s_direct_t direct = { .base.emit = s_direct_emit,
                          .base.failure = plugin_fail_note,
                          .base.counter = plugin_counter_note,
                          .writer = g->writer,
                          .form = STREAM_IO_RAW };
    int prc = g->p->reduce(g->state, key, values, n, &direct.base);
    if (g->writer->err.code) {
        plugin_fail_clear();
        *e = g->writer->err;
        return e->code;
    }
    if (prc != 0) {
        char lines[64];
        char text[4 * 40 + 4];
        char why[PLUGIN_FAIL_MAX + 64];
        s_group_lines(g, lines, sizeof lines);
        s_key_excerpt(text, g->key.data, g->key.len);
        return err_set(e, -ECANCELED, "%s: %s on key '%s'", lines,
                       plugin_fail_why("reduce", prc, why, sizeof why), text);
    }
    return 0;
}

/* Starts a run with key at line. */
static void s_group_start(s_group_t *g, mr_bytes_t key, uint64_t line)
{
    buf_reset(&g->key);
    buf_append(&g->key, key.ptr, key.len); /* a key fits: it came from one line */
    buf_reset(&g->acc);
    buf_reset(&g->values);
    g->n_values = 0;
    g->first_line = line;
    g->last_line = line;
    g->open = true;
}

static int s_run_reduce(plugin_t *plugin, stream_io_writer_t *w, stream_fold_capture_t *capture,
                        err_t *e)
{
    s_group_t g = {
        .p = plugin_desc(plugin), .state = plugin_state(plugin), .capture = capture, .writer = w
    };
    buf_init(&g.key, S_LINE_MAX);
    buf_init(&g.acc, STREAM_FOLD_VALUE_MAX);
    buf_init(&g.values, STREAM_FOLD_VALUE_MAX);
    stream_io_reader_t r;
    stream_io_reader_init(&r, STDIN_FILENO, "stdin", '\n', S_LINE_MAX);
    char *line = NULL;
    size_t len = 0;
    int rc;
    while ((rc = stream_io_reader_next(&r, &line, &len, e)) > 0) {
        mr_bytes_t key;
        mr_bytes_t value;
        rc = stream_text_split(line, len, &key, &value, e);
        if (rc < 0) {
            err_prefix(e, "line %llu: ", (unsigned long long)r.count);
            goto done;
        }
        int order = g.open ? stream_text_compare(key.ptr, key.len, g.key.data, g.key.len) : 1;
        if (order < 0) {
            char now[4 * 40 + 4];
            char before[4 * 40 + 4];
            s_key_excerpt(now, key.ptr, key.len);
            s_key_excerpt(before, g.key.data, g.key.len);
            rc = err_set(e, -EINVAL,
                         "line %llu: key '%s' sorts before the previous key '%s': the "
                         "input must be sorted by key (LC_ALL=C sort)",
                         (unsigned long long)r.count, now, before);
            goto done;
        }
        if (order > 0) {
            if ((rc = s_group_finish(&g, e)) < 0)
                goto done;
            s_group_start(&g, key, r.count);
        } else {
            g.last_line = r.count;
        }
        if ((rc = s_group_add(&g, value, e)) < 0) {
            err_prefix(e, "line %llu: ", (unsigned long long)r.count);
            goto done;
        }
    }
    if (rc == 0)
        rc = s_group_finish(&g, e);
done:
    stream_io_reader_fini(&r);
    buf_fini(&g.key);
    buf_fini(&g.acc);
    buf_fini(&g.values);
    free(g.lens);
    free(g.views);
    return rc;
}

/* ---- main ------------------------------------------------------------ */

/* Parses argv into o.  0, 1 when --help or --version printed and the
 * program should exit 0, or -EINVAL with e set (a usage error). */
static int s_parse(s_opts_t *o, int argc, char **argv, err_t *e)
{
    enum { OPT_ARG = 256, OPT_VERSION };
    static const struct option options[] = {
        { "arg", required_argument, NULL, OPT_ARG },
        { "null", no_argument, NULL, '0' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->delim = '\n';
    bool null = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":0h", options, NULL)) != -1) {
        switch (c) {
        case OPT_ARG: o->arg = optarg; break;
        case '0': null = true; break;
        case 'h': fputs(s_usage, stdout); return 1;
        case OPT_VERSION:
            printf("mr-stream %s (plugin ABI %d to %d)\n", MR_VERSION_STRING, PLUGIN_ABI_OLDEST,
                   MR_ABI_VERSION);
            return 1;
        case ':':
            return err_set(e, -EINVAL, "option %s needs a value (see --help)", argv[optind - 1]);
        default:
            if (optopt)
                return err_set(e, -EINVAL, "unknown option '-%c' (see --help)", optopt);
            return err_set(e, -EINVAL, "unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (argc - optind != 2)
        return err_set(e, -EINVAL, "expected a stage and a plugin: %s (see --help)",
                       "mr-stream map|combine|reduce PLUGIN.so");
    const char *stage = argv[optind];
    if (strcmp(stage, "map") == 0)
        o->mode = S_MAP;
    else if (strcmp(stage, "combine") == 0)
        o->mode = S_COMBINE;
    else if (strcmp(stage, "reduce") == 0)
        o->mode = S_REDUCE;
    else
        return err_set(e, -EINVAL, "unknown stage '%s': expected map, combine or reduce", stage);
    o->plugin = argv[optind + 1];
    /* Only map reads records; the later stages read mr-stream's lines. */
    if (null && o->mode != S_MAP)
        return err_set(e, -EINVAL, "-0 applies to map only: %s reads KEY<TAB>VALUE lines", stage);
    if (null)
        o->delim = '\0';
    return 0;
}

/* Refuses a plugin that lacks what the stage calls, before its init runs. */
static int s_check_plugin(const plugin_t *plugin, s_mode_t mode, err_t *e)
{
    const mr_plugin_t *p = plugin_desc(plugin);
    const char *path = plugin_path(plugin);
    if (mode == S_MAP && !p->map)
        return err_set(e, -EINVAL, "plugin %s has no map function (%s.map is NULL)", path,
                       MR_PLUGIN_SYMBOL);
    if (mode == S_COMBINE && !p->combine)
        return err_set(e, -EINVAL,
                       "plugin %s has no combine function (%s.combine is NULL), "
                       "which mr-stream combine calls",
                       path, MR_PLUGIN_SYMBOL);
    if (mode == S_REDUCE && !p->combine && !p->reduce)
        return err_set(e, -EINVAL,
                       "plugin %s has neither combine nor reduce (%s.combine and "
                       "%s.reduce are NULL): it is map-only, so run mr-stream map alone "
                       "(Hadoop: -numReduceTasks 0)",
                       path, MR_PLUGIN_SYMBOL, MR_PLUGIN_SYMBOL);
    return 0;
}

int main(int argc, char **argv)
{
    log_init("mr-stream", false);
    s_opts_t o;
    err_t e;
    err_init(&e);
    int rc = s_parse(&o, argc, argv, &e);
    if (rc != 0) {
        if (rc < 0)
            log_error("%s", e.text);
        return rc < 0 ? 2 : 0;
    }
    /* A reader that went away is a write error to report (EPIPE), not a
     * silent death by signal. */
    signal(SIGPIPE, SIG_IGN);

    int status = 1;
    stream_io_writer_t w;
    stream_io_writer_init(&w, STDOUT_FILENO, "stdout");
    stream_fold_capture_t capture;
    stream_fold_capture_init(&capture);
    /* Under Hadoop, a plugin's mr_counter counts go to Hadoop as a
     * Streaming command's do: reporter:counter lines on stderr. */
    plugin_counter_sink(NULL, STDERR_FILENO);
    plugin_t *plugin = plugin_open(o.plugin, &e);
    if (!plugin)
        goto fail_open;
    if (s_check_plugin(plugin, o.mode, &e) < 0 || plugin_init(plugin, o.arg, &e) < 0)
        goto fail_run;
    switch (o.mode) {
    case S_MAP: rc = s_run_map(plugin, &o, &w, &capture, &e); break;
    case S_COMBINE: rc = s_run_combine(plugin, &w, &capture, &e); break;
    case S_REDUCE: rc = s_run_reduce(plugin, &w, &capture, &e); break;
    }
    if (rc == 0 && stream_io_writer_flush(&w) < 0) {
        e = w.err;
        rc = e.code;
    }
    if (rc == 0)
        status = 0;
fail_run:
    plugin_destroy(&plugin);
fail_open:
    if (status != 0)
        log_error("%s", e.text);
    stream_fold_capture_fini(&capture);
    stream_io_writer_fini(&w);
    return status;
}
