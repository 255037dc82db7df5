/*
 * keycmp.c - the key comparator's encoding and the key-field partition
 * function.  See keycmp.h for the encoding, which the reducer's order
 * rests on.
 *
 * Written here rather than taken from a library: the reducer needs the
 * comparator as bytes (memcmp order), not as a compare function, so that
 * spill runs and the k-way merge stay comparator-free.
 */
#include "keycmp.h"

#include "htab.h"
#include "partition.h"

#include <errno.h>
#include <string.h>

/* Parses a field number at *p (1..UINT32_MAX), moving *p past it. */
static bool s_field_number(const char **p, uint32_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '1' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return false;
        s++;
    }
    *p = s;
    *out = (uint32_t)v;
    return true;
}

/* Parses sort's flags n and r at *p, up to a ',' or the end of the word. */
static bool s_flags(const char **p, keycmp_spec_t *spec)
{
    const char *s = *p;
    for (; *s && *s != ',' && *s != ' ' && *s != '\t'; s++) {
        if (*s == 'n')
            spec->numeric = true;
        else if (*s == 'r')
            spec->reverse = true;
        else
            return false;
    }
    *p = s;
    return true;
}

/* Parses a -k word's argument, "F[flags][,L[flags]]". */
static int s_parse_key(const char *word, size_t len, keycmp_spec_t *spec, err_t *e)
{
    char text[64];
    if (len == 0 || len >= sizeof text)
        return err_set(e, -EINVAL, "key comparator option -k%.*s: expected -kF[,L] with n, r",
                       (int)(len > 40 ? 40 : len), word);
    memcpy(text, word, len);
    text[len] = '\0';
    const char *p = text;
    memset(spec, 0, sizeof *spec);
    bool ok = s_field_number(&p, &spec->first) && s_flags(&p, spec);
    if (ok && *p == ',') {
        p++;
        ok = s_field_number(&p, &spec->last) && s_flags(&p, spec) && spec->last >= spec->first;
    }
    if (!ok || *p)
        return err_set(e, -EINVAL,
                       "key comparator option -k%s: expected -kF[,L] with the flags n and r "
                       "(character positions and other flags are not supported)",
                       text);
    return 0;
}

int keycmp_parse(keycmp_t *k, const char *options, char sep, err_t *e)
{
    memset(k, 0, sizeof *k);
    k->sep = sep;
    keycmp_spec_t global = { 1, 0, false, false };
    const char *p = options ? options : "";
    bool pending_k = false; /* "-k" alone: its argument is the next word */
    while (*p) {
        size_t gap = strspn(p, " \t");
        p += gap;
        size_t len = strcspn(p, " \t");
        if (len == 0)
            break;
        const char *word = p;
        p += len;
        if (pending_k || (len >= 2 && strncmp(word, "-k", 2) == 0)) {
            const char *arg = pending_k ? word : word + 2;
            size_t arg_len = pending_k ? len : len - 2;
            if (!pending_k && arg_len == 0) {
                pending_k = true;
                continue;
            }
            pending_k = false;
            if (k->n == KEYCMP_MAX_SPECS)
                return err_set(e, -EINVAL, "more than %d -k key comparator options",
                               KEYCMP_MAX_SPECS);
            if (s_parse_key(arg, arg_len, &k->spec[k->n], e) < 0)
                return e->code;
            k->n++;
            continue;
        }
        /* Hadoop's KeyFieldHelper knows -n, -r and -nr, and passes over any
         * other word ("-k2nr 1" is -k2nr): so do we. */
        if (len == 2 && strncmp(word, "-n", 2) == 0)
            global.numeric = true;
        else if (len == 2 && strncmp(word, "-r", 2) == 0)
            global.reverse = true;
        else if (len == 3 && strncmp(word, "-nr", 3) == 0)
            global.numeric = global.reverse = true;
    }
    if (pending_k)
        return err_set(e, -EINVAL, "key comparator option -k without its field");
    for (size_t i = 0; i < k->n; i++)
        if (!k->spec[i].numeric && !k->spec[i].reverse) {
            k->spec[i].numeric = global.numeric;
            k->spec[i].reverse = global.reverse;
        }
    if (k->n == 0 && (global.numeric || global.reverse))
        k->spec[k->n++] = global;
    return 0;
}

/* The bytes [*start, *end) of spec's fields in key. */
static void s_range(const keycmp_spec_t *spec, char sep, const char *key, size_t len, size_t *start,
                    size_t *end)
{
    size_t pos = 0;
    uint32_t field = 1;
    while (field < spec->first && pos < len) {
        const char *s = memchr(key + pos, sep, len - pos);
        pos = s ? (size_t)(s - key) + 1 : len;
        field++;
    }
    if (field < spec->first)
        pos = len; /* past the last field: empty */
    *start = pos;
    if (spec->last == 0) {
        *end = len;
        return;
    }
    while (pos < len) {
        const char *s = memchr(key + pos, sep, len - pos);
        size_t stop = s ? (size_t)(s - key) : len;
        if (field == spec->last) {
            *end = stop;
            return;
        }
        pos = s ? stop + 1 : len;
        field++;
    }
    *end = len;
}

/* Appends b, complemented when flip. */
static int s_put(buf_t *out, const void *b, size_t len, bool flip)
{
    size_t at = out->len;
    int rc = buf_append(out, b, len);
    if (rc == 0 && flip)
        for (size_t i = at; i < out->len; i++)
            out->data[i] = (char)~out->data[i];
    return rc;
}

static int s_encode_text(const char *p, size_t len, bool flip, buf_t *out)
{
    static const char esc[2] = { 0, (char)0xFF };
    static const char end[2] = { 0, 0 };
    int rc = 0;
    while (rc == 0 && len > 0) {
        const char *z = memchr(p, 0, len);
        size_t run = z ? (size_t)(z - p) : len;
        rc = s_put(out, p, run, flip);
        if (rc == 0 && z)
            rc = s_put(out, esc, sizeof esc, flip);
        run += z ? 1 : 0;
        p += run;
        len -= run;
    }
    return rc ? rc : s_put(out, end, sizeof end, flip);
}

static bool s_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int s_encode_number(const char *p, size_t len, bool flip, buf_t *out)
{
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    bool neg = i < len && p[i] == '-';
    i += neg;
    while (i < len && p[i] == '0')
        i++;
    size_t int_at = i;
    while (i < len && s_digit(p[i]))
        i++;
    size_t int_len = i - int_at;
    size_t frac_at = i;
    size_t frac_len = 0;
    if (i < len && p[i] == '.') {
        frac_at = ++i;
        while (i < len && s_digit(p[i]))
            i++;
        frac_len = i - frac_at;
        while (frac_len > 0 && p[frac_at + frac_len - 1] == '0')
            frac_len--;
    }
    unsigned char sign = int_len == 0 && frac_len == 0 ? 0x81 : neg ? 0x80 : 0x82;
    int rc = s_put(out, &sign, 1, flip);
    if (rc < 0 || sign == 0x81)
        return rc;
    if (int_len > UINT32_MAX)
        return -EMSGSIZE;
    unsigned char n[4] = { (unsigned char)(int_len >> 24), (unsigned char)(int_len >> 16),
                           (unsigned char)(int_len >> 8), (unsigned char)int_len };
    static const char end = 0;
    bool mflip = flip != neg; /* a negative's magnitude is complemented */
    if ((rc = s_put(out, n, sizeof n, mflip)) < 0 ||
        (rc = s_put(out, p + int_at, int_len, mflip)) < 0 ||
        (rc = s_put(out, p + frac_at, frac_len, mflip)) < 0)
        return rc;
    return s_put(out, &end, 1, mflip);
}

int keycmp_encode(const keycmp_t *k, const void *key, size_t len, buf_t *out)
{
    for (size_t i = 0; i < k->n; i++) {
        const keycmp_spec_t *spec = &k->spec[i];
        size_t start;
        size_t end;
        s_range(spec, k->sep, key, len, &start, &end);
        const char *field = (const char *)key + start;
        int rc = spec->numeric ? s_encode_number(field, end - start, spec->reverse, out)
                               : s_encode_text(field, end - start, spec->reverse, out);
        if (rc < 0)
            return rc;
    }
    return 0;
}

uint32_t keycmp_partition(const keycmp_t *k, const void *key, size_t len, uint32_t n)
{
    if (n <= 1)
        return 0;
    if (!k || k->n == 0)
        return partition_of(key, len, n);
    /* Fields' hashes chained, so that no buffer holds them together. */
    uint64_t h = 0;
    for (size_t i = 0; i < k->n; i++) {
        size_t start;
        size_t end;
        s_range(&k->spec[i], k->sep, key, len, &start, &end);
        h = h * 0x9E3779B97F4A7C15ull ^ htab_hash((const char *)key + start, end - start);
    }
    return partition_of_hash(h, n);
}
