/*
 * fmap.c - read-only file mappings whose vanished pages read as zeros and
 * are reported.  See fmap.h.
 */
#include "fmap.h"

#include "mem.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct fmap_region {
    uintptr_t start;                   /* first byte of the mapping */
    uintptr_t end;                     /* past its last page */
    volatile sig_atomic_t lost;        /* pages vanished and were replaced by zeros */
    struct fmap_region *volatile next; /* the next region, NULL at the end */
} fmap_region_t;

/* The registered mappings, newest first; only the handler reads it from
 * another context than the one changing it. */
static fmap_region_t *volatile s_regions;
static uintptr_t s_page_size;
static struct sigaction s_previous;

static void s_on_sigbus(int sig, siginfo_t *info, void *uc)
{
    uintptr_t at = (uintptr_t)info->si_addr;
    /* Only the kernel's "no such page" fault: a SIGBUS sent with kill
     * carries no address. */
    for (fmap_region_t *r = info->si_code == BUS_ADRERR ? s_regions : NULL; r; r = r->next) {
        if (at < r->start || at >= r->end)
            continue;
        /* Zeros from the faulting page on: every page past the new end of
         * the file would fault in turn. */
        uintptr_t page = at & ~(s_page_size - 1);
        void *p = mmap((void *)page, r->end - page, PROT_READ,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (p == MAP_FAILED)
            break;
        r->lost = 1;
        return; /* the read starts again, over zeros */
    }
    if ((s_previous.sa_flags & SA_SIGINFO) && s_previous.sa_sigaction) {
        s_previous.sa_sigaction(sig, info, uc);
        return;
    }
    if (s_previous.sa_handler != SIG_DFL && s_previous.sa_handler != SIG_IGN) {
        s_previous.sa_handler(sig);
        return;
    }
    /* Not ours: die of it as we would have, when the fault strikes again. */
    signal(sig, SIG_DFL);
}

void fmap_install(void)
{
    s_page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = s_on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    struct sigaction old;
    if (sigaction(SIGBUS, &sa, &old) < 0)
        return;
    /* Again after someone else took SIGBUS: chain to them, never to
     * ourselves. */
    if (!((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == s_on_sigbus))
        s_previous = old;
}

const char *fmap_map(int fd, size_t size, int *code)
{
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        *code = -errno;
        return NULL;
    }
    uintptr_t page = s_page_size ? s_page_size : (uintptr_t)sysconf(_SC_PAGESIZE);
    fmap_region_t *r = mem_calloc(1, sizeof *r);
    r->start = (uintptr_t)p;
    r->end = (uintptr_t)p + ((size + page - 1) & ~(page - 1));
    r->next = s_regions;
    s_regions = r; /* published whole: the handler sees it or not */
    return p;
}

static fmap_region_t *s_find(const char *data)
{
    for (fmap_region_t *r = s_regions; r; r = r->next)
        if (r->start == (uintptr_t)data)
            return r;
    return NULL;
}

bool fmap_lost(const char *data)
{
    fmap_region_t *r = data ? s_find(data) : NULL;
    return r && r->lost;
}

void fmap_unmap(const char *data, size_t size)
{
    if (!data)
        return;
    fmap_region_t *volatile *link = &s_regions;
    while (*link && (*link)->start != (uintptr_t)data)
        link = &(*link)->next;
    fmap_region_t *r = *link;
    if (r)
        *link = r->next;
    munmap((void *)data, size);
    free(r);
}
