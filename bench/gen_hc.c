/*
 * gen_hc.c - seeded corpora with many distinct keys, for bench/run's
 * high-cardinality rows (issue 11).
 *
 *   gen_hc words LINES SEED        one lowercase word per line
 *   gen_hc pairs LINES KEYS SEED   word<TAB>value per line, for a reduce
 *                                  without combine (an inverted index)
 *
 * words: each line's word is drawn uniformly from LINES / 2 ids, so about
 * 43 % of the lines carry a word seen for the first time: 60 M lines hold
 * about 26 M distinct words in 394 MB (ids spelt in bijective base 26:
 * words of 1 to 6 letters, mostly 5 and 6).
 * pairs: the key drawn uniformly from KEYS ids, the value "d" and the line
 * number in 8 hex digits (unique, so each key's value list is a set).
 * The same arguments give the same bytes on every machine (splitmix64).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s_state;

static uint64_t s_next(void)
{
    uint64_t z = (s_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform id below n (n < 2^32: the multiply-shift bias is negligible). */
static uint64_t s_below(uint64_t n)
{
    return ((s_next() >> 32) * n) >> 32;
}

/* Spells id in bijective base 26 (a, b, ..., z, aa, ab, ...) at p;
 * returns the length. */
static size_t s_word(uint64_t id, char *p)
{
    char tmp[16];
    size_t n = 0;
    id++;
    while (id > 0) {
        id--;
        tmp[n++] = (char)('a' + id % 26);
        id /= 26;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

int main(int argc, char **argv)
{
    int pairs = argc == 5 && strcmp(argv[1], "pairs") == 0;
    if (!pairs && !(argc == 4 && strcmp(argv[1], "words") == 0)) {
        fprintf(stderr, "usage: gen_hc words LINES SEED | gen_hc pairs LINES KEYS SEED\n");
        return 2;
    }
    uint64_t lines = strtoull(argv[2], NULL, 10);
    uint64_t keys = pairs ? strtoull(argv[3], NULL, 10) : lines / 2;
    s_state = strtoull(argv[pairs ? 4 : 3], NULL, 10);
    if (keys == 0)
        keys = 1;
    static char buf[1 << 20];
    size_t used = 0;
    static const char hex[] = "0123456789abcdef";
    for (uint64_t i = 0; i < lines; i++) {
        if (used > sizeof buf - 64) {
            if (fwrite(buf, 1, used, stdout) != used)
                return 1;
            used = 0;
        }
        used += s_word(s_below(keys), buf + used);
        if (pairs) {
            buf[used++] = '\t';
            buf[used++] = 'd';
            for (int s = 28; s >= 0; s -= 4)
                buf[used++] = hex[(i >> s) & 15];
        }
        buf[used++] = '\n';
    }
    if (fwrite(buf, 1, used, stdout) != used || fflush(stdout) != 0)
        return 1;
    return 0;
}
