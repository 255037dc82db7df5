/*
 * setsum.c - an order-independent fingerprint of a file's lines, so that
 * bench/run can check that two tools wrote the same set of output lines
 * without sorting millions of them: prints the line count and the sum and
 * the xor of a 64-bit hash of each line.
 *
 *   setsum [-u] < FILE
 *
 * -u reads `uniq -c` output ("   COUNT KEY") and hashes it as KEY<TAB>COUNT,
 * the form mr and the other tools write.
 */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t s_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

int main(int argc, char **argv)
{
    int uniq = argc == 2 && strcmp(argv[1], "-u") == 0;
    static char tmp[1 << 16];
    uint64_t n = 0, sum = 0, x = 0;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&buf, &cap, stdin)) > 0) {
        if (buf[len - 1] == '\n')
            len--;
        const char *p = buf;
        size_t l = (size_t)len;
        if (uniq) {
            size_t i = 0;
            while (i < l && buf[i] == ' ')
                i++;
            size_t c = i;
            while (i < l && buf[i] != ' ')
                i++;
            size_t cl = i - c;
            i++; /* the space before the key */
            if (i > l || (l - i) + 1 + cl > sizeof tmp) {
                fprintf(stderr, "setsum: not uniq -c output: %.*s\n", (int)l, buf);
                return 1;
            }
            memcpy(tmp, buf + i, l - i);
            tmp[l - i] = '\t';
            memcpy(tmp + (l - i) + 1, buf + c, cl);
            p = tmp;
            l = (l - i) + 1 + cl;
        }
        uint64_t h = s_hash(p, l);
        n++;
        sum += h;
        x ^= h;
    }
    printf("%llu lines %016llx %016llx\n", (unsigned long long)n, (unsigned long long)sum,
           (unsigned long long)x);
    return 0;
}
