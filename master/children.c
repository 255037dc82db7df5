/*
 * children.c - the master's child processes: reaping them (SIGCHLD through
 * the signalfd), acting on SIGINT/SIGTERM/SIGHUP, and stopping every child
 * at the end (STOP to ready mappers on success, SIGTERM otherwise, a
 * bounded wait, then SIGKILL and a blocking reap), so that no child
 * outlives mr-run.
 */
#include "job_int.h"

#include "proc.h"
#include "spawn.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static void s_on_reducer_exit(job_t *job, int status)
{
    job->reducer_pid = 0;
    if (job->state != JOB_RUNNING)
        return;
    /* Its DONE may still sit in the control socket: read it before judging. */
    job__drain_control(job, 500);
    if (job->state != JOB_RUNNING)
        return;
    char how[128];
    job__fail(job, -ECHILD, "the reducer %s", proc_status_text(status, how, sizeof how));
}

static void s_reap(job_t *job)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == job->reducer_pid) {
            s_on_reducer_exit(job, status);
            continue;
        }
        for (size_t i = 0; i < job->n_mappers; i++) {
            if (job->mappers[i].pid == pid) {
                job__on_mapper_exit(job, &job->mappers[i], status);
                break;
            }
        }
    }
}

void job__on_signals(job_t *job)
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

static bool s_children_left(const job_t *job)
{
    if (job->reducer_pid)
        return true;
    for (size_t i = 0; i < job->n_mappers; i++)
        if (job->mappers[i].pid)
            return true;
    return false;
}

static void s_kill_all(job_t *job, int sig)
{
    if (job->reducer_pid)
        kill(job->reducer_pid, sig);
    for (size_t i = 0; i < job->n_mappers; i++)
        if (job->mappers[i].pid)
            kill(-job->mappers[i].pid, sig); /* its group: commands too */
}

/* Stops every child: STOP to ready mappers on success, SIGTERM otherwise,
 * a bounded wait, then SIGKILL and a blocking reap.  No child outlives us. */
void job__shutdown(job_t *job)
{
    remote__shutdown(job);
    proto_msg_t msg;
    proto_msg_init(&msg, PROTO_STOP);
    buf_reset(&job->header);
    proto_msg_encode(&msg, &job->header);
    for (size_t i = 0; i < job->n_mappers; i++) {
        mapper_t *m = &job->mappers[i];
        bool stopped = job->state == JOB_SUCCEEDED && m->sock && m->ready &&
                       transport_send(m->sock, &job->header, NULL, 0, TRANSPORT_DONTWAIT) == 0;
        if (!stopped && m->pid)
            kill(-m->pid, SIGTERM);
    }
    if (job->state != JOB_SUCCEEDED && job->reducer_pid)
        kill(job->reducer_pid, SIGTERM);

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
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == job->reducer_pid)
                job->reducer_pid = 0;
            for (size_t i = 0; i < job->n_mappers; i++)
                if (job->mappers[i].pid == pid)
                    job->mappers[i].pid = 0;
        }
    }
    s_kill_all(job, SIGKILL);
    while (s_children_left(job)) {
        pid_t pid = waitpid(-1, NULL, 0);
        if (pid < 0 && errno != EINTR)
            break;
        if (pid == job->reducer_pid)
            job->reducer_pid = 0;
        for (size_t i = 0; i < job->n_mappers; i++)
            if (job->mappers[i].pid == pid)
                job->mappers[i].pid = 0;
    }
}
