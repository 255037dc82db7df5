#!/usr/bin/env bash
# it_plugins.sh - the plugin contract of include/mr.h, end to end:
#   - a word count built as ABI version 1 plugins were (tests/plugins/abi1.c:
#     its descriptor ends before combine_kind) runs under mr-run, with one
#     mapper and several, and under mr-stream, and counts what coreutils
#     counts;
#   - the reason a callback gives with mr_fail() reaches the user's error
#     line, quoted, escaped and cut: map() in a mapper, combine() in a
#     mapper and in the reducer, reduce() in the reducer, and map() and
#     reduce() under mr-stream;
#   - the counters a plugin adds with mr_counter() (ABI 4) reach --stats,
#     at -R 1 and 2, and Hadoop's reporter:counter lines under mr-stream.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

W=$IT_WORK
STREAM=$MR_BIN/mr-stream

it_build_plugin abi1 <"$IT_ROOT/tests/plugins/abi1.c" || it_done
# why.so: fails on purpose, saying why with mr_fail().
#   map()     a record "MAPFAIL:TEXT" fails with TEXT as the reason; other
#             records emit (WORD, 8-byte 1) per space-separated word
#   combine() sums, but refuses to merge the key COMBINEFAIL
#   reduce()  prints the sum, but refuses the key REDUCEFAIL
it_build_plugin why <<'C' || it_done
#include "mr.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int w_map(void *state, mr_bytes_t r, mr_emitter_t *out)
{
    static const uint64_t one = 1;
    const char *p = r.ptr;
    (void)state;
    if (r.len >= 8 && memcmp(p, "MAPFAIL:", 8) == 0) {
        char why[4096];
        size_t n = r.len - 8 < sizeof why - 1 ? r.len - 8 : sizeof why - 1;
        memcpy(why, p + 8, n);
        why[n] = '\0';
        return mr_fail(out, why);
    }
    size_t i = 0;
    while (i < r.len) {
        size_t start = i;
        while (i < r.len && p[i] != ' ')
            i++;
        if (i > start && mr_emit(out, p + start, i - start, &one, sizeof one) != 0)
            return 1;
        i++;
    }
    return 0;
}

static uint64_t w_count(mr_bytes_t v)
{
    uint64_t n = 0;
    if (v.len == sizeof n)
        memcpy(&n, v.ptr, sizeof n);
    return n;
}

static int w_combine(void *state, mr_bytes_t key, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *out)
{
    (void)state;
    if (key.len == 11 && memcmp(key.ptr, "COMBINEFAIL", 11) == 0) {
        char why[128];
        snprintf(why, sizeof why, "cannot merge %llu and %llu", (unsigned long long)w_count(a),
                 (unsigned long long)w_count(b));
        return mr_fail(out, why);
    }
    uint64_t sum = w_count(a) + w_count(b);
    return mr_emit_value(out, &sum, sizeof sum);
}

static int w_reduce(void *state, mr_bytes_t key, const mr_bytes_t *v, size_t n, mr_emitter_t *out)
{
    char text[24];
    (void)state;
    (void)n;
    if (key.len == 10 && memcmp(key.ptr, "REDUCEFAIL", 10) == 0)
        return mr_fail(out, "the key \"REDUCEFAIL\" has no reduction");
    int len = snprintf(text, sizeof text, "%llu", (unsigned long long)w_count(v[0]));
    return mr_emit(out, key.ptr, key.len, text, (size_t)len);
}

const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION, .name = "why", .map = w_map,
                                .combine = w_combine, .reduce = w_reduce };
C
WHY=$W/why.so

# ---- a version-1 plugin ------------------------------------------------

it_gen_text 13 2000000 "$W/text.txt"
it_count_words "$W/text.txt" >"$W/expected.tsv"
for j in 1 3; do
    "$MR_RUN" -q -m "$W/abi1.so" -j $j --chunk-size 64k --sort -o "$W/abi1.$j.tsv" "$W/text.txt" \
        2>"$W/abi1.$j.err"
    it_status_ok "ABI 1 plugin, -j $j: exits 0" $? "$W/abi1.$j.err"
    it_same "ABI 1 plugin, -j $j: the counts of tr|sort|uniq -c" "$W/expected.tsv" "$W/abi1.$j.tsv"
done
(set -o pipefail && "$STREAM" map "$W/abi1.so" <"$W/text.txt" | LC_ALL=C sort |
    "$STREAM" reduce "$W/abi1.so" >"$W/abi1.stream.tsv") 2>"$W/abi1.stream.err"
it_status_ok "ABI 1 plugin under mr-stream map | sort | reduce: exits 0" $? "$W/abi1.stream.err"
sort "$W/abi1.stream.tsv" >"$W/abi1.stream.sorted.tsv"
it_same "ABI 1 plugin under mr-stream: the counts of tr|sort|uniq -c" "$W/expected.tsv" \
    "$W/abi1.stream.sorted.tsv"

# ---- mr_fail(): the reason reaches the error line ----------------------

# run_why NAME ARGS...: mr-run -m why.so ARGS, expected to fail with status
# 1; stderr in $W/NAME.err.
run_why() {
    local name=$1
    shift
    "$MR_RUN" -q -m "$WHY" --max-attempts 2 "$@" -o "$W/$name.out" 2>"$W/$name.err"
    local rc=$?
    it_equal "$name: mr-run exits 1" 1 "$rc"
}

printf 'a b\nMAPFAIL:it'"'"'s \\ not\ta "number": \xc3\xa9\x01\nc\n' >"$W/map.txt"
run_why map "$W/map.txt"
it_mentions "map(): the reason is on the error line, quoted and escaped" "$W/map.err" \
    "mr-run: error: input $W/map.txt, record at byte offset 4 (chunk 0): map() returned 1: 'it\\x27s \\x5c not\\x09a \"number\": \\xc3\\xa9\\x01'; failed 2 attempts. The record begins 'MAPFAIL:"

{ printf 'MAPFAIL:'; head -c 5000 /dev/zero | tr '\0' x; printf '\n'; } >"$W/long.txt"
run_why long "$W/long.txt"
reason=$(sed -n "s/^mr-run: error: .*map() returned 1: '\\([^']*\\)'.*/\\1/p" "$W/long.err")
it_equal "map(): a 5000-byte reason is cut to 160 characters and '...'" \
    "$(head -c 160 /dev/zero | tr '\0' x)..." "$reason"

# Both COMBINEFAIL in one chunk: the mapper's combiner refuses.
printf 'x COMBINEFAIL y\nCOMBINEFAIL\n' >"$W/combine.txt"
run_why combine_mapper "$W/combine.txt"
it_mentions "combine() in a mapper: the reason is on the error line" "$W/combine_mapper.err" \
    "input $W/combine.txt, chunk 0 (bytes 0-28): combine() returned 1: 'cannot merge 1 and 1'; failed 2 attempts"

# One COMBINEFAIL per chunk (records of 2 KiB, 4 KiB chunks): the reducer's
# merge refuses.
pad=$(head -c 2036 /dev/zero | tr '\0' z)
printf 'COMBINEFAIL %s\nCOMBINEFAIL %s\n' "$pad" "$pad" >"$W/combine2.txt"
run_why combine_reducer --chunk-size 2k "$W/combine2.txt"
it_mentions "combine() in the reducer: the reason is on the error line" "$W/combine_reducer.err" \
    "combine() returned 1: 'cannot merge 1 and 1'"

printf 'a REDUCEFAIL b\n' >"$W/reduce.txt"
run_why reduce "$W/reduce.txt"
it_mentions "reduce(): the reason is on the error line" "$W/reduce.err" \
    "reduce() returned 1: 'the key \"REDUCEFAIL\" has no reduction' on key 'REDUCEFAIL'"

"$STREAM" map "$WHY" <"$W/map.txt" >/dev/null 2>"$W/stream_map.err"
it_equal "mr-stream map: exits 1" 1 $?
it_mentions "mr-stream map: the reason is on the error line" "$W/stream_map.err" \
    "line 2: map() returned 1: 'it\\x27s \\x5c not\\x09a \"number\": \\xc3\\xa9\\x01'"
printf 'REDUCEFAIL\t\\x01\\0\\0\\0\\0\\0\\0\\0\n' >"$W/pairs.txt"
"$STREAM" reduce "$WHY" <"$W/pairs.txt" >/dev/null 2>"$W/stream_reduce.err"
it_equal "mr-stream reduce: exits 1" 1 $?
it_mentions "mr-stream reduce: the reason is on the error line" "$W/stream_reduce.err" \
    "reduce() returned 1: 'the key \"REDUCEFAIL\" has no reduction' on key 'REDUCEFAIL'"

# --- mr_counter (ABI 4): a plugin's counters reach --stats and Hadoop ---------
# count.so: map() counts records and words, reduce() counts keys, each
# with mr_counter; the oracles are wc and awk.
it_build_plugin count <<'C' || it_done
#include "mr.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* --arg PATH: the first mapper to meet the record "KILL" makes PATH and
 * kills itself (SIGKILL), after counting the chunk's earlier records:
 * that attempt's counts must never reach the job. */
static int c_init(const char *arg, void **state)
{
    *state = (void *)arg;
    return 0;
}

static int c_map(void *state, mr_bytes_t rec, mr_emitter_t *out)
{
    const char *marker = state;
    if (marker && rec.len == 4 && memcmp(rec.ptr, "KILL", 4) == 0) {
        int fd = open(marker, O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (fd >= 0) {
            close(fd);
            raise(SIGKILL);
        }
    }
    const char *p = rec.ptr, *end = p + rec.len;
    int64_t words = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
        if (p > w) {
            uint64_t one = 1;
            if (mr_emit(out, w, (size_t)(p - w), &one, sizeof one) != 0)
                return 1;
            words++;
        }
    }
    mr_counter(out, "count", "records", 1);
    mr_counter(out, "count", "words", words);
    return 0;
}

static int c_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n,
                    mr_emitter_t *out)
{
    (void)state;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        memcpy(&v, values[i].ptr, sizeof v);
        sum += v;
    }
    char text[32];
    int len = snprintf(text, sizeof text, "%llu", (unsigned long long)sum);
    mr_counter(out, "count", "keys", 1);
    return mr_emit(out, key.ptr, key.len, text, (size_t)len);
}

const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION,
    .init = c_init,
    .map = c_map,
    .reduce = c_reduce,
};
C
awk 'BEGIN { srand(5); for (i = 0; i < 20000; i++) { n = int(rand() * 6); l = ""; for (j = 0; j < n; j++) l = l " w" int(rand() * 3000); print l } }' >"$W/count.txt"
want_records=$(wc -l <"$W/count.txt")
want_words=$(awk '{ n += NF } END { print n + 0 }' "$W/count.txt")
want_keys=$(tr -s ' ' '\n' <"$W/count.txt" | grep . | sort -u | wc -l)
counter_of() { # STATS GROUP NAME
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["counters"][sys.argv[2]][sys.argv[3]])' "$@" 2>/dev/null
}
for r in 1 2; do
    "$MR_RUN" -q -m "$W/count.so" -j 2 -R $r --chunk-size 16k --stats "$W/count.$r.json" \
        -o "$W/count.$r.tsv" "$W/count.txt" 2>"$W/count.$r.err"
    it_status_ok "mr_counter, -R $r: exits 0" $? "$W/count.$r.err"
    it_equal "mr_counter, -R $r: map's records counter is wc -l" "$want_records" \
        "$(counter_of "$W/count.$r.json" count records)"
    it_equal "mr_counter, -R $r: map's words counter is awk's NF sum" "$want_words" \
        "$(counter_of "$W/count.$r.json" count words)"
    it_equal "mr_counter, -R $r: reduce's keys counter is sort -u's count" "$want_keys" \
        "$(counter_of "$W/count.$r.json" count keys)"
done
# A mapper killed in the middle of a chunk it has counted part of: the
# retry counts the chunk again, and the job's counters still equal wc's.
{ head -n 10000 "$W/count.txt"; echo KILL; tail -n +10001 "$W/count.txt"; } >"$W/count.kill.txt"
rm -f "$W/count.marker"
"$MR_RUN" -q -m "$W/count.so" --arg "$W/count.marker" -j 2 --chunk-size 16k \
    --stats "$W/count.kill.json" -o "$W/count.kill.tsv" "$W/count.kill.txt" 2>"$W/count.kill.err"
it_status_ok "mr_counter, a mapper SIGKILLed mid-chunk: exits 0" $? "$W/count.kill.err"
it_check "mr_counter, a mapper SIGKILLed mid-chunk: it was killed (the marker is there)" \
    test -e "$W/count.marker"
it_equal "mr_counter, a mapper SIGKILLed mid-chunk: the retried chunk counts once" \
    "$((want_records + 1))" "$(counter_of "$W/count.kill.json" count records)"
"$STREAM" map "$W/count.so" <"$W/count.txt" >/dev/null 2>"$W/count.stream.err"
it_status_ok "mr_counter under mr-stream map: exits 0" $? "$W/count.stream.err"
it_equal "mr_counter under mr-stream: reporter:counter lines on stderr, summing to wc -l" \
    "$want_records" \
    "$(awk -F, '/^reporter:counter:count,records,/ { n += $3 } END { print n + 0 }' "$W/count.stream.err")"

it_no_children "no mr-mapper or mr-reducer left"
it_no_runtime_dir "no runtime directory left in TMPDIR"
it_done
