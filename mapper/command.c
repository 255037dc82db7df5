/*
 * command.c - one --map-cmd run: fork/exec of /bin/sh -c, a poll loop that
 * feeds stdin and drains stdout at the same time (writing everything first
 * would deadlock on a command whose output fills the pipe before it has
 * read all its input), and the exit status.
 */
#include "command.h"

#include "buf.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The longest output line accepted from a command. */
#define COMMAND_MAX_LINE ((size_t)1 << 30)

static pid_t s_spawn(const char *cmd, const command_opts_t *opts, int *in_fd, int *out_fd, err_t *e)
{
    int in[2];
    int out[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        return err_set(e, -errno, "pipe: %s", strerror(errno));
    if (pipe2(out, O_CLOEXEC) < 0) {
        int code = errno;
        close(in[0]);
        close(in[1]);
        return err_set(e, -code, "pipe: %s", strerror(code));
    }
    pid_t pid = proc_spawn_shell_env(cmd, in[0], out[1], -1, opts ? opts->envp : NULL, e);
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        close(in[1]);
        close(out[0]);
        return pid;
    }
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    *in_fd = in[1];
    *out_fd = out[0];
    return pid;
}

/* Hands every complete line in b to on_line and keeps the rest. */
static int s_lines(buf_t *b, bool eof, command_line_fn on_line, void *arg)
{
    size_t start = 0;
    int rc = 0;
    while (rc == 0 && start < b->len) {
        const char *nl = memchr(b->data + start, '\n', b->len - start);
        if (!nl && !eof)
            break;
        size_t end = nl ? (size_t)(nl - b->data) : b->len;
        rc = on_line(arg, b->data + start, end - start);
        start = nl ? end + 1 : b->len;
    }
    memmove(b->data, b->data + start, b->len - start);
    b->len -= start;
    return rc;
}

int command_run(const char *cmd, const char *data, size_t len, command_line_fn on_line, void *arg,
                const command_opts_t *opts, err_t *e)
{
    int in_fd = -1;
    int out_fd = -1;
    pid_t pid = s_spawn(cmd, opts, &in_fd, &out_fd, e);
    if (pid < 0)
        return pid;
    buf_t out;
    buf_init(&out, COMMAND_MAX_LINE);
    size_t sent = 0;
    int rc = 0;
    if (len == 0) {
        close(in_fd);
        in_fd = -1;
    }
    while (out_fd >= 0) {
        struct pollfd fds[2] = { { out_fd, POLLIN, 0 }, { in_fd, POLLOUT, 0 } };
        if (poll(fds, in_fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = err_set(e, -errno, "poll: %s", strerror(errno));
            break;
        }
        if (in_fd >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(in_fd, data + sent, len - sent);
            if (n > 0)
                sent += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == len) {
                close(in_fd); /* EPIPE: it stopped reading; its status decides */
                in_fd = -1;
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (buf_reserve(&out, 1 << 16) < 0) {
                rc = err_set(e, -EMSGSIZE, "map command printed a line longer than %zu bytes",
                             COMMAND_MAX_LINE);
                break;
            }
            ssize_t n = read(out_fd, out.data + out.len, out.cap - out.len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = err_set(e, -errno, "reading the map command's output: %s", strerror(errno));
                break;
            }
            out.len += (size_t)n;
            rc = s_lines(&out, n == 0, on_line, arg);
            if (rc != 0 || n == 0) {
                close(out_fd);
                out_fd = -1;
            }
        }
    }
    if (in_fd >= 0)
        close(in_fd);
    if (out_fd >= 0)
        close(out_fd);
    if (rc != 0)
        kill(pid, SIGKILL);
    buf_fini(&out);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc != 0)
        return rc;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    char how[128];
    return err_set(e, -ECHILD, "map command %s", proc_status_text(status, how, sizeof how));
}
