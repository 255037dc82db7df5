/*
 * main.c - mr-run: check everything that can be checked before any process
 * starts (flags, plugins, inputs, the output's directory), run the job, and
 * move the output into place only when the job succeeded.  This is the one
 * place that prints errors.
 */
#include "afile.h"
#include "args.h"
#include "cleanup.h"
#include "fmap.h"
#include "inputs.h"
#include "job.h"
#include "log.h"
#include "mem.h"
#include "plugin.h"
#include "proc_child.h"
#include "spawn.h"
#include "split.h"
#include "stats.h"
#include "taskenv.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Exit statuses. */
#define EXIT_JOB_FAILED 1
#define EXIT_USAGE 2

/* Checks that a command's program exists, so a typo fails before any
 * chunk is sent: the first word of cmd, looked up like the shell does. */
static int s_check_command(const char *flag, const char *cmd, err_t *e)
{
    char word[PATH_MAX];
    size_t n = strcspn(cmd + strspn(cmd, " \t"), " \t;|&<>");
    const char *start = cmd + strspn(cmd, " \t");
    if (n == 0 || n >= sizeof word)
        return err_set(e, -EINVAL, "%s '%s': no command", flag, cmd);
    memcpy(word, start, n);
    word[n] = '\0';
    /* Shell keywords and builtins are not files to look for. */
    static const char *const shell[] = { "!",     "(",      "{",      "if",   "for",     "while",
                                         "until", "case",   "exec",   "exit", "eval",    "set",
                                         "cd",    "test",   "[",      "true", "false",   ":",
                                         ".",     "echo",   "printf", "read", "command", "export",
                                         "trap",  "ulimit", "umask",  "wait" };
    if (word[0] == '(' || word[0] == '{')
        return 0;
    for (size_t i = 0; i < sizeof shell / sizeof shell[0]; i++)
        if (strcmp(word, shell[i]) == 0)
            return 0;
    if (strchr(word, '/') || strchr(word, '=')) {
        if (!strchr(word, '=') && access(word, X_OK) < 0)
            return err_set(e, -errno, "%s: %s: %s", flag, word, strerror(errno));
        return 0;
    }
    const char *path = getenv("PATH");
    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        size_t len = strcspn(p, ":");
        char candidate[PATH_MAX * 2];
        snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len, p, word);
        if (access(candidate, X_OK) == 0)
            return 0;
        p += len + (p[len] == ':');
    }
    return err_set(e, -ENOENT, "%s: command '%s' not found in PATH", flag, word);
}

/* Opens the plugins and decides the mode; *reducer_path is NULL unless the
 * job is key-grouped, and *combining says whether its mappers combine (the
 * reducer plugin has combine). */
static int s_check_plugins(const args_t *a, proto_mode_t *mode, const char **reducer_path,
                           bool *combining, err_t *e)
{
    *reducer_path = NULL;
    *combining = false;
    *mode = a->mode;
    if (a->map_cmd) {
        if (s_check_command("--map-cmd", a->map_cmd, e) < 0 ||
            (a->reduce_cmd && s_check_command("--reduce-cmd", a->reduce_cmd, e) < 0))
            return e->code;
        if (a->reducer) {
            plugin_t *reducer = plugin_open(a->reducer, e);
            if (!reducer)
                return e->code;
            bool can = plugin_can_reduce(reducer);
            plugin_destroy(&reducer);
            if (!can)
                return err_set(e, -EINVAL,
                               "plugin %s: its %s has neither combine nor reduce, "
                               "so it cannot be a reducer",
                               a->reducer, MR_PLUGIN_SYMBOL);
            *reducer_path = a->reducer;
        }
        if (!a->mode_set)
            *mode = a->reducer || a->reduce_cmd ? PROTO_MODE_GROUPED : PROTO_MODE_ORDERED;
        if (a->sort && *mode != PROTO_MODE_GROUPED)
            return err_set(e, -EINVAL, "--sort needs a key-grouped job: give -r or --reduce-cmd");
        return 0;
    }
    if (a->reduce_cmd && s_check_command("--reduce-cmd", a->reduce_cmd, e) < 0)
        return e->code;
    plugin_t *mapper = plugin_open(a->mapper, e);
    if (!mapper)
        return e->code;
    int rc = 0;
    if (!plugin_desc(mapper)->map) {
        rc = err_set(e, -EINVAL,
                     "plugin %s: its %s has no map function, so it cannot be "
                     "a mapper",
                     a->mapper, MR_PLUGIN_SYMBOL);
        goto done;
    }
    if (a->reducer) {
        plugin_t *reducer = plugin_open(a->reducer, e);
        if (!reducer) {
            rc = e->code;
            goto done;
        }
        bool can = plugin_can_reduce(reducer);
        *combining = plugin_desc(reducer)->combine != NULL;
        plugin_destroy(&reducer);
        if (!can) {
            rc = err_set(e, -EINVAL,
                         "plugin %s: its %s has neither combine nor reduce, so "
                         "it cannot be a reducer",
                         a->reducer, MR_PLUGIN_SYMBOL);
            goto done;
        }
        *reducer_path = a->reducer;
    } else if (!a->mode_set && !a->reduce_cmd && plugin_can_reduce(mapper)) {
        *reducer_path = a->mapper;
        *combining = plugin_desc(mapper)->combine != NULL;
    }
    if (!a->mode_set)
        *mode = *reducer_path || a->reduce_cmd ? PROTO_MODE_GROUPED : PROTO_MODE_ORDERED;
    *combining = *combining && *mode == PROTO_MODE_GROUPED;
    if (a->sort && *mode != PROTO_MODE_GROUPED)
        rc = err_set(e, -EINVAL,
                     "--sort needs a key-grouped job, and plugin %s has neither "
                     "combine nor reduce (give one with -r)",
                     a->mapper);
done:
    plugin_destroy(&mapper);
    return rc;
}

/* --output-parts DIR: makes DIR/part-00000... (empty, one per reducer, as a
 * reducer opens its output without creating it) into *paths, n of them
 * (owned, for s_parts_fini).  A part that exists is refused, never
 * truncated: it could be an input, or another job's output.  0, or -errno
 * with e naming the file. */
static int s_parts_make(const char *dir, uint32_t n, char ***paths, err_t *e)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return err_set(e, -errno, "--output-parts %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return err_set(e, -ENOTDIR, "--output-parts %s: not a directory", dir);
    *paths = mem_calloc(n + 1, sizeof **paths);
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + 16;
        char *path = mem_alloc(len);
        snprintf(path, len, "%s/part-%05u", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
        if (fd < 0) {
            int rc = err_set(e, -errno, "--output-parts: %s: %s", path, strerror(errno));
            free(path);
            return rc;
        }
        close(fd);
        (*paths)[i] = path; /* ours from now on: removed if the job fails */
    }
    return 0;
}

/* Frees the parts' paths, first removing the files when the job failed: a
 * part is either a reducer's whole output or not there. */
static void s_parts_fini(char ***paths, bool remove)
{
    for (size_t i = 0; *paths && (*paths)[i]; i++) {
        if (remove)
            unlink((*paths)[i]);
        free((*paths)[i]);
    }
    free(*paths);
    *paths = NULL;
}

static int s_check_binaries(const char *dir, err_t *e)
{
    static const char *const names[] = { "mr-mapper", "mr-reducer" };
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (access(path, X_OK) < 0)
            return err_set(e, -errno, "%s: %s (it must sit beside mr-run)", path, strerror(errno));
    }
    return 0;
}

int main(int argc, char **argv)
{
    log_init("mr-run", false);
    /* A fatal signal (an abort on out-of-memory, a crash) still removes the
     * temporary output and the runtime directory. */
    cleanup_install();
    fmap_install(); /* an input that shrinks is an error, not a SIGBUS */
    err_t e;
    err_init(&e);
    args_t a;
    inputs_t inputs;
    memset(&inputs, 0, sizeof inputs);
    int rc = args_parse(&a, argc, argv, &e);
    /* Directories stand for their files (inputs.h), before the check that
     * no output is one of the files read. */
    int usage = rc;
    if (rc == 0 && (rc = inputs_expand(a.inputs, a.n_inputs, &inputs, &e)) == 0)
        args_set_inputs(&a, inputs.paths, inputs.n);
    if (rc == 0)
        rc = usage = args_check_files(&a, &e);
    if (rc != 0) {
        args_fini(&a);
        inputs_fini(&inputs);
        if (rc > 0)
            return 0;
        log_error("%s", e.text);
        return usage ? EXIT_USAGE : EXIT_JOB_FAILED;
    }
    log_init("mr-run", a.quiet);
    if (inputs.n_skipped)
        log_warn("input directories are not read recursively: %zu subdirector%s left out, "
                 "such as %s",
                 inputs.n_skipped, inputs.n_skipped == 1 ? "y" : "ies", inputs.skipped);
    signal(SIGPIPE, SIG_IGN);

    int status = EXIT_JOB_FAILED;
    proto_mode_t mode = PROTO_MODE_ORDERED; /* decided by s_check_plugins */
    const char *reducer_path = NULL;
    bool combining = false;
    char bin_dir[PATH_MAX];
    split_t *split = NULL;
    afile_t *out = NULL; /* -o: written by the reducer, renamed on success */
    job_stats_t st;
    memset(&st, 0, sizeof st);
    char **parts = NULL; /* --output-parts: the part files, owned */

    proc_raise_fd_limit(); /* before any input is opened */
    /* A plugin's constructors and destructors run in our dlopen: what they
     * print goes to stderr, never into an output on our stdout. */
    int real_stdout = proc_guard_stdout();
    int checked = s_check_plugins(&a, &mode, &reducer_path, &combining, &e);
    proc_restore_stdout(real_stdout);
    if (checked < 0 || spawn_self_dir(bin_dir, sizeof bin_dir, &e) < 0 ||
        s_check_binaries(bin_dir, &e) < 0)
        goto fail;
    split = split_new(a.inputs, a.n_inputs, a.chunk_size, a.delim, &e);
    if (!split)
        goto fail;
    /* Inherited by every mapper and the reducer, and so by the commands
     * they run (taskenv.h); before any process is started. */
    if (taskenv_export_job(a.cmdenv, a.n_cmdenv, &e) < 0)
        goto fail;
    /* The temporary file is made now, so an unwritable directory fails
     * before any process starts. */
    if (a.output && !(out = afile_open(a.output, "output", 0, AFILE_MODE_DEFAULT, &e)))
        goto fail;
    if (combining && !a.chunk_size_set)
        split_set_guided(split, ARGS_GUIDED_MAX_CHUNK, a.jobs);

    if (a.reducers > 1 && mode != PROTO_MODE_GROUPED) {
        err_set(&e, -EINVAL,
                "-R %u applies to key-grouped jobs, and this one is not (give -r or "
                "--reduce-cmd)",
                a.reducers);
        status = EXIT_USAGE;
        goto fail;
    }
    if ((a.key_fields || a.field_sep) && mode != PROTO_MODE_GROUPED) {
        err_set(&e, -EINVAL,
                "--key-fields and --field-separator apply to a key-grouped job (give "
                "--reduce-cmd or -r)");
        status = EXIT_USAGE;
        goto fail;
    }
    job_config_t cfg = {
        .args = &a,
        .mode = mode,
        .reducer_path = reducer_path,
        .output_path = out ? afile_write_path(out) : NULL,
        .bin_dir = bin_dir,
        .split = split,
        /* Without -R, a --reduce-cmd keeps its one command over every
         * key (one that prints a total or a header stays right); a plugin
         * reducer gets args_default_reducers(). */
        .reducers = mode != PROTO_MODE_GROUPED ? 1
                    : a.reducers               ? a.reducers
                    : a.reduce_cmd             ? 1
                                               : args_default_reducers(),
        .memory = a.memory_set ? a.memory : args_default_memory(),
    };
    if (a.output_parts && s_parts_make(a.output_parts, cfg.reducers, &parts, &e) < 0)
        goto fail;
    cfg.parts = (const char *const *)parts;
    rc = job_run(&cfg, &st, &e);
    if (st.skipped)
        log_warn("skipped %llu bad record%s (--skip-bad)%s%s", (unsigned long long)st.skipped,
                 st.skipped == 1 ? "" : "s", a.bad_records ? "; written to " : "",
                 a.bad_records ? a.bad_records : "");
    if (rc == 0) {
        status = 0;
        if (!a.quiet)
            stats_print_counters(stderr, &st);
    } else if (st.signal) {
        status = 128 + st.signal;
    } else if (rc == -EPIPE && (!out || !afile_replaces(out))) {
        /* The reader of our stdout went away (`mr-run ... | head`): end
         * quietly, as a filter killed by SIGPIPE does. */
        status = 128 + SIGPIPE;
        err_init(&e);
    }
    /* Every side file is in place before -o is: a side file that fails
     * fails the job, and a failed job leaves no new -o.  (--timeline and
     * --bad-records were finished by job_run.) */
    if (a.stats) {
        err_t se;
        err_init(&se);
        if (stats_write(a.stats, &st, proto_mode_name(mode), a.jobs, &se) < 0) {
            log_error("%s", se.text);
            status = status ? status : EXIT_JOB_FAILED;
        }
    }
    if (status == 0 && afile_commit(&out, &e) < 0)
        status = EXIT_JOB_FAILED;
    if (status != 0)
        goto fail;
    goto done;
fail:
    if (e.code)
        log_error("%s", e.text);
done:
    s_parts_fini(&parts, status != 0);
    afile_destroy(&out);
    job_stats_fini(&st);
    split_destroy(&split);
    args_fini(&a);
    inputs_fini(&inputs);
    return status;
}
