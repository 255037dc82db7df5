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

pid_t spawn_exec(char *const argv[], bool as_mapper, err_t *e)
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
    int code = 0;
    ssize_t n = proc_read_full(pipefd[0], &code, sizeof code);
    close(pipefd[0]);
    if (n == (ssize_t)sizeof code) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return err_set(e, -code, "cannot run %s: %s", argv[0], strerror(code));
    }
    return pid;
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
