/*
 * reducers.c - the reducers of a key-grouped job (mr-run -R N): starting
 * each with its partition (partition.h), its results socket and its part of
 * the output; their DONEs; and, with more than one, building the output from
 * their parts (assemble.h) once every one is DONE.  Part of the master's
 * event loop (job.c).
 *
 * A chunk is merged when every reducer has it (feed.c), so with N reducers
 * each gets its own RESULT of every chunk (empty ones too) from the mapper
 * that mapped it, and ACKs it; the job succeeds when every reducer said
 * DONE.  One reducer writes -o itself, as it always did; N write
 * <scratch>/part-<i> (scratch.h), concatenated in partition order, or with
 * --sort merged on their key indexes.
 */
#include "job_int.h"

#include "afile.h"
#include "assemble.h"
#include "cleanup.h"
#include "log.h"
#include "proc.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* Starts reducer r: the keys of its partition, its part of the output.
 * Its exec is confirmed later (children__confirm). */
int reducers__start(job_t *job, reducer_t *r)
{
    const args_t *a = job->cfg->args;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/mr-reducer", job->cfg->bin_dir);
    char *argv[48];
    int n = 0;
    argv[n++] = path;
    argv[n++] = "--results";
    argv[n++] = r->results_ep;
    argv[n++] = "--control";
    argv[n++] = job->control_ep;
    argv[n++] = "--mode";
    argv[n++] = (char *)proto_mode_name(job->cfg->mode);
    argv[n++] = "--output";
    /* One reducer writes the output itself; several write their parts,
     * which mr-run assembles once every one is DONE. */
    if (job->cfg->parts) /* --output-parts: its own part-0000I, nothing to assemble */
        argv[n++] = (char *)job->cfg->parts[r->index];
    else if (job->n_reducers > 1)
        argv[n++] = (char *)scratch_part(job->scratch, r->index);
    else
        argv[n++] = (char *)(job->cfg->output_path ? job->cfg->output_path : "-");
    char partition[32];
    if (job->n_reducers > 1) {
        snprintf(partition, sizeof partition, "%u/%u", r->index, job->n_reducers);
        argv[n++] = "--partition";
        argv[n++] = partition;
        if (a->sort) {
            argv[n++] = "--index";
            argv[n++] = (char *)scratch_index(job->scratch, r->index);
        }
    }
    char memory[24];
    if (job->scratch) {
        /* The budget is the whole job's: each reducer gets its share. */
        snprintf(memory, sizeof memory, "%llu",
                 (unsigned long long)(job->cfg->memory / job->n_reducers));
        argv[n++] = "--memory";
        argv[n++] = memory;
        argv[n++] = "--spill-dir";
        argv[n++] = (char *)scratch_spill_dir(job->scratch, r->index);
    }
    /* The token secret's file, in our private directory: the path, never
     * the secret, is on the command line. */
    char secret[JOB_ENDPOINT_MAX];
    snprintf(secret, sizeof secret, "%s/secret", job->dir);
    argv[n++] = "--secret";
    argv[n++] = secret;
    if (job->cfg->reducer_path) {
        argv[n++] = "-r";
        argv[n++] = (char *)job->cfg->reducer_path;
    }
    if (a->arg) {
        argv[n++] = "--arg";
        argv[n++] = (char *)a->arg;
    }
    if (a->sort)
        argv[n++] = "--sort";
    if (a->delim == '\0')
        argv[n++] = "-0"; /* output records end in NUL too */
    /* The reducer holds at most a window of results in its reorder buffer:
     * the master never has more chunks open. */
    char window[24];
    snprintf(window, sizeof window, "%zu", job->window);
    argv[n++] = "--window";
    argv[n++] = window;
    if (job__shared_results(job)) {
        argv[n++] = "--result-slots"; /* where the mappers' are (shring_path) */
        argv[n++] = job->dir;
    }
    if (a->reduce_cmd) {
        argv[n++] = "--reduce-cmd";
        argv[n++] = (char *)a->reduce_cmd;
    }
    if (a->key_compare) {
        argv[n++] = "--key-compare";
        argv[n++] = (char *)a->key_compare;
    }
    n = job__partition_argv(a, argv, n);
    char host[256];
    if (a->listen) {
        /* Remote mappers push results straight to the reducer's TCP port. */
        const char *start = a->listen + 6;
        const char *colon = strrchr(start, ':');
        snprintf(host, sizeof host, "%.*s", (int)(colon ? colon - start : 0), start);
        argv[n++] = "--listen-host";
        argv[n++] = host;
        if (a->server_key) {
            argv[n++] = "--server-key";
            argv[n++] = (char *)a->server_key;
            argv[n++] = "--authorized-keys";
            argv[n++] = (char *)a->authorized;
        }
    }
    argv[n] = NULL;
    err_t e;
    err_init(&e);
    pid_t pid = spawn_start(argv, false, &r->exec_fd, &e);
    if (pid < 0)
        return job__fail(job, pid, "%s", e.text);
    r->pid = pid;
    r->group = pid;
    return 0;
}

void reducers__on_done(job_t *job, const proto_msg_t *msg)
{
    if (msg->reducer >= job->n_reducers) {
        log_warn("DONE refused: from reducer %u of %u", msg->reducer, job->n_reducers);
        return;
    }
    reducer_t *r = &job->reducers[msg->reducer];
    char who[96];
    if (job->n_reducers > 1)
        snprintf(who, sizeof who, "reducer %u/%u (pid %d)", r->index, job->n_reducers, (int)r->pid);
    else
        snprintf(who, sizeof who, "reducer");
    if (msg->status != 0) {
        /* A peer's int64: keep it in errno range, never 0 or positive. */
        int code = msg->status < 0 && msg->status >= -4095 ? (int)msg->status : -EPROTO;
        job__fail(job, code, "%s: %s", who, msg->text);
        return;
    }
    if (!job->finish_sent) {
        job__fail(job, -EPROTO, "%s finished before the job did", who);
        return;
    }
    if (r->done)
        return;
    r->done = true;
    err_t e; /* its reduce command's counters: one command per reducer, each counted */
    err_init(&e);
    if (counters_merge(job->st->counters, msg->counters, msg->n_counters, &e) < 0) {
        job__fail(job, e.code, "%s: the reduce command's counters: %s", who, e.text);
        return;
    }
    job_reducer_stats_t *rs = &job->st->reducers[r->index];
    rs->keys = msg->keys;
    rs->outputs = msg->outputs;
    rs->bytes_spilled = msg->spilled;
    rs->runs = msg->runs;
    rs->merge_ms = msg->merge_ms;
    rs->seconds = proc_now() - job->finish_at;
    timeline_end(job->timeline, JOB_TIMELINE_REDUCER(r->index), 0, 0, TIMELINE_MERGED, proc_now());
    /* Every reducer saw every chunk's RESULT, and counts its records. */
    job->st->records = msg->records;
    job->st->outputs += msg->outputs;
    if (++job->reducers_done == job->n_reducers)
        job->state = JOB_SUCCEEDED;
}

/* A merge of minutes must stay interruptible, and assemble.h's calls run
 * to the end: so a SIGINT, SIGTERM or SIGHUP read from the signalfd here
 * ends mr-run as a fatal signal does (proto/util/cleanup.h: the temporary output
 * and the scratch directory are removed, then the signal's default action,
 * exit 128 + N).  Every child is already reaped.  (Unblocking the signals
 * instead would lose them where they are ignored: a background job of a
 * shell starts with SIGINT ignored, and the signalfd is how mr-run hears
 * it.) */
static void s_merge_signals(job_t *job)
{
    struct signalfd_siginfo si;
    while (job->sigfd >= 0 && read(job->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
            continue;
        log_set_hook(NULL, NULL);
        meter_finish(job->meter, false);
        cleanup_run();
        signal(sig, SIG_DFL);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, sig);
        sigprocmask(SIG_UNBLOCK, &mask, NULL);
        raise(sig);
    }
}

/* The final merge's progress on the meter ("merge: 42%"), and its signals. */
static void s_merge_progress(void *arg, uint64_t done, uint64_t total)
{
    job_t *job = arg;
    s_merge_signals(job);
    if (!job->meter)
        return;
    meter_sample_t s = {
        .bytes_done = job->bytes_done,
        .chunks_done = chunks_cut(job->chunks),
        .chunks_total = chunks_cut(job->chunks),
        .retries = job->st->failed_attempts + job->st->resent,
    };
    snprintf(s.stage, sizeof s.stage, "merge: %u%%", total ? (unsigned)(done * 100 / total) : 100u);
    meter_update(job->meter, &s, proc_now());
}

/* The descriptor the output is written to: stdout, a descriptor -o names
 * (afile_alias), or the temporary file mr-run made for -o (or a device).
 * Sets *owned when the caller must close it. */
static int s_output_fd(const job_t *job, bool *owned, err_t *e)
{
    const char *path = job->cfg->output_path;
    *owned = false;
    if (!path)
        return STDOUT_FILENO;
    int alias = afile_alias(path);
    if (alias >= 0)
        return alias;
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return err_set(e, -errno, "output %s: %s", path, strerror(errno));
    *owned = true;
    return fd;
}

void reducers__assemble(job_t *job)
{
    const args_t *a = job->cfg->args;
    double start = proc_now();
    timeline_begin(job->timeline, JOB_TIMELINE_MERGE, 0, 0, start);
    err_t e;
    err_init(&e);
    bool owned = false;
    int fd = s_output_fd(job, &owned, &e);
    s_merge_signals(job); /* one that came while the reducers finished */
    int rc = fd;
    if (fd >= 0 && a->sort)
        rc = assemble_merge(scratch_parts(job->scratch), scratch_indexes(job->scratch),
                            job->n_reducers, fd, s_merge_progress, job, &e);
    else if (fd >= 0)
        rc = assemble_concat(scratch_parts(job->scratch), job->n_reducers, fd, &e);
    struct stat st;
    /* The part files were fsynced by their reducers; the output they make
     * is as durable as one reducer's own (reducer/out.c). */
    if (rc >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(fd) < 0)
        rc = err_set(&e, -errno, "fsync: %s", strerror(errno));
    if (owned)
        close(fd);
    job->st->merge_seconds = proc_now() - start;
    timeline_end(job->timeline, JOB_TIMELINE_MERGE, 0, 0,
                 rc < 0 ? TIMELINE_FAILED : TIMELINE_MERGED, proc_now());
    if (rc < 0) {
        job->state = JOB_RUNNING; /* so that job__fail records it */
        job__fail(job, rc, "output %s: %s", a->output ? a->output : "stdout", e.text);
    }
}
