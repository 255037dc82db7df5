/*
 * children.c - the master's child processes: confirming that each one
 * started runs its program (the exec pipes of spawn.h, read once every
 * child is forked), reaping them (SIGCHLD through the signalfd), acting on
 * SIGINT/SIGTERM/SIGHUP, and stopping every child at the end (STOP to ready
 * mappers on success, SIGTERM otherwise, a bounded wait, then SIGKILL and a
 * blocking reap), so that no child outlives mr-run.
 *
 * A child told to stop after a successful job must exit 0.  One that does
 * not (LeakSanitizer's exit 23, a crash in a destructor, a hang past the
 * grace) did something wrong that no chunk paid for: it is reported as a
 * warning, and a sanitizer build fails the job on it, so that a test suite
 * run under ASan sees every process, not only mr-run.
 */
#include "job_int.h"

#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "spawn.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Confirms one child's exec; a failed one is reaped and forgotten. */
static int s_confirm(job_t *job, pid_t *pid, pid_t *group, int *exec_fd, const char *program)
{
    if (*exec_fd < 0)
        return 0;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/%s", job->cfg->bin_dir, program);
    err_t e;
    err_init(&e);
    int rc = spawn_confirm(*pid, *exec_fd, path, &e);
    *exec_fd = -1;
    if (rc == 0)
        return 0;
    *pid = 0;
    *group = 0;
    return job__fail(job, rc, "%s", e.text);
}

int children__confirm(job_t *job)
{
    int rc = 0;
    for (uint32_t i = 0; i < job->n_reducers; i++) {
        reducer_t *r = &job->reducers[i];
        int one = s_confirm(job, &r->pid, &r->group, &r->exec_fd, "mr-reducer");
        rc = rc < 0 ? rc : one;
    }
    for (size_t i = 0; i < mappers_size(job->mappers); i++) {
        mapper_t *m = mappers_at(job->mappers, i);
        int one = s_confirm(job, &m->pid, &m->group, &m->exec_fd, "mr-mapper");
        rc = rc < 0 ? rc : one;
    }
    return rc;
}

static bool s_children_left(const job_t *job)
{
    for (uint32_t i = 0; i < job->n_reducers; i++)
        if (job->reducers[i].pid)
            return true;
    for (size_t i = 0; i < mappers_size(job->mappers); i++)
        if (mappers_at(job->mappers, i)->pid)
            return true;
    return false;
}

/* A child that was told to stop after the job succeeded ended with wait
 * status status: anything but exit 0 is reported. */
static void s_stopped_child_exited(job_t *job, const char *who, pid_t pid, int status)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    char how[128];
    job->st->unclean_exits++;
    log_warn("%s (pid %d) %s after the job succeeded", who, (int)pid,
             proc_status_text(status, how, sizeof how));
}

static void s_on_reducer_exit(job_t *job, reducer_t *r, int status)
{
    char who[64];
    job__reducer_name(job, r, who, sizeof who);
    pid_t pid = r->pid;
    r->pid = 0;
    if (job->state == JOB_RUNNING) {
        /* What it started dies with it, now: at shutdown the group's id
         * may already be someone else's. */
        kill(-pid, SIGKILL);
        r->group = 0;
    }
    /* Its DONE may still be on its way (it left before the process ended,
     * behind other reducers' messages): read until it comes, up to half a
     * second, before judging. */
    double deadline = proc_now() + 0.5;
    while (job->state == JOB_RUNNING && !r->done) {
        long left = (long)((deadline - proc_now()) * 1000);
        if (left <= 0)
            break;
        job__drain_control(job, left);
    }
    /* One that said DONE (with several, it may leave before the others)
     * must have exited 0, like any child told to stop. */
    if (job->state == JOB_SUCCEEDED || r->done) {
        s_stopped_child_exited(job, who, pid, status);
        return;
    }
    if (job->state != JOB_RUNNING)
        return;
    char how[128];
    proc_status_text(status, how, sizeof how);
    if (job->n_reducers == 1)
        job__fail(job, -ECHILD, "%s %s", who, how);
    else
        job__fail(job, -ECHILD, "%s (pid %d) %s", who, (int)pid, how);
}

/* The reducer with process id pid, or NULL. */
static reducer_t *s_reducer(job_t *job, pid_t pid)
{
    for (uint32_t i = 0; i < job->n_reducers; i++)
        if (job->reducers[i].pid == pid)
            return &job->reducers[i];
    return NULL;
}

static void s_reap(job_t *job)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        reducer_t *r = s_reducer(job, pid);
        if (r) {
            s_on_reducer_exit(job, r, status);
            continue;
        }
        for (size_t i = 0; i < mappers_size(job->mappers); i++) {
            if (mappers_at(job->mappers, i)->pid == pid) {
                failure__on_mapper_exit(job, mappers_at(job->mappers, i), status);
                break;
            }
        }
    }
}

/* Reaps children during shutdown: blocking (the last sweep) or not. */
static void s_reap_stopping(job_t *job, bool block)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) != 0) {
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        reducer_t *r = s_reducer(job, pid);
        if (r)
            s_on_reducer_exit(job, r, status);
        for (size_t i = 0; i < mappers_size(job->mappers); i++) {
            mapper_t *m = mappers_at(job->mappers, i);
            if (m->pid != pid)
                continue;
            m->pid = 0;
            if (m->stopping) {
                char who[32];
                snprintf(who, sizeof who, "mapper %u", m->id);
                s_stopped_child_exited(job, who, pid, status);
            }
        }
        if (block && !s_children_left(job))
            break;
    }
}

void children__on_signals(job_t *job)
{
    struct signalfd_siginfo si;
    while (read(job->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD)
            continue;
        if (job->state == JOB_RUNNING) {
            job->st->signal = (int)si.ssi_signo;
            job__fail(job, -EINTR, "interrupted by %s", strsignal((int)si.ssi_signo));
        }
    }
    s_reap(job);
}

static void s_kill_all(job_t *job, int sig)
{
    for (uint32_t i = 0; i < job->n_reducers; i++)
        if (job->reducers[i].pid)
            kill(-job->reducers[i].pid, sig); /* its group: --reduce-cmd too */
    for (size_t i = 0; i < mappers_size(job->mappers); i++)
        if (mappers_at(job->mappers, i)->pid)
            kill(-mappers_at(job->mappers, i)->pid, sig); /* its group: commands too */
}

/* Stops every child: STOP to ready mappers on success, SIGTERM otherwise,
 * a bounded wait, then SIGKILL and a blocking reap.  No child outlives us. */
void children__shutdown(job_t *job)
{
    remote__shutdown(job);
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_STOP);
    buf_reset(&job->header);
    proto_msg_encode(&msg, &job->header);
    for (size_t i = 0; i < mappers_size(job->mappers); i++) {
        mapper_t *m = mappers_at(job->mappers, i);
        m->stopping = job->state == JOB_SUCCEEDED && m->pid && m->sock && m->ready &&
                      transport_send(m->sock, &job->header, NULL, 0, TRANSPORT_DONTWAIT) == 0;
        if (!m->stopping && m->pid)
            kill(-m->pid, SIGTERM);
    }
    for (uint32_t i = 0; job->state != JOB_SUCCEEDED && i < job->n_reducers; i++)
        if (job->reducers[i].pid)
            kill(-job->reducers[i].pid, SIGTERM);

    double deadline = proc_now() + JOB_GRACE_SECONDS;
    while (s_children_left(job) && job->sigfd >= 0) {
        double left = deadline - proc_now();
        if (left <= 0)
            break;
        struct signalfd_siginfo si;
        bool unused = false;
        bool ready = false;
        transport_poll(job->control, job->sigfd, (long)(left * 1000) + 1, &unused, &ready);
        while (read(job->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
            ;
        job__drain_control(job, 0);
        s_reap_stopping(job, false);
    }
    /* What is left after the grace is killed, and a stopped child among
     * them reported as "killed by signal 9". */
    s_kill_all(job, SIGKILL);
    if (s_children_left(job))
        s_reap_stopping(job, true);
    /* A child's group outlives it while anything it forked runs (a plugin
     * that forks a worker and returns): nothing of the job may outlive
     * mr-run, so every group of a child reaped here goes.  While a member
     * lives the kernel keeps the group's id from being reused; a child that
     * died during the job had its group killed then, and forgotten, since
     * an empty group's id may later be anyone's. */
    for (uint32_t i = 0; i < job->n_reducers; i++)
        if (job->reducers[i].group)
            kill(-job->reducers[i].group, SIGKILL);
    for (size_t i = 0; i < mappers_size(job->mappers); i++)
        if (mappers_at(job->mappers, i)->group)
            kill(-mappers_at(job->mappers, i)->group, SIGKILL);
#ifdef MR_SANITIZE
    if (job->state == JOB_SUCCEEDED && job->st->unclean_exits)
        job__fail(job, -ECHILD,
                  "%u child process%s ended badly after the job succeeded (see the warnings "
                  "above); a sanitizer build fails the job on it",
                  job->st->unclean_exits, job->st->unclean_exits == 1 ? "" : "es");
#endif
}
