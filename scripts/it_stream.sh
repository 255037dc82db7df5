#!/usr/bin/env bash
# it_stream.sh - mr-stream, the Hadoop Streaming adapter, end to end: the
# stages piped through coreutils as Hadoop would run them must give exactly
# what mr-run gives for the same plugin, byte for byte.
#
#   map | sort | reduce              equals mr-run --sort (wordcount.so)
#   map | combine | sort | reduce    the same: combine may run or not
#   per split: map | sort | combine, merged with sort -m (combine output of
#   sorted input must stay sorted), range-partitioned over two reducers
#   -0 records                       equal mr-run -0 (its NUL records as lines)
#   upper.so (map-only)              escaped lines that decode (python, an
#                                    independent decoder) to mr-run --ordered
#   binary and empty keys, with and without combine, and a plugin without
#   reduce (raw binary values) through the whole pipeline
# and the failures: malformed and unsorted input, a map-only plugin given
# to reduce, a reader that goes away (EPIPE).
# shellcheck disable=SC2002 # `cat file |` is the point: stdin as a pipe
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

STREAM=$MR_BIN/mr-stream
WC=$MR_EXAMPLES/wordcount.so
UPPER=$MR_EXAMPLES/upper.so
W=$IT_WORK
CORPUS=$W/corpus.txt

it_check "mr-stream is executable at $STREAM" test -x "$STREAM"

it_gen_text 20240607 8000000 "$CORPUS"
it_check "corpus generated (about 8 MB, last line without newline)" \
    test "$(wc -c <"$CORPUS")" -gt 7500000 -a "$(tail -c 1 "$CORPUS" | od -An -c | tr -d ' ')" != '\n'

"$MR_RUN" -q -m "$WC" -j 2 --sort -o "$W/expected.tsv" "$CORPUS" 2>"$W/expected.err"
it_status_ok "mr-run -m wordcount.so --sort exits 0" $? "$W/expected.err"
it_check "expected counts are not trivial (over 1000 distinct words)" \
    test "$(wc -l <"$W/expected.tsv")" -gt 1000
# Every comparison below is with expected.tsv: anchor it to coreutils.
it_count_words "$CORPUS" >"$W/oracle.tsv"
it_same "mr-run's counts equal the tr|sort|uniq -c counts" "$W/oracle.tsv" "$W/expected.tsv"

cat "$CORPUS" | "$STREAM" map "$WC" 2>"$W/map.err" | sort | "$STREAM" reduce "$WC" \
    >"$W/plain.tsv" 2>"$W/reduce.err"
it_equal "map | sort | reduce exits 0 at every stage" "0 0 0 0" "${PIPESTATUS[*]}"
it_same "map | sort | reduce equals mr-run --sort byte for byte" "$W/expected.tsv" "$W/plain.tsv"

cat "$CORPUS" | "$STREAM" map "$WC" | "$STREAM" combine "$WC" 2>"$W/combine.err" | sort |
    "$STREAM" reduce "$WC" >"$W/combined.tsv" 2>"$W/reduce2.err"
it_equal "map | combine | sort | reduce exits 0 at every stage" "0 0 0 0 0" "${PIPESTATUS[*]}"
it_same "map | combine | sort | reduce equals mr-run --sort" "$W/expected.tsv" "$W/combined.tsv"

# As Hadoop runs it: each split mapped, sorted and combined on its own
# (the combiner sees a sorted spill and must write it back sorted), the
# spills merged, the keys range-partitioned over two reducers whose outputs
# laid end to end are the sorted result.
(cd "$W" && split -n l/3 corpus.txt part.)
for p in aa ab ac; do
    "$STREAM" map "$WC" <"$W/part.$p" | sort | "$STREAM" combine "$WC" >"$W/spill.$p"
done
spills_sorted() {
    sort -c "$W/spill.aa" && sort -c "$W/spill.ab" && sort -c "$W/spill.ac"
}
it_check "combine keeps sorted input sorted (sort -c on every spill)" spills_sorted
sort -m "$W/spill.aa" "$W/spill.ab" "$W/spill.ac" >"$W/merged"
awk -F'\t' '$1 < "N"' "$W/merged" | "$STREAM" reduce "$WC" >"$W/part1.tsv"
awk -F'\t' '$1 >= "N"' "$W/merged" | "$STREAM" reduce "$WC" >"$W/part2.tsv"
cat "$W/part1.tsv" "$W/part2.tsv" >"$W/hadoop.tsv"
it_same "three splits, sorted spills, two range-partitioned reducers equal mr-run" \
    "$W/expected.tsv" "$W/hadoop.tsv"

tr '\n' '\0' <"$CORPUS" >"$W/corpus.nul"
"$MR_RUN" -q -m "$WC" -j 2 --sort -0 -o "$W/expected0.tsv" "$W/corpus.nul" 2>"$W/expected0.err"
it_status_ok "mr-run -0 exits 0" $? "$W/expected0.err"
cat "$W/corpus.nul" | "$STREAM" map "$WC" -0 | sort | "$STREAM" reduce "$WC" >"$W/nul.tsv"
it_equal "map -0 | sort | reduce exits 0 at every stage" "0 0 0 0" "${PIPESTATUS[*]}"
# mr-run -0 ends its output records in NUL; Streaming's reducer writes lines.
tr '\0' '\n' <"$W/expected0.tsv" >"$W/expected0.lines"
it_same "map -0 | sort | reduce equals mr-run -0 --sort (NUL records as lines)" \
    "$W/expected0.lines" "$W/nul.tsv"
it_same "NUL-terminated records count as the lines do" "$W/expected.tsv" "$W/nul.tsv"

# A map-only plugin: its map output is final, so the empty key gives the
# escaped value alone on its line (no TAB), the reduce side's rule.
"$MR_RUN" -q -m "$UPPER" --ordered -o "$W/upper.expected" "$CORPUS" 2>"$W/upper.err"
it_status_ok "mr-run -m upper.so --ordered exits 0" $? "$W/upper.err"
it_same "mr-run -m upper.so --ordered equals tr a-z A-Z (the last line given its newline)" \
    <(tr a-z A-Z <"$CORPUS"; echo) "$W/upper.expected"
"$STREAM" map "$UPPER" <"$CORPUS" >"$W/upper.escaped" 2>"$W/upper-stream.err"
it_status_ok "mr-stream map upper.so exits 0" $? "$W/upper-stream.err"
it_equal "upper.so: one output line per record" \
    "$(wc -l <"$W/upper.expected")" "$(wc -l <"$W/upper.escaped")"
it_equal "upper.so: no line has a TAB (empty keys, escaped values)" \
    0 "$(grep -c "$(printf '\t')" "$W/upper.escaped")"
it_equal "upper.so: the output is printable ASCII and newlines only" \
    0 "$(LC_ALL=C grep -c '[^ -~]' "$W/upper.escaped")"
python3 - "$W/upper.escaped" "$W/upper.decoded" <<'PY'
import sys
simple = {b"\\": 0x5C, b"t": 0x09, b"n": 0x0A, b"r": 0x0D, b"0": 0x00}
out = bytearray()
for line in open(sys.argv[1], "rb").read().split(b"\n")[:-1]:
    i = 0
    while i < len(line):
        if line[i] != 0x5C:
            out.append(line[i])
            i += 1
        elif line[i + 1:i + 2] == b"x":
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(simple[line[i + 1:i + 2]])
            i += 2
    out += b"\n"
open(sys.argv[2], "wb").write(out)
PY
it_same "upper.so: decoded by python, the lines equal mr-run --ordered" \
    "$W/upper.expected" "$W/upper.decoded"

# Keys of every byte value (1 and 2 bytes, TAB, newline and NUL among
# them) and the empty key, counted through the pipeline.  reduce prints
# keys in hex, so both outputs are text that sort can line up: mr-run
# sorts raw keys, mr-stream's reducer sees them in escaped order.
cat >"$W/bytecount.template" <<'C'
#include "mr.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t count(mr_bytes_t v)
{
    uint64_t n = 0;
    if (v.len == sizeof n)
        memcpy(&n, v.ptr, sizeof n);
    return n;
}

static int bc_map(void *state, mr_bytes_t record, mr_emitter_t *out)
{
    static const uint64_t one = 1;
    const unsigned char *p = record.ptr;
    (void)state;
#ifdef LETTERS_ONLY
    for (size_t i = 0; i < record.len; i++)
        if (((p[i] | 0x20) - 'a') < 26u && mr_emit(out, p + i, 1, &one, sizeof one) != 0)
            return 1;
    return 0;
#else
    if (mr_emit_value(out, &one, sizeof one) != 0)
        return 1;
    for (size_t i = 0; i < record.len; i++) {
        if (mr_emit(out, p + i, 1, &one, sizeof one) != 0)
            return 1;
        if (i + 1 < record.len && i % 7 == 0 && mr_emit(out, p + i, 2, &one, sizeof one) != 0)
            return 1;
    }
    return 0;
#endif
}

static int bc_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    uint64_t sum = count(a) + count(b);
    (void)state;
    (void)key;
    return mr_emit_value(out, &sum, sizeof sum);
}

static int bc_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n,
                     mr_emitter_t *out)
{
    const unsigned char *k = key.ptr;
    char hex[8];
    char text[24];
    uint64_t sum = 0;
    (void)state;
    for (size_t i = 0; i < n; i++)
        sum += count(values[i]);
    for (size_t i = 0; i < key.len && i < 2; i++)
        snprintf(hex + 2 * i, 3, "%02x", k[i]);
    int len = snprintf(text, sizeof text, "%llu", (unsigned long long)sum);
    return mr_emit(out, hex, key.len * 2, text, (size_t)len);
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .name = "bytecount",
    .map = bc_map,
#ifndef NO_COMBINE
    .combine = bc_combine,
#endif
#ifndef NO_REDUCE
    .reduce = bc_reduce,
#endif
};
C
# A small binary corpus: every byte value, in records of every terminator.
python3 -c '
import random, sys
r = random.Random(5)
sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(300000)) + bytes(range(256)))
' >"$W/binary.in"

# bytecount VARIANT DEFINES...: builds the plugin and checks the pipeline.
bytecount() {
    local name=$1 so=$W/$1.so
    shift
    { printf '#define %s 1\n' "$@"; cat "$W/bytecount.template"; } | it_build_plugin "$name" || return
    "$MR_RUN" -q -m "$so" -j 2 -o "$W/$name.expected" "$W/binary.in" 2>"$W/$name.err"
    it_status_ok "mr-run -m $name.so exits 0" $? "$W/$name.err"
    "$STREAM" map "$so" <"$W/binary.in" | sort | "$STREAM" reduce "$so" >"$W/$name.out"
    it_equal "$name: map | sort | reduce exits 0 at every stage" "0 0 0" "${PIPESTATUS[*]}"
    sort -o "$W/$name.expected" "$W/$name.expected"
    sort -o "$W/$name.out" "$W/$name.out"
    it_same "$name: binary and empty keys count as mr-run counts them" \
        "$W/$name.expected" "$W/$name.out"
}
bytecount bytecount WITH_COMBINE_AND_REDUCE
bytecount bytecount_nocombine NO_COMBINE

# Without reduce the reducer prints key<TAB>merged value raw, as mr-run
# does: here 8 binary bytes per count, newlines and TABs among them.
{ printf '#define LETTERS_ONLY 1\n#define NO_REDUCE 1\n'; cat "$W/bytecount.template"; } |
    it_build_plugin lettersum
"$MR_RUN" -q -m "$W/lettersum.so" -j 2 --sort -o "$W/lettersum.expected" "$CORPUS" \
    2>"$W/lettersum.err"
it_status_ok "mr-run -m lettersum.so (combine, no reduce) exits 0" $? "$W/lettersum.err"
"$STREAM" map "$W/lettersum.so" <"$CORPUS" | sort | "$STREAM" reduce "$W/lettersum.so" \
    >"$W/lettersum.out"
it_same "a plugin without reduce: raw binary values equal mr-run's byte for byte" \
    "$W/lettersum.expected" "$W/lettersum.out"

# Failures: exit 1 with a message that says where.
printf 'a\t\\x01\\0\\0\\0\\0\\0\\0\\0\nb\t\\x01\\0\\0\\0\\0\\0\\0\\z\n' |
    "$STREAM" reduce "$WC" >/dev/null 2>"$W/bad.err"
it_equal "a malformed escape exits 1" 1 "${PIPESTATUS[1]}"
it_mentions "a malformed escape names its line and column" "$W/bad.err" \
    "mr-stream: error: line 2: column 19: unknown escape \\z"

sort -r "$W/spill.aa" | "$STREAM" reduce "$WC" >/dev/null 2>"$W/unsorted.err"
it_equal "unsorted input to reduce exits 1" 1 "${PIPESTATUS[1]}"
it_mentions "unsorted input names the line and asks for LC_ALL=C sort" "$W/unsorted.err" \
    "mr-stream: error: line 2: key" "LC_ALL=C sort"

"$STREAM" reduce "$UPPER" </dev/null 2>"$W/maponly.err"
it_equal "reduce with a map-only plugin exits 1" 1 $?
it_mentions "reduce with a map-only plugin names it and the missing symbols" "$W/maponly.err" \
    "upper.so has neither combine nor reduce" "mr_plugin.combine and mr_plugin.reduce"

"$STREAM" map "$W/none.so" </dev/null 2>"$W/none.err"
it_equal "a missing plugin exits 1" 1 $?
it_mentions "a missing plugin is named" "$W/none.err" "mr-stream: error: plugin $W/none.so"

"$STREAM" shuffle "$WC" </dev/null 2>"$W/usage.err"
it_equal "an unknown stage is a usage error (exit 2)" 2 $?

"$STREAM" map "$UPPER" <"$CORPUS" 2>"$W/epipe.err" | head -c 100 >/dev/null
it_equal "a reader that goes away: exit 1, not SIGPIPE" 1 "${PIPESTATUS[0]}"
it_mentions "a reader that goes away is reported" "$W/epipe.err" \
    "mr-stream: error: writing stdout: Broken pipe"

it_no_children "no mr-mapper or mr-reducer left running"
it_no_runtime_dir "no runtime directory left in TMPDIR"
it_done
