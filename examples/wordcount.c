/*
 * wordcount.c - count words: the template to copy for a key-grouped job.
 *
 * Build:  cc -shared -fPIC -O2 -I include -o wordcount.so examples/wordcount.c
 *         (mr installed: cc -shared -fPIC -O2 -o wordcount.so wordcount.c
 *          $(pkg-config --cflags mr))
 * Run:    mr-run -m wordcount.so -o counts.tsv corpus.txt
 * Output: one line per word, word<TAB>count.  A word is a maximal run of
 *         ASCII letters [A-Za-z], case kept.
 *
 * To write your own plugin from this file:
 *   1. Include mr.h and nothing else of mr's.
 *   2. Write map(): split the record, emit (key, value) pairs.  Values are
 *      bytes; here a count is 8 bytes, little-endian, so merging is cheap.
 *   3. Write combine() if values of a key can be merged pairwise in any
 *      order (a sum, a max, a set union).  The engine then merges inside the
 *      mappers and in the reducer, and memory stays per distinct key.
 *      If combine is one of the kinds mr.h lists (a sum of 8-byte counts
 *      here), say so in combine_kind and the engine merges without calls.
 *   4. Write reduce() to turn a key's final value into output text.
 *   5. Export one descriptor named mr_plugin with abi_version set.
 */
#include "mr.h"

#include <stdint.h>
#include <string.h>

static int s_is_letter(unsigned char c)
{
    return (unsigned char)((c | 0x20) - 'a') < 26;
}

/* Step 2: one emit per word, value 1. */
static int wc_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    (void)state;
    static const uint64_t one = 1;
    const unsigned char *p = record.ptr;
    size_t n = record.len;
    size_t i = 0;
    while (i < n) {
        while (i < n && !s_is_letter(p[i]))
            i++;
        size_t start = i;
        while (i < n && s_is_letter(p[i]))
            i++;
        if (i > start) {
            int rc = mr_emit(out, p + start, i - start, &one, sizeof one);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static uint64_t s_count(mr_bytes_t v)
{
    uint64_t n = 0;
    if (v.len == sizeof n)
        memcpy(&n, v.ptr, sizeof n);
    return n;
}

/* Step 3: counts add up. */
static int wc_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    (void)state;
    (void)key;
    uint64_t sum = s_count(a) + s_count(b);
    return mr_emit_value(out, &sum, sizeof sum);
}

/* Step 4: the count as decimal text. */
static int wc_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n_values,
                     mr_emitter_t *out)
{
    (void)state;
    uint64_t sum = 0;
    for (size_t i = 0; i < n_values; i++)
        sum += s_count(values[i]);
    /* Digits from the last: snprintf, parsing "%llu" for every key, was
     * 2 % of a 26 M-key count's CPU. */
    char text[20];
    char *p = text + sizeof text;
    do {
        *--p = (char)('0' + sum % 10);
        sum /= 10;
    } while (sum);
    return mr_emit(out, key.ptr, key.len, p, (size_t)(text + sizeof text - p));
}

/* Step 5. */
const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "wordcount",
    .map = wc_map,
    .combine = wc_combine,
    .reduce = wc_reduce,
    /* Step 3 again: tell the engine combine is a sum of 8-byte counts, so
     * it adds them itself instead of calling wc_combine for every word. */
    .combine_kind = MR_COMBINE_SUM_U64,
};
