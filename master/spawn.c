/*
 * spawn.c - fork/exec with an exec-error pipe.  See spawn.h.
 */
#include "spawn.h"

#include "proc.h"
#include "proc_child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t spawn_start(char *const argv[], bool as_mapper, int *exec_fd, err_t *e)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return err_set(e, -errno, "pipe: %s", strerror(errno));
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int code = errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return err_set(e, -code, "fork: %s", strerror(code));
    }
    if (pid == 0) {
        close(pipefd[0]);
        proc_child_setup(parent);
        setpgid(0, 0);
        if (as_mapper)
            dup2(STDERR_FILENO, STDOUT_FILENO);
        execv(argv[0], argv);
        int code = errno;
        ssize_t w = write(pipefd[1], &code, sizeof code);
        (void)w;
        _exit(127);
    }
    close(pipefd[1]);
    setpgid(pid, pid); /* also here: whichever runs first wins the race */
    *exec_fd = pipefd[0];
    return pid;
}

int spawn_confirm(pid_t pid, int exec_fd, const char *argv0, err_t *e)
{
    int code = 0;
    ssize_t n = proc_read_full(exec_fd, &code, sizeof code);
    close(exec_fd);
    if (n != (ssize_t)sizeof code)
        return 0; /* closed by the exec: argv0 runs */
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return err_set(e, -code, "cannot run %s: %s", argv0, strerror(code));
}

pid_t spawn_exec(char *const argv[], bool as_mapper, err_t *e)
{
    int exec_fd = -1;
    pid_t pid = spawn_start(argv, as_mapper, &exec_fd, e);
    if (pid < 0)
        return pid;
    int rc = spawn_confirm(pid, exec_fd, argv[0], e);
    return rc < 0 ? rc : pid;
}

int spawn_self_dir(char *buf, size_t len, err_t *e)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n < 0)
        return err_set(e, -errno, "readlink /proc/self/exe: %s", strerror(errno));
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return 0;
}
