/*
 * keycmp.h - Hadoop's KeyFieldBasedComparator and KeyFieldBasedPartitioner
 * options (sort(1)'s `-k POS1[,POS2]` with `n` and `r`, and global `-n`,
 * `-r`), as an order-preserving byte encoding and a partition function.
 *
 * The reducer never compares keys by a comparator: it stores each key under
 * keycmp_encode's bytes, whose memcmp order is the comparator's order, so the
 * spill runs, the k-way merge and -R N keep working on bytes unchanged.  The
 * encoding of each -k field, in the order given:
 *
 *   text     the field's bytes, 0x00 escaped as 0x00 0xFF, then 0x00 0x00
 *   numeric  0x80 negative, 0x81 zero, 0x82 positive; a non-zero number then
 *            has its magnitude: the integer digit count (u32 big-endian,
 *            leading zeros dropped), the integer digits, the fraction digits
 *            (trailing zeros dropped), 0x00; a negative's magnitude bytes are
 *            complemented, so a larger magnitude sorts first
 *   reverse  the field's encoding (either form), every byte complemented
 *
 * Each form is prefix-free, so complementing reverses its order and a field
 * never runs into the next.  Numbers are read as GNU sort -n reads them in
 * the C locale: blanks, an optional '-', digits, an optional '.' and digits;
 * anything else is 0.  Fields are split at one separator byte (sort -t):
 * field F of -kF,L runs from the start of field F to the end of field L
 * (without L: to the end of the key); a field past the last is empty.
 * Character positions (-k1.3) and other flags in a -k are refused; words
 * other than -n, -r, -nr and -k... are passed over, as Hadoop's
 * KeyFieldHelper passes over them.
 */
#ifndef MR_KEYCMP_H
#define MR_KEYCMP_H

#include "buf.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most -k options one comparator takes. */
#define KEYCMP_MAX_SPECS 16

/* One -k option. */
typedef struct keycmp_spec {
    uint32_t first; /* the first field, from 1 */
    uint32_t last;  /* the last field, from 1; 0: to the end of the key */
    bool numeric;   /* n: compared as numbers */
    bool reverse;   /* r: in reverse */
} keycmp_spec_t;

/* A parsed option string.  Caller-owned; it holds no heap memory. */
typedef struct keycmp {
    char sep;                             /* the byte between fields */
    size_t n;                             /* specs in spec; 0: none given */
    keycmp_spec_t spec[KEYCMP_MAX_SPECS]; /* in the order given */
} keycmp_t;

/* Parses options ("-k1,1n -k2,2nr", "-nr", "-k1,2"; NULL or "" gives none)
 * into *k, fields split at sep.  As Hadoop's KeyFieldHelper: a -k without
 * n or r takes the global -n/-r, and with no -k the global ones apply to
 * the whole key.  0 or -EINVAL with e naming the bad word. */
int keycmp_parse(keycmp_t *k, const char *options, char sep, err_t *e);

/* Appends the order-preserving encoding of key (above) to out.  Appends
 * nothing when k has no specs.  0 or -EMSGSIZE past out's cap. */
int keycmp_encode(const keycmp_t *k, const void *key, size_t len, buf_t *out);

/* The partition, 0..n-1, of key under KeyFieldBasedPartitioner's options k:
 * partition_of_hash over the -k fields' bytes only (their htab_hash values
 * chained by multiply and xor), so keys equal in those fields meet in one
 * reducer.  With k NULL or without specs: partition_of of the whole key.
 * A wire contract, as partition_of: every mapper and reducer of a job uses
 * the same options. */
uint32_t keycmp_partition(const keycmp_t *k, const void *key, size_t len, uint32_t n);

#endif
