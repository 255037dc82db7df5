#!/usr/bin/env bash
# it_spill.sh - key-grouped jobs bigger than their memory budget: with
# --memory small enough to force many sorted runs on disk, and with 1 to 4
# partitioned reducers (-R), every output must equal what coreutils and awk
# compute, byte for byte: word count with and without --sort, a reduce that
# keeps every value of a key (no combine), and a streaming --reduce-cmd,
# which only gives one line per key when its input really is grouped.  Then
# the failures: a full --tmpdir, an unwritable one, and SIGINT during the
# final merge each fail the job, leave no output, no spill file and no
# process behind.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

WC=$MR_EXAMPLES/wordcount.so
W=$IT_WORK
CORPUS=$W/corpus.txt

# Many distinct keys, so that a budget of a few MB holds a fraction of
# them: 600,000 words of which about 150,000 are distinct (seeded), with
# the common ones repeated (a key spilled in several runs must be summed
# across them).
awk 'BEGIN { srand(11); for (i = 0; i < 600000; i++) {
        k = (rand() < 0.3) ? int(rand() * 50) : int(rand() * 200000)
        printf "w%x%s", k * 2654435761 % 4294967296, (i % 7 == 6) ? "\n" : " " } print "" }' \
    >"$CORPUS"
tr -cs A-Za-z0-9 '\n' <"$CORPUS" | grep -v '^$' | sort | uniq -c | awk '{print $2 "\t" $1}' \
    >"$W/expected.tsv"
it_check "corpus has over 100,000 distinct words (awk, seeded)" \
    test "$(wc -l <"$W/expected.tsv")" -gt 100000

# A word count whose word is a run of letters and digits (wordcount.so's
# is letters only; the keys here are w<hex>).
it_build_plugin alnumwc <<'EOF' || true
#include <mr.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>
static int map(void *s, mr_bytes_t r, mr_emitter_t *out)
{
    (void)s;
    const unsigned char *p = r.ptr, *end = p + r.len;
    uint64_t one = 1;
    while (p < end) {
        while (p < end && !isalnum(*p)) p++;
        const unsigned char *w = p;
        while (p < end && isalnum(*p)) p++;
        if (p > w && mr_emit(out, w, (size_t)(p - w), &one, sizeof one)) return 1;
    }
    return 0;
}
static int combine(void *s, mr_bytes_t k, const mr_bytes_t *v, size_t n, mr_emitter_t *out)
{
    (void)s;
    uint64_t sum = 0, x;
    for (size_t i = 0; i < n; i++) { memcpy(&x, v[i].ptr, 8); sum += x; }
    return mr_emit(out, k.ptr, k.len, &sum, sizeof sum);
}
static int reduce(void *s, mr_bytes_t k, const mr_bytes_t *v, size_t n, mr_emitter_t *out)
{
    (void)s;
    uint64_t sum = 0, x;
    for (size_t i = 0; i < n; i++) { memcpy(&x, v[i].ptr, 8); sum += x; }
    char text[24];
    int len = 0;
    char rev[24];
    do { rev[len++] = (char)('0' + sum % 10); sum /= 10; } while (sum);
    for (int i = 0; i < len; i++) text[i] = rev[len - 1 - i];
    return mr_emit(out, k.ptr, k.len, text, (size_t)len);
}
const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION, .name = "alnumwc",
    .map = map, .combine = combine, .reduce = reduce, .combine_kind = MR_COMBINE_SUM_U64 };
EOF

# A reduce without combine: every value of a key reaches reduce, which
# prints the key's count, the sum and the largest of its values (each value
# is the line's length), an answer that does not depend on the order the
# values come in.  With --arg GATE, the first reduce() call creates
# GATE.reducing and waits (up to 60 s) for GATE.go: the test's handle on
# "the final merge is running".
it_build_plugin postings <<'EOF' || true
#include <mr.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static int init(const char *arg, void **state) { *state = (void *)arg; return 0; }
static int map(void *s, mr_bytes_t r, mr_emitter_t *out)
{
    (void)s;
    const unsigned char *p = r.ptr, *end = p + r.len;
    char len[24];
    int n = snprintf(len, sizeof len, "%zu", r.len);
    while (p < end) {
        while (p < end && !isalnum(*p)) p++;
        const unsigned char *w = p;
        while (p < end && isalnum(*p)) p++;
        if (p > w && mr_emit(out, w, (size_t)(p - w), len, (size_t)n)) return 1;
    }
    return 0;
}
static void gate(const char *path)
{
    static int done;
    if (done++ || !path) return;
    char name[4096];
    snprintf(name, sizeof name, "%s.reducing", path);
    FILE *f = fopen(name, "w");
    if (f) fclose(f);
    snprintf(name, sizeof name, "%s.go", path);
    for (int i = 0; i < 600 && access(name, F_OK) != 0; i++) {
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
    }
}
static int reduce(void *s, mr_bytes_t k, const mr_bytes_t *v, size_t n, mr_emitter_t *out)
{
    gate(s);
    unsigned long long sum = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        char buf[24];
        size_t len = v[i].len < 23 ? v[i].len : 23;
        memcpy(buf, v[i].ptr, len);
        buf[len] = 0;
        unsigned long long x = strtoull(buf, NULL, 10);
        sum += x;
        if (x > max) max = x;
    }
    char text[80];
    int len = snprintf(text, sizeof text, "%zu\t%llu\t%llu", n, sum, max);
    return mr_emit(out, k.ptr, k.len, text, (size_t)len);
}
const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION, .name = "postings",
    .init = init, .map = map, .reduce = reduce };
EOF
AWC=$W/alnumwc.so
POST=$W/postings.so

# The postings oracle: for each word, the number of its occurrences, the
# sum and the maximum of the lengths of the lines they are on.
awk '{ for (i = 1; i <= NF; i++) { c[$i]++; s[$i] += length($0); if (length($0) > m[$i]) m[$i] = length($0) } }
     END { for (k in c) print k "\t" c[k] "\t" s[k] "\t" m[k] }' "$CORPUS" | sort >"$W/postings.expected"

# spilled NAME: true when mr-run's --stats file NAME.stats shows more than
# one run written to disk in all.
spilled() {
    python3 -c 'import json, sys; sys.exit(0 if sum(r["runs"] for r in json.load(open(sys.argv[1]))["reducers"]) > 1 else 1)' \
        "$W/$1.stats" 2>/dev/null
}

# Word count, sorted: -R 1..4, each with a budget that forces runs.
for r in 1 2 3 4; do
    "$MR_RUN" -q -m "$AWC" -j 2 -R "$r" --memory 4M --sort --stats "$W/wc$r.stats" \
        -o "$W/wc$r.tsv" "$CORPUS" 2>"$W/wc$r.err"
    it_status_ok "word count -R $r --memory 4M --sort exits 0" $? "$W/wc$r.err"
    it_same "word count -R $r --memory 4M --sort equals sort | uniq -c" "$W/expected.tsv" "$W/wc$r.tsv"
    it_check "word count -R $r --memory 4M spilled more than one run (--stats)" spilled "wc$r"
done

# Unsorted: any order, the same counts.
"$MR_RUN" -q -m "$AWC" -j 2 -R 3 --memory 4M -o "$W/unsorted.tsv" "$CORPUS" 2>"$W/unsorted.err"
it_status_ok "word count -R 3 --memory 4M without --sort exits 0" $? "$W/unsorted.err"
sort "$W/unsorted.tsv" >"$W/unsorted.sorted"
it_same "without --sort, the sorted output equals sort | uniq -c" "$W/expected.tsv" "$W/unsorted.sorted"

# The in-memory run, for the byte-identical comparison the issue asks for.
"$MR_RUN" -q -m "$AWC" -j 2 --sort -o "$W/inmem.tsv" "$CORPUS" 2>"$W/inmem.err"
it_status_ok "word count in memory exits 0" $? "$W/inmem.err"
it_same "spilled -R 2 output is byte-identical to the in-memory run" "$W/inmem.tsv" "$W/wc2.tsv"

# No combine: every value of a key gathered across runs.
for r in 1 3; do
    "$MR_RUN" -q -m "$POST" -j 2 -R "$r" --memory 4M --sort --stats "$W/post$r.stats" \
        -o "$W/post$r.tsv" "$CORPUS" 2>"$W/post$r.err"
    it_status_ok "reduce without combine -R $r --memory 4M exits 0" $? "$W/post$r.err"
    it_same "reduce without combine -R $r --memory 4M equals awk's postings" \
        "$W/postings.expected" "$W/post$r.tsv"
    it_check "reduce without combine -R $r spilled more than one run" spilled "post$r"
done

# --reduce-cmd: a streaming reducer that sums consecutive equal keys.  Fed
# ungrouped input it would print a key twice; the output must be exact.
SUM="awk -F'\\t' '\$1 != k { if (NR > 1) print k \"\\t\" n; k = \$1; n = 0 } { n += \$2 } END { if (NR) print k \"\\t\" n }'"
MAP="tr -cs A-Za-z0-9 '\\n' | awk 'NF { print \$1 \"\\t1\" }'"
for r in 1 2; do
    "$MR_RUN" -q --map-cmd "$MAP" --reduce-cmd "$SUM" -j 2 -R "$r" --memory 4M \
        --stats "$W/cmd$r.stats" -o "$W/cmd$r.tsv" "$CORPUS" 2>"$W/cmd$r.err"
    it_status_ok "--reduce-cmd -R $r --memory 4M exits 0" $? "$W/cmd$r.err"
    sort "$W/cmd$r.tsv" >"$W/cmd$r.sorted"
    it_same "--reduce-cmd -R $r --memory 4M: one line per key, exact counts" \
        "$W/expected.tsv" "$W/cmd$r.sorted"
    it_check "--reduce-cmd -R $r spilled more than one run" spilled "cmd$r"
done
it_no_runtime_dir "no scratch or runtime directory left after the successful jobs"

# nothing_left WHAT OUT: the job left no output file, no directory in
# $TMPDIR or in the --tmpdir, and no process.
nothing_left() {
    it_check "$1: no output file" test ! -e "$2"
    it_no_runtime_dir "$1: no scratch or runtime directory left in \$TMPDIR"
    it_no_children "$1: no mr-mapper or mr-reducer left"
}

# An unwritable --tmpdir: a missing directory, and a regular file.
for bad in "$W/no/such/dir" "$CORPUS"; do
    "$MR_RUN" -q -m "$AWC" -j 2 --memory 4M --tmpdir "$bad" -o "$W/bad.tsv" "$CORPUS" \
        2>"$W/badtmp.err"
    rc=$?
    it_check "--tmpdir $(basename "$bad"): the job fails (status $rc)" test "$rc" -ne 0
    it_mentions "--tmpdir $(basename "$bad"): the error names the directory" "$W/badtmp.err" "$bad"
    nothing_left "--tmpdir $(basename "$bad")" "$W/bad.tsv"
done

# A full and a read-only --tmpdir need a small file system of their own:
# a tmpfs in a private mount namespace (root, or unshare -r).
if unshare -m true 2>/dev/null && [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$W/small" "$W/ro"
    unshare -m bash -c '
        mount -t tmpfs -o size=512k tmpfs "$1/small" || exit 99
        mount -t tmpfs -o ro tmpfs "$1/ro" || exit 99
        "$2" -q -m "$3" -j 2 --memory 4M --tmpdir "$1/small" -o "$1/full.tsv" "$4" 2>"$1/full.err"
        echo $? >"$1/full.rc"
        ls -A "$1/small" >"$1/full.left"
        "$2" -q -m "$3" -j 2 --memory 4M --tmpdir "$1/ro" -o "$1/ro.tsv" "$4" 2>"$1/ro.err"
        echo $? >"$1/ro.rc"
    ' _ "$W" "$MR_RUN" "$AWC" "$CORPUS"
    if [ "$?" -eq 99 ]; then
        it_skip "a full --tmpdir fails the job" "cannot mount a tmpfs here"
    else
        rc=$(cat "$W/full.rc")
        it_check "a full --tmpdir (512 KB tmpfs): the job fails (status $rc)" test "$rc" -ne 0
        it_mentions "a full --tmpdir: the error says the disk is full, naming the path" "$W/full.err" \
            "$W/small/" "No space left on device"
        it_equal "a full --tmpdir: every spill file was removed" "" "$(cat "$W/full.left")"
        nothing_left "a full --tmpdir" "$W/full.tsv"
        rc=$(cat "$W/ro.rc")
        it_check "a read-only --tmpdir: the job fails (status $rc)" test "$rc" -ne 0
        it_mentions "a read-only --tmpdir: the error names it" "$W/ro.err" "$W/ro"
        nothing_left "a read-only --tmpdir" "$W/ro.tsv"
    fi
else
    it_skip "a full and a read-only --tmpdir fail the job" "needs root to mount a small tmpfs"
fi

# SIGINT during the final merge: the first reduce() call (made by the
# merge, after the runs are on disk) signals, then waits; mr-run gets
# SIGINT then, and must stop everything and remove every run.
mkdir -p "$W/scratch"
"$MR_RUN" -q -m "$POST" --arg "$W/gate" -j 2 -R 2 --memory 4M --tmpdir "$W/scratch" \
    -o "$W/int.tsv" "$CORPUS" 2>"$W/int.err" &
PID=$!
IT_BG_PIDS+=("$PID")
if it_wait_for 60 test -e "$W/gate.reducing"; then
    it_ok "the final merge started (reduce() called after the runs were written)"
    runs_before=$(find "$W/scratch" -type f | wc -l)
    it_check "spill runs are on disk in --tmpdir during the merge ($runs_before files)" \
        test "$runs_before" -gt 1
    kill -INT "$PID"
    wait "$PID"
    rc=$?
    it_equal "SIGINT during the final merge: mr-run exits 130" 130 "$rc"
    it_equal "SIGINT during the final merge: --tmpdir is empty again" "" "$(ls -A "$W/scratch")"
    nothing_left "SIGINT during the final merge" "$W/int.tsv"
else
    it_not_ok "the final merge started (reduce() called after the runs were written)" \
        "$(cat "$W/int.err")"
    kill -KILL "$PID" 2>/dev/null
    wait "$PID"
fi
touch "$W/gate.go"

it_done
