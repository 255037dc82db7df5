/*
 * proc_child.c - see proc_child.h.
 */
#include "proc_child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

void proc_die_with_parent(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (parent > 0 && getppid() != parent)
        _exit(1);
}

/* The soft limit before proc_raise_fd_limit, for children; 0: not raised. */
static rlim_t s_fd_limit;

void proc_raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            s_fd_limit = old;
    }
}

void proc_child_setup(pid_t parent)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (s_fd_limit) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = s_fd_limit;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    proc_die_with_parent(parent);
}

pid_t proc_spawn_shell(const char *cmd, int in_fd, int out_fd, err_t *e)
{
    return proc_spawn_shell_env(cmd, in_fd, out_fd, -1, NULL, e);
}

pid_t proc_spawn_shell_env(const char *cmd, int in_fd, int out_fd, int err_fd, char *const *envp,
                           err_t *e)
{
    pid_t parent = getpid();
    char *const argv[] = { "sh", "-c", (char *)cmd, NULL };
    char *const *env = envp ? envp : environ;
    pid_t pid = fork();
    if (pid == 0) {
        proc_child_setup(parent);
        if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            (err_fd >= 0 && dup2(err_fd, STDERR_FILENO) < 0))
            _exit(126);
        execve("/bin/sh", argv, env);
        _exit(127);
    }
    if (pid < 0)
        return err_set(e, -errno, "fork: %s", strerror(errno));
    return pid;
}

const char *proc_status_text(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d%s", WEXITSTATUS(status),
                 WEXITSTATUS(status) == 127 ? " (command not found?)" : "");
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "ended with wait status 0x%x", status);
    return buf;
}

int proc_guard_stdout(void)
{
    fflush(stdout);
    int saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (saved < 0) {
        /* Descriptor 1 closed: fill it all the same, or the next file
         * opened would get it and a plugin's printf would land there. */
        int code = errno;
        dup2(STDERR_FILENO, STDOUT_FILENO);
        return -code;
    }
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        int code = errno;
        close(saved);
        return -code;
    }
    return saved;
}

void proc_restore_stdout(int saved)
{
    if (saved == -EBADF) {
        fflush(stdout);
        close(STDOUT_FILENO);
        return;
    }
    if (saved < 0)
        return;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}
