/*
 * progress.c - the shared progress slot.  See progress.h.
 */
#include "progress.h"

#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct progress {
    progress_slot_t *slot; /* shared mapping */
    char *path;            /* owned; removed at destroy when we created it */
    bool created;          /* we made the file */
};

progress_t *progress_open(const char *path, bool create, err_t *e)
{
    int fd = open(path, create ? O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC : O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_set(e, -errno, "progress file %s: %s", path, strerror(errno));
        return NULL;
    }
    if (create && ftruncate(fd, sizeof(progress_slot_t)) < 0) {
        err_set(e, -errno, "progress file %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return NULL;
    }
    void *map = mmap(NULL, sizeof(progress_slot_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        err_set(e, -errno, "progress file %s: mmap: %s", path, strerror(errno));
        if (create)
            unlink(path);
        return NULL;
    }
    progress_t *self = mem_calloc(1, sizeof *self);
    self->slot = map;
    self->path = mem_strdup(path);
    self->created = create;
    return self;
}

void progress_destroy(progress_t **self_p)
{
    progress_t *self = *self_p;
    if (!self)
        return;
    munmap(self->slot, sizeof *self->slot);
    if (self->created)
        unlink(self->path);
    free(self->path);
    free(self);
    *self_p = NULL;
}

progress_slot_t *progress_slot(progress_t *self)
{
    return self->slot;
}

void progress_set_status(progress_slot_t *slot, const char *text)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    atomic_fetch_add_explicit(&slot->status_seq, 1, memory_order_acq_rel); /* odd: writing */
    size_t i = 0;
    for (; text[i] && i < PROGRESS_STATUS_MAX; i++)
        atomic_store_explicit(&slot->status[i], text[i], memory_order_relaxed);
    atomic_store_explicit(&slot->status[i], '\0', memory_order_relaxed);
    atomic_store_explicit(&slot->status_at,
                          (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec,
                          memory_order_relaxed);
    atomic_fetch_add_explicit(&slot->status_seq, 1, memory_order_release); /* even: done */
}

uint64_t progress_status(progress_slot_t *slot, char *buf, size_t len)
{
    if (len == 0)
        return 0;
    buf[0] = '\0';
    uint32_t before = atomic_load_explicit(&slot->status_seq, memory_order_acquire);
    if (before & 1)
        return 0;
    size_t i = 0;
    for (; i + 1 < len && i < PROGRESS_STATUS_MAX; i++) {
        char c = atomic_load_explicit(&slot->status[i], memory_order_relaxed);
        if (!c)
            break;
        buf[i] = c;
    }
    buf[i] = '\0';
    uint64_t at = atomic_load_explicit(&slot->status_at, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&slot->status_seq, memory_order_relaxed) != before) {
        buf[0] = '\0';
        return 0;
    }
    return at;
}
