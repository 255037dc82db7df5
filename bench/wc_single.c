/*
 * wc_single.c - the per-core limit for word count: one process, mmap, FNV-1a
 * and linear probing, no engine.  bench/run compares mr against it.
 * The table doubles past half full (rehashing each word from its bytes), so
 * it also counts the high-cardinality corpus (26 M distinct words).
 * Output: word<TAB>count lines, unsorted.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct slot {
    const char *word; /* points into the mapping */
    uint32_t len;     /* word length */
    uint64_t count;   /* occurrences */
} slot_t;

static uint64_t s_fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* Doubles the table; returns the new one, or NULL. */
static slot_t *s_grow(slot_t *old, size_t *cap)
{
    size_t ncap = *cap * 2;
    slot_t *t = calloc(ncap, sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < *cap; i++) {
        if (!old[i].word)
            continue;
        size_t j = s_fnv((const unsigned char *)old[i].word, old[i].len) & (ncap - 1);
        while (t[j].word)
            j = (j + 1) & (ncap - 1);
        t[j] = old[i];
    }
    free(old);
    *cap = ncap;
    return t;
}

static int s_letter(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: wc_single FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[1]);
        return 1;
    }
    size_t n = (size_t)st.st_size;
    const unsigned char *p = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    size_t cap = 1 << 20, used = 0;
    slot_t *table = calloc(cap, sizeof *table);
    if (!table || p == MAP_FAILED)
        return 1;
    size_t i = 0;
    while (i < n) {
        while (i < n && !s_letter(p[i]))
            i++;
        size_t s = i;
        uint64_t h = 1469598103934665603ULL;
        while (i < n && s_letter(p[i])) {
            h = (h ^ p[i]) * 1099511628211ULL;
            i++;
        }
        if (i == s)
            continue;
        size_t len = i - s;
        size_t j = h & (cap - 1);
        while (table[j].word && (table[j].len != len || memcmp(table[j].word, p + s, len) != 0))
            j = (j + 1) & (cap - 1);
        if (!table[j].word) {
            table[j].word = (const char *)p + s;
            table[j].len = (uint32_t)len;
            table[j].count = 1;
            if (++used > cap / 2 && !(table = s_grow(table, &cap)))
                return 1;
            continue;
        }
        table[j].count++;
    }
    for (size_t j = 0; j < cap; j++)
        if (table[j].word)
            printf("%.*s\t%llu\n", (int)table[j].len, table[j].word,
                   (unsigned long long)table[j].count);
    return 0;
}
