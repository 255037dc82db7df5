/*
 * shring.c - a local mapper's shared result slots.  See shring.h.
 *
 * The file: one page of header (a magic word, the geometry, a busy flag per
 * slot), then SHRING_SLOTS slots of SHRING_SLOT_BYTES.  The mapper is the
 * only one to set a flag, the reducer the only one to clear it, so plain
 * acquire and release stores order the slot's bytes without a lock: the
 * reducer's release after its write(2) lets the mapper overwrite the slot.
 *
 * The memory is a memfd of mr-run's, not a file: a ring file in a disk
 * $TMPDIR (ext4 here) cost more than the copies it saved (read-ahead of
 * holes on the mapper's first touch, block allocation, and the page cache
 * truncated at unlink: 11 % of the job's CPU in mr-run alone), and one in
 * /dev/shm would outlive a killed mr-run.  The memfd lives as long as a
 * process holds or maps it, and DIR/s<id> is a symbolic link to
 * /proc/<mr-run>/fd/<n>, which only our user may open (the runtime
 * directory is 0700, and /proc checks that the opener may trace mr-run).
 */
#include "shring.h"

#include "le64.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHRING_MAGIC 0x676e6972u /* "ring" */
#define SHRING_HEADER 4096u
#define SHRING_FILE_BYTES (SHRING_HEADER + (size_t)SHRING_SLOTS * SHRING_SLOT_BYTES)

typedef struct shring_header {
    uint32_t magic;                      /* SHRING_MAGIC */
    uint32_t slots;                      /* SHRING_SLOTS */
    uint64_t slot_bytes;                 /* SHRING_SLOT_BYTES */
    _Atomic uint32_t busy[SHRING_SLOTS]; /* 1 from acquire until release */
} shring_header_t;

_Static_assert(sizeof(shring_header_t) <= SHRING_HEADER, "the header fits its page");

struct shring {
    char *map;               /* the whole file, shared */
    shring_header_t *header; /* at map */
    uint32_t held;           /* reducer: a bit per slot a looked-up result holds, ours alone */
};

_Static_assert(SHRING_SLOTS <= 32, "held has a bit per slot");

int shring_path(const char *dir, uint32_t id, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/s%u", dir, id);
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int shring_create(const char *path, err_t *e)
{
    int fd = memfd_create("mr-result-slots", MFD_CLOEXEC);
    if (fd < 0)
        return err_set(e, -errno, "result slots: memfd_create: %s", strerror(errno));
    shring_header_t h = { .magic = SHRING_MAGIC,
                          .slots = SHRING_SLOTS,
                          .slot_bytes = SHRING_SLOT_BYTES };
    char target[64];
    snprintf(target, sizeof target, "/proc/%d/fd/%d", (int)getpid(), fd);
    if (ftruncate(fd, (off_t)SHRING_FILE_BYTES) < 0 || pwrite(fd, &h, sizeof h, 0) != sizeof h ||
        symlink(target, path) < 0) {
        int code = errno ? errno : EIO;
        close(fd);
        return err_set(e, -code, "result slots %s: %s", path, strerror(code));
    }
    return fd;
}

shring_t *shring_open(const char *path, err_t *e)
{
    int fd = open(path, O_RDWR | O_CLOEXEC); /* through the link to the memfd */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        err_set(e, -errno, "result slots %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    /* Its full size: a shorter file would fault (SIGBUS) past its end. */
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != SHRING_FILE_BYTES) {
        close(fd);
        err_set(e, -EINVAL, "result slots %s: not a ring file", path);
        return NULL;
    }
    void *map = mmap(NULL, SHRING_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        err_set(e, -errno, "result slots %s: mmap: %s", path, strerror(errno));
        return NULL;
    }
    shring_header_t *h = map;
    if (h->magic != SHRING_MAGIC || h->slots != SHRING_SLOTS ||
        h->slot_bytes != SHRING_SLOT_BYTES) {
        munmap(map, SHRING_FILE_BYTES);
        err_set(e, -EINVAL, "result slots %s: not a ring file of this build", path);
        return NULL;
    }
    shring_t *self = mem_calloc(1, sizeof *self);
    self->map = map;
    self->header = h;
    return self;
}

void shring_destroy(shring_t **self_p)
{
    shring_t *self = *self_p;
    if (!self)
        return;
    munmap(self->map, SHRING_FILE_BYTES);
    free(self);
    *self_p = NULL;
}

static char *s_slot(shring_t *self, uint32_t slot)
{
    return self->map + SHRING_HEADER + (size_t)slot * SHRING_SLOT_BYTES;
}

char *shring_acquire(shring_t *self, uint32_t *slot)
{
    /* The lowest free slot: the same few slots are used again and again,
     * so their pages stay mapped and the rest of the file is never touched
     * (round robin over all 16 faulted in 16 MiB per mapper). */
    for (uint32_t s = 0; s < SHRING_SLOTS; s++) {
        if (atomic_load_explicit(&self->header->busy[s], memory_order_acquire) == 0) {
            atomic_store_explicit(&self->header->busy[s], 1, memory_order_relaxed);
            *slot = s;
            return s_slot(self, s);
        }
    }
    return NULL;
}

void shring_release(shring_t *self, uint32_t slot)
{
    if (slot >= SHRING_SLOTS)
        return;
    self->held &= ~(1u << slot);
    atomic_store_explicit(&self->header->busy[slot], 0, memory_order_release);
}

void shring_desc_encode(uint32_t slot, uint64_t len, unsigned char desc[SHRING_DESC_BYTES])
{
    uint32_t s = le32(slot);
    uint32_t zero = 0;
    uint64_t n = le64(len);
    memcpy(desc, &s, 4);
    memcpy(desc + 4, &zero, 4);
    memcpy(desc + 8, &n, 8);
}

int shring_lookup(shring_t *self, const void *desc, size_t desc_len, const char **data, size_t *len,
                  uint32_t *slot, err_t *e)
{
    if (desc_len != SHRING_DESC_BYTES)
        return err_set(e, -EBADMSG, "a result slot descriptor of %zu bytes, not %u", desc_len,
                       SHRING_DESC_BYTES);
    uint32_t s;
    uint32_t zero;
    uint64_t n;
    memcpy(&s, desc, 4);
    memcpy(&zero, (const char *)desc + 4, 4);
    memcpy(&n, (const char *)desc + 8, 8);
    s = le32(s);
    n = le64(n);
    if (s >= SHRING_SLOTS || zero != 0 || n > SHRING_SLOT_BYTES)
        return err_set(e, -EBADMSG, "a result slot descriptor out of range (slot %u, %llu bytes)",
                       s, (unsigned long long)n);
    if (atomic_load_explicit(&self->header->busy[s], memory_order_acquire) != 1)
        return err_set(e, -EBADMSG, "result slot %u is not in use", s);
    /* Our own record, not the shared flag (the mapper writes that): a slot
     * named by a result we hold is named again only by a confused or
     * hostile mapper, and the first result's release would let it refill
     * the slot under the second. */
    if (self->held & (1u << s))
        return err_set(e, -EBADMSG, "result slot %u is already named by a result not yet written",
                       s);
    self->held |= 1u << s;
    *data = s_slot(self, s);
    *len = (size_t)n;
    *slot = s;
    return 0;
}
