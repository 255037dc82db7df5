/*
 * wc_block.c - the per-block counter GNU parallel runs in bench/run: counts
 * the words of stdin and prints word<TAB>count; awk merges the blocks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char *word;     /* owned copy */
    uint32_t len;   /* its length */
    uint64_t count; /* occurrences */
} slot_t;

static int s_letter(int c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

int main(void)
{
    size_t cap = 1 << 18;
    slot_t *table = calloc(cap, sizeof *table);
    char word[4096];
    size_t len = 0;
    int c;
    do {
        c = getchar_unlocked();
        if (c != EOF && s_letter(c)) {
            if (len < sizeof word)
                word[len++] = (char)c;
            continue;
        }
        if (len == 0)
            continue;
        uint64_t h = 1469598103934665603ULL;
        for (size_t k = 0; k < len; k++)
            h = (h ^ (unsigned char)word[k]) * 1099511628211ULL;
        size_t j = h & (cap - 1);
        while (table[j].word && (table[j].len != len || memcmp(table[j].word, word, len) != 0))
            j = (j + 1) & (cap - 1);
        if (!table[j].word) {
            table[j].word = malloc(len);
            memcpy(table[j].word, word, len);
            table[j].len = (uint32_t)len;
        }
        table[j].count++;
        len = 0;
    } while (c != EOF);
    for (size_t j = 0; j < cap; j++)
        if (table[j].word)
            printf("%.*s\t%llu\n", (int)table[j].len, table[j].word,
                   (unsigned long long)table[j].count);
    return 0;
}
