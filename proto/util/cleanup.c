/*
 * cleanup.c - removing a process's temporary files when it dies.  See
 * cleanup.h.
 */
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

typedef enum cleanup_kind {
    CLEANUP_FREE = 0, /* the slot is unused */
    CLEANUP_FILE,     /* path is a file to unlink */
    CLEANUP_DIR,      /* path is a directory to empty and remove */
} cleanup_kind_t;

typedef struct cleanup_slot {
    volatile sig_atomic_t kind; /* cleanup_kind_t; written last when a slot is filled */
    pid_t owner;                /* the process that registered it */
    char path[PATH_MAX];        /* NUL-terminated */
} cleanup_slot_t;

static cleanup_slot_t s_slots[CLEANUP_MAX];

/* The fatal signals, and what was installed for each before us. */
static const int s_signals[] = { SIGABRT, SIGSEGV, SIGBUS,  SIGFPE, SIGILL, SIGSYS,
                                 SIGTRAP, SIGINT,  SIGTERM, SIGHUP, SIGQUIT };
#define CLEANUP_SIGNALS (sizeof s_signals / sizeof s_signals[0])
static struct sigaction s_previous[CLEANUP_SIGNALS];

static int s_add(const char *path, cleanup_kind_t kind)
{
    size_t len = strlen(path);
    if (len >= PATH_MAX)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < CLEANUP_MAX; i++) {
        cleanup_slot_t *slot = &s_slots[i];
        if (slot->kind != CLEANUP_FREE)
            continue;
        memcpy(slot->path, path, len + 1);
        slot->owner = getpid();
        /* A handler that interrupts us sees a whole slot or a free one. */
        atomic_signal_fence(memory_order_seq_cst);
        slot->kind = kind;
        return 0;
    }
    return -ENOSPC;
}

int cleanup_add_file(const char *path)
{
    return s_add(path, CLEANUP_FILE);
}

int cleanup_add_dir(const char *path)
{
    return s_add(path, CLEANUP_DIR);
}

void cleanup_forget(const char *path)
{
    for (size_t i = 0; i < CLEANUP_MAX; i++) {
        cleanup_slot_t *slot = &s_slots[i];
        if (slot->kind != CLEANUP_FREE && strcmp(slot->path, path) == 0) {
            slot->kind = CLEANUP_FREE;
            return;
        }
    }
}

/* Empties the directory open at fd, and its subdirectories down to depth
 * more levels, with async-signal-safe calls only: getdents64 into a buffer
 * on the stack (one per level), not opendir's malloc.  Closes fd. */
static void s_empty_dir(int fd, int depth)
{
    char buf[4096] __attribute__((aligned(8)));
    ssize_t n;
    while ((n = getdents64(fd, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            off += d->d_reclen;
            if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                continue;
            if (unlinkat(fd, d->d_name, 0) == 0 || depth == 0)
                continue;
            /* A directory (EISDIR): empty it first. */
            int sub = openat(fd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (sub >= 0)
                s_empty_dir(sub, depth - 1);
            unlinkat(fd, d->d_name, AT_REMOVEDIR);
        }
    }
    close(fd);
}

/* Empties dir (and its subdirectories, CLEANUP_DEPTH levels: the scratch
 * directory's r<i>/ spill directories) and removes it. */
static void s_remove_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0)
        s_empty_dir(fd, CLEANUP_DEPTH);
    rmdir(dir);
}

void cleanup_remove_dir(const char *path)
{
    int saved = errno;
    s_remove_dir(path);
    errno = saved;
}

void cleanup_run(void)
{
    int saved = errno;
    pid_t self = getpid();
    for (size_t i = 0; i < CLEANUP_MAX; i++) {
        cleanup_slot_t *slot = &s_slots[i];
        sig_atomic_t kind = slot->kind;
        if (kind == CLEANUP_FREE || slot->owner != self)
            continue;
        if (kind == CLEANUP_FILE)
            unlink(slot->path);
        else
            s_remove_dir(slot->path);
        slot->kind = CLEANUP_FREE;
    }
    errno = saved;
}

static void s_on_fatal(int sig, siginfo_t *info, void *uc)
{
    cleanup_run();
    size_t i = 0;
    while (i < CLEANUP_SIGNALS && s_signals[i] != sig)
        i++;
    const struct sigaction *prev = i < CLEANUP_SIGNALS ? &s_previous[i] : NULL;
    /* Whoever was there first (a sanitizer reporting the crash) has its
     * say; if it returns, or there was nobody, the default action ends
     * us with this signal, as if we had never been here. */
    if (prev && (prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
        prev->sa_sigaction(sig, info, uc);
    } else if (prev && prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(sig);
    }
    signal(sig, SIG_DFL);
    /* Blocked until we return: then it kills us (a fault would also
     * strike again at the same instruction). */
    raise(sig);
}

void cleanup_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = s_on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < CLEANUP_SIGNALS; i++) {
        struct sigaction old;
        if (sigaction(s_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN &&
            !(old.sa_flags & SA_SIGINFO))
            continue; /* ignored by whoever started us: keep it so */
        if (sigaction(s_signals[i], &sa, &s_previous[i]) < 0)
            s_previous[i].sa_handler = SIG_DFL;
    }
}
