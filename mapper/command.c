/*
 * command.c - one --map-cmd run: fork/exec of /bin/sh -c, a poll loop that
 * feeds stdin and drains stdout at the same time (writing everything first
 * would deadlock on a command whose output fills the pipe before it has
 * read all its input), and the exit status.
 */
#include "command.h"

#include "buf.h"
#include "proc_child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The longest output line accepted from a command. */
#define COMMAND_MAX_LINE ((size_t)1 << 30)

/* Reading a command's output in blocks, not a line per poll and read.  A
 * command that flushes every line (print(..., flush=True), awk's fflush, a
 * line-buffered stdout) wakes a waiting reader for each line: one poll and
 * one read of a few bytes per line.  So after a read that found less than
 * COMMAND_BLOCK bytes, the loop stops watching stdout for COMMAND_HOLD_NS
 * (it keeps writing stdin and reading stderr) and lets the pipe, enlarged to
 * COMMAND_PIPE, fill up meanwhile.  At most one short read per hold: 1,000
 * wakeups a second however the command writes.  A line-flushing Python
 * word count took 0.52-0.58 s of system time before and 0.13-0.18 s after,
 * and half the wall time (docs/performance.md, "Command output in
 * blocks"); a command that prints little waits at most one hold longer for
 * its last line. */
#define COMMAND_BLOCK (32u << 10)
#define COMMAND_HOLD_NS 1000000L
#define COMMAND_PIPE (1 << 20)

static pid_t s_spawn(const char *cmd, const command_opts_t *opts, int *in_fd, int *out_fd,
                     int *err_fd, err_t *e)
{
    int in[2] = { -1, -1 };
    int out[2] = { -1, -1 };
    int err[2] = { -1, -1 };
    pid_t pid = -1;
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
        (opts && opts->reporter && pipe2(err, O_CLOEXEC) < 0)) {
        pid = err_set(e, -errno, "pipe: %s", strerror(errno));
        goto done;
    }
    /* Room for a hold's output (and input) between our reads; where the
     * kernel refuses (pipe-max-size), the default 64 KiB still works. */
    (void)fcntl(out[0], F_SETPIPE_SZ, COMMAND_PIPE);
    (void)fcntl(in[1], F_SETPIPE_SZ, COMMAND_PIPE);
    pid = proc_spawn_shell_env(cmd, in[0], out[1], err[1], opts ? opts->envp : NULL, e);
    if (pid >= 0) {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        *in_fd = in[1];
        *out_fd = out[0];
        *err_fd = err[0];
        in[1] = out[0] = err[0] = -1;
    }
done:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (err[i] >= 0)
            close(err[i]);
    }
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
    int err_fd = -1;
    pid_t pid = s_spawn(cmd, opts, &in_fd, &out_fd, &err_fd, e);
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
    struct timespec hold_until = { 0, 0 }; /* stdout is not watched before this */
    /* Until both stdout and stderr (when we read it) are at their end. */
    while (out_fd >= 0 || err_fd >= 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long hold =
            (hold_until.tv_sec - now.tv_sec) * 1000000000L + (hold_until.tv_nsec - now.tv_nsec);
        struct timespec wait = { 0, hold > 0 ? hold : 0 };
        struct pollfd fds[3] = { { hold > 0 ? -1 : out_fd, POLLIN, 0 },
                                 { err_fd, POLLIN, 0 },
                                 { in_fd, POLLOUT, 0 } };
        if (ppoll(fds, 3, hold > 0 ? &wait : NULL, NULL) < 0) {
            if (errno == EINTR)
                continue;
            rc = err_set(e, -errno, "poll: %s", strerror(errno));
            break;
        }
        if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(in_fd, data + sent, len - sent);
            if (n > 0)
                sent += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == len) {
                close(in_fd); /* EPIPE: it stopped reading; its status decides */
                in_fd = -1;
            }
        }
        if (err_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            char block[1 << 14];
            ssize_t n = read(err_fd, block, sizeof block);
            if (n > 0) {
                uint64_t seen = reporter_status_changes(opts->reporter);
                reporter_feed(opts->reporter, block, (size_t)n);
                if (opts->on_status && reporter_status_changes(opts->reporter) != seen)
                    opts->on_status(opts->status_arg, reporter_status(opts->reporter));
            } else if (n == 0 || errno != EINTR) {
                reporter_end(opts->reporter);
                close(err_fd);
                err_fd = -1;
            }
        }
        if (out_fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
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
            if (n > 0 && (size_t)n < COMMAND_BLOCK) {
                clock_gettime(CLOCK_MONOTONIC, &hold_until);
                hold_until.tv_nsec += COMMAND_HOLD_NS;
                if (hold_until.tv_nsec >= 1000000000L) {
                    hold_until.tv_sec++;
                    hold_until.tv_nsec -= 1000000000L;
                }
            }
            rc = s_lines(&out, n == 0, on_line, arg);
            if (rc != 0 || n == 0) {
                close(out_fd);
                out_fd = -1;
                if (rc != 0)
                    break;
            }
        }
    }
    if (err_fd >= 0)
        close(err_fd);
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

size_t command_split_key(const char *line, size_t len, const char *sep, size_t sep_len,
                         unsigned fields, size_t *value_at)
{
    size_t at = 0;
    for (unsigned k = 0; k < fields; k++) {
        const char *hit = sep_len == 1 ? memchr(line + at, sep[0], len - at)
                                       : memmem(line + at, len - at, sep, sep_len);
        if (!hit)
            break;
        if (k + 1 == fields) {
            *value_at = (size_t)(hit - line) + sep_len;
            return (size_t)(hit - line);
        }
        at = (size_t)(hit - line) + sep_len;
    }
    *value_at = len;
    return len;
}
