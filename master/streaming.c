/*
 * streaming.c - mr-streaming: runs a Hadoop Streaming command line on this
 * machine.  `hadoop jar .../hadoop-streaming*.jar ARGS` becomes
 * `mr-streaming ARGS`.
 *
 * It is mr-run underneath, started beside it with translated flags, so a
 * job gets mr-run's retries, progress line, counters and task environment:
 *
 *   -mapper M [-combiner C]    --map-cmd M   (with C: M | LC_ALL=C sort | C)
 *   -reducer R, -numReduceTasks N
 *                              --reduce-cmd R -R N   (none: cat; 0 or NONE:
 *                              --ordered, map-only)
 *   stream.num.map.output.key.fields, stream.map.output.field.separator
 *                              --key-fields, --field-separator
 *   KeyFieldBasedComparator and mapreduce.partition.keycomparator.options
 *                              --key-compare
 *   -partitioner KeyFieldBasedPartitioner and its options
 *                              --partition-fields
 *   mapreduce.map.output.key.field.separator
 *                              --key-field-separator
 *   -cmdenv, -D KEY=VALUE      --cmdenv (every -D key as Hadoop exports it)
 *   -input (globs expanded here; directories by mr-run)   the inputs
 *   -output DIR                --output-parts DIR/_temporary, committed by
 *                              hsout.h into DIR/part-NNNNN and _SUCCESS
 *
 * This file holds what is between the two: inputs, command words, the
 * child, its signals and its exit status.
 */
#include "err.h"
#include "hsargs.h"
#include "hsout.h"
#include "log.h"
#include "mem.h"
#include "spawn.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit statuses, as mr-run's. */
#define EXIT_JOB_FAILED 1
#define EXIT_USAGE 2

/* A growing argv for mr-run, of owned strings. */
typedef struct strv {
    char **v; /* NULL-terminated */
    size_t n; /* entries before the NULL */
} strv_t;

static void s_add(strv_t *s, const char *text)
{
    s->v = mem_realloc(s->v, (s->n + 2) * sizeof *s->v);
    s->v[s->n++] = mem_strdup(text);
    s->v[s->n] = NULL;
}

static void s_strv_fini(strv_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* Hadoop gives paths as URIs too: file:///x and file:/x are the local x;
 * any other scheme (hdfs://) is not on this machine.  *path is moved past
 * the scheme.  0 or -EINVAL. */
static int s_local_path(const char *flag, const char **path, err_t *e)
{
    const char *p = *path;
    if (strncmp(p, "file://", 7) == 0)
        p += 7;
    else if (strncmp(p, "file:", 5) == 0)
        p += 5;
    else if (strstr(p, "://"))
        return err_set(e, -EINVAL,
                       "%s %s: not a local path (mr-streaming reads this machine's files)", flag,
                       p);
    *path = p;
    return 0;
}

/* Hidden as FileInputFormat hides them: a base name starting with _ or . */
static bool s_hidden(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    return base[0] == '_' || base[0] == '.';
}

/* Expands one -input: a glob (Hadoop's patterns are glob(3)'s, braces
 * included) to its matches, hidden names left out; a plain path must
 * exist.  Directories stay as they are: mr-run reads their files. */
static int s_expand_input(const char *input, strv_t *out, err_t *e)
{
    const char *path = input;
    if (s_local_path("-input", &path, e) < 0)
        return e->code;
    if (!strpbrk(path, "*?[{")) {
        struct stat st;
        if (stat(path, &st) < 0)
            return err_set(e, -ENOENT, "input path does not exist: %s", path);
        s_add(out, path);
        return 0;
    }
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(path, GLOB_BRACE, NULL, &g);
    size_t kept = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
        if (s_hidden(g.gl_pathv[i]))
            continue;
        s_add(out, g.gl_pathv[i]);
        kept++;
    }
    globfree(&g);
    if (rc == GLOB_NOSPACE)
        return err_set(e, -ENOMEM, "-input %s: out of memory while globbing", path);
    if (kept == 0)
        return err_set(e, -ENOENT, "input pattern %s matches 0 files", path);
    return 0;
}

/* Quotes s for /bin/sh: 'it'\''s'; a word of safe bytes stays as it is
 * (mr-run then finds a command's program by its first word). */
static char *s_quote(const char *s)
{
    if (*s &&
        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./+-:,@%=") ==
            strlen(s))
        return mem_strdup(s);
    size_t len = 3;
    for (const char *p = s; *p; p++)
        len += *p == '\'' ? 4 : 1;
    char *q = mem_alloc(len);
    size_t n = 0;
    q[n++] = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(q + n, "'\\''", 4);
            n += 4;
        } else {
            q[n++] = *p;
        }
    }
    q[n++] = '\'';
    q[n] = '\0';
    return q;
}

/* A command as a task would run it.  Hadoop runs it in the task's working
 * directory, which holds the -file/-files files under their base names, and
 * finds its program there before PATH.  Here the working directory is the
 * user's: a first word without a slash that names a file here becomes
 * ./WORD, and a word that is the base name of a shipped file not present
 * here becomes that file's path.  Hadoop's Java classes are not commands:
 * IdentityReducer is cat, the others are refused.  Returns an owned
 * string, or NULL with e set. */
static char *s_command(const char *flag, const char *cmd, const hsargs_t *a, err_t *e)
{
    if (strncmp(cmd, "org.apache.hadoop.", 18) == 0 || strcmp(cmd, "aggregate") == 0) {
        if (strcmp(cmd, "org.apache.hadoop.mapred.lib.IdentityReducer") == 0 ||
            strcmp(cmd, "org.apache.hadoop.mapred.lib.IdentityMapper") == 0)
            return mem_strdup("cat");
        err_set(e, -EINVAL, "%s %s: Java classes are not supported: give a command", flag, cmd);
        return NULL;
    }
    size_t cap = strlen(cmd) + 3;
    char *out = mem_alloc(cap);
    size_t n = 0;
    const char *p = cmd;
    bool first = true;
    while (*p) {
        size_t gap = strspn(p, " \t");
        size_t word = strcspn(p + gap, " \t");
        char *repl = NULL;
        char w[PATH_MAX];
        if (word > 0 && word < sizeof w) {
            memcpy(w, p + gap, word);
            w[word] = '\0';
            struct stat st;
            bool here = strchr(w, '/') == NULL && stat(w, &st) == 0 && S_ISREG(st.st_mode);
            if (first && here) {
                size_t len = word + 3;
                repl = mem_alloc(len);
                snprintf(repl, len, "./%s", w);
            }
            for (size_t f = 0; !repl && !here && !strchr(w, '/') && f < a->n_files; f++) {
                const char *ship = a->files[f];
                const char *slash = strrchr(ship, '/');
                if (strncmp(ship, "file:", 5) == 0)
                    ship += strncmp(ship, "file://", 7) == 0 ? 7 : 5;
                if (strcmp(slash ? slash + 1 : ship, w) == 0 && !strstr(ship, "://"))
                    repl = s_quote(ship);
            }
        }
        size_t need = n + gap + (repl ? strlen(repl) : word) + 1;
        if (need > cap) {
            cap = need * 2;
            out = mem_realloc(out, cap);
        }
        memcpy(out + n, p, gap);
        n += gap;
        if (repl) {
            memcpy(out + n, repl, strlen(repl));
            n += strlen(repl);
        } else {
            memcpy(out + n, p + gap, word);
            n += word;
        }
        free(repl);
        p += gap + word;
        first = first && word == 0;
    }
    out[n] = '\0';
    return out;
}

/* The map command with a combiner, `{ map } | LC_ALL=C sort | { combiner }`:
 * the combiner reads the chunk's pairs grouped by key, as Hadoop's does.
 * bash's pipefail fails the task when any part fails, not only the last.
 * Owned.  (The reduce command needs no sort: mr-run's reducer hands it its
 * lines in `LC_ALL=C sort` order, or keys in comparator order.) */
static char *s_sorted(const char *before, const char *after)
{
    size_t len = strlen(before) + strlen(after) + 64;
    char *pipeline = mem_alloc(len);
    snprintf(pipeline, len, "{ %s\n} | LC_ALL=C sort | { %s\n}", before, after);
    char *quoted = s_quote(pipeline);
    free(pipeline);
    len = strlen(quoted) + 32;
    char *cmd = mem_alloc(len);
    snprintf(cmd, len, "bash -o pipefail -c %s", quoted);
    free(quoted);
    return cmd;
}

/* mr-run's command line for the job in a. */
static int s_mr_run_argv(const hsargs_t *a, const char *bin_dir, const char *parts, strv_t *v,
                         err_t *e)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/mr-run", bin_dir);
    s_add(v, path);
    char *map = s_command("-mapper", a->mapper, a, e);
    char *combine =
        map && a->combiner && a->reduces > 0 ? s_command("-combiner", a->combiner, a, e) : NULL;
    char *reduce =
        map && a->reducer && a->reduces > 0 ? s_command("-reducer", a->reducer, a, e) : NULL;
    if (!map || (a->combiner && a->reduces > 0 && !combine) ||
        (a->reducer && a->reduces > 0 && !reduce)) {
        free(map);
        free(combine);
        free(reduce);
        return e->code;
    }
    char *map_cmd = combine ? s_sorted(map, combine) : mem_strdup(map);
    s_add(v, "--map-cmd");
    s_add(v, map_cmd);
    free(map_cmd);
    char number[32];
    if (a->reduces == 0) {
        /* Map-only: the parts of Hadoop's map tasks, concatenated in
         * order, are one part in input order. */
        s_add(v, "--ordered");
    } else {
        s_add(v, "--reduce-cmd");
        s_add(v, reduce ? reduce : "cat"); /* no -reducer: Hadoop's identity */
        snprintf(number, sizeof number, "%d", a->reduces);
        s_add(v, "-R");
        s_add(v, number);
        if (a->key_fields != 1) {
            snprintf(number, sizeof number, "%u", a->key_fields);
            s_add(v, "--key-fields");
            s_add(v, number);
        }
        if (strcmp(a->field_sep, "\t") != 0) {
            s_add(v, "--field-separator");
            s_add(v, a->field_sep);
        }
        /* The options count only with their classes, and num.key.fields.for.partition
         * wins over the partitioner's options, as in Hadoop. */
        bool cmp = a->key_comparator && a->key_compare && *a->key_compare;
        const char *part = a->part_fields[0] ? a->part_fields
                           : a->part_options ? a->part_options
                                             : "";
        bool split = a->key_partitioner && *part && a->reduces > 1;
        if (cmp) {
            s_add(v, "--key-compare");
            s_add(v, a->key_compare);
        }
        if (split) {
            s_add(v, "--partition-fields");
            s_add(v, part);
        }
        if ((cmp || split) && strcmp(a->key_field_sep, "\t") != 0) {
            s_add(v, "--key-field-separator");
            s_add(v, a->key_field_sep);
        }
    }
    free(map);
    free(combine);
    free(reduce);
    for (size_t i = 0; i < a->n_cmdenv; i++) {
        s_add(v, "--cmdenv");
        s_add(v, a->cmdenv[i]);
    }
    if (a->max_attempts) {
        snprintf(number, sizeof number, "%u", a->max_attempts);
        s_add(v, "--max-attempts");
        s_add(v, number);
    }
    if (a->task_timeout > 0) {
        snprintf(number, sizeof number, "%.3f", a->task_timeout);
        s_add(v, "--task-timeout");
        s_add(v, number);
    }
    if (a->local_maps) {
        snprintf(number, sizeof number, "%u", a->local_maps);
        s_add(v, "-j");
        s_add(v, number);
    }
    if (a->reduce_mb && a->reduces > 0) {
        snprintf(number, sizeof number, "%lluM",
                 (unsigned long long)a->reduce_mb * (unsigned)a->reduces);
        s_add(v, "--memory");
        s_add(v, number);
    }
    if (a->split_max) {
        snprintf(number, sizeof number, "%llu", (unsigned long long)a->split_max);
        s_add(v, "--chunk-size");
        s_add(v, number);
    }
    s_add(v, "--output-parts");
    s_add(v, parts);
    s_add(v, "--");
    for (size_t i = 0; i < a->n_inputs; i++)
        if (s_expand_input(a->inputs[i], v, e) < 0)
            return e->code;
    return 0;
}

static volatile sig_atomic_t s_child = 0;

/* SIGINT, SIGTERM, SIGHUP: mr-run leads its own process group (spawn.h), so
 * a terminal's ^C reaches only us; pass it on, and mr-run ends as it does
 * when interrupted, removing what it made. */
static void s_forward(int sig)
{
    if (s_child > 0)
        kill((pid_t)s_child, sig);
}

/* Runs argv and waits for it: its exit status as ours (128 + N for a
 * signal), or -errno with e set when it could not start. */
static int s_run(char **argv, err_t *e)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_forward;
    sigemptyset(&sa.sa_mask);
    pid_t pid = spawn_exec(argv, false, e);
    if (pid < 0)
        return pid;
    s_child = pid;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return err_set(e, -errno, "waitpid: %s", strerror(errno));
    }
    s_child = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    log_init("mr-streaming", false);
    err_t e;
    err_init(&e);
    hsargs_t a;
    strv_t v = { NULL, 0 };
    int status = EXIT_USAGE;
    bool made = false;
    const char *output = NULL;
    char bin_dir[PATH_MAX];
    char parts[PATH_MAX];
    int rc = hsargs_parse(&a, argc, argv, &e);
    if (rc > 0) {
        status = 0;
        goto done;
    }
    output = a.output;
    if (rc < 0 || s_local_path("-output", &output, &e) < 0 ||
        spawn_self_dir(bin_dir, sizeof bin_dir, &e) < 0)
        goto fail;
    hsout_temporary(output, parts, sizeof parts);
    if (s_mr_run_argv(&a, bin_dir, parts, &v, &e) < 0)
        goto fail;
    if (hsout_make(output, &e) < 0)
        goto fail;
    made = true;
    if (a.verbose) {
        fprintf(stderr, "mr-streaming: %s%s%sruns:", a.job_name ? "job " : "",
                a.job_name ? a.job_name : "", a.job_name ? " " : "");
        for (size_t i = 0; i < v.n; i++) {
            char *q = s_quote(v.v[i]);
            fprintf(stderr, " %s", q);
            free(q);
        }
        fputc('\n', stderr);
    }
    status = EXIT_JOB_FAILED;
    rc = s_run(v.v, &e);
    if (rc < 0)
        goto fail;
    if (rc != 0) {
        status = rc; /* mr-run said why */
        goto done;
    }
    hsout_form_t form = {
        .sep = a.reduces ? a.out_field_sep : a.field_sep,
        .fields = a.reduces ? a.out_key_fields : a.key_fields,
        .text_sep = a.text_sep,
        .lazy = a.lazy_output,
    };
    if (hsout_commit(output, &form, &e) < 0)
        goto fail;
    status = 0;
    made = false;
    goto done;
fail:
    if (e.code)
        log_error("%s", e.text);
done:
    if (made && status != 0)
        hsout_abandon(output);
    s_strv_fini(&v);
    hsargs_fini(&a);
    return status;
}
