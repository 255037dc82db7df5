#!/usr/bin/env bash
# it_badinput.sh - every way to start a job wrongly must fail cleanly: a
# non-zero exit, one error on stderr naming the culprit (the file, the flag,
# the plugin symbol), no file at -o (not even the temporary one mr-run writes
# beside it), no mr-mapper or mr-reducer left running, and no runtime
# directory left in TMPDIR.  A failed job must also leave an existing output
# file exactly as it was.
# shellcheck disable=SC2010,SC2012 # ls of directories whose names this script chose
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

WC=$MR_EXAMPLES/wordcount.so
UPPER=$MR_EXAMPLES/upper.so
GREP=$MR_EXAMPLES/grep.so
W=$IT_WORK
OUTDIR=$W/out
mkdir -p "$OUTDIR"
IN=$W/input.txt
for i in $(seq 1 20000); do echo "line $i of some words to count"; done >"$IN"

# Test plugins.
it_build_plugin nosym <<'EOF'
/* A shared object without the mr_plugin symbol. */
int not_a_plugin(int x);
int not_a_plugin(int x) { return x + 1; }
EOF
it_build_plugin abi99 <<'EOF'
/* A descriptor from a future, incompatible ABI. */
#include "mr.h"
static int m(void *s, mr_bytes_t r, mr_emitter_t *o) { (void)s; return mr_emit_value(o, r.ptr, r.len); }
const mr_plugin_t mr_plugin = { .abi_version = 99, .name = "abi99", .map = m };
EOF
it_build_plugin nomap <<'EOF'
/* A reducer-only plugin: no map, so it cannot be a mapper. */
#include "mr.h"
static int c(void *s, mr_bytes_t k, mr_bytes_t a, mr_bytes_t b, mr_emitter_t *o)
{ (void)s; (void)k; (void)b; return mr_emit_value(o, a.ptr, a.len); }
const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION, .name = "nomap", .combine = c };
EOF
it_build_plugin boom <<'EOF'
/* Copies records, and fails on the one that starts with BOOM: the job fails
 * mid-way, after its mappers and reducer have started. */
#include "mr.h"
#include <string.h>
static int m(void *s, mr_bytes_t r, mr_emitter_t *o)
{
    (void)s;
    if (r.len >= 4 && memcmp(r.ptr, "BOOM", 4) == 0)
        return 7;
    return mr_emit_value(o, r.ptr, r.len);
}
const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION, .name = "boom", .map = m };
EOF
printf 'this is not a shared object\n' >"$W/x.so"
# A directory stands for its files (issue 12); one of them that cannot be
# opened (a link to nowhere) fails the job naming it.
mkdir -p "$W/adir"
ln -s "$W/nowhere" "$W/adir/dangling"
{ head -n 15000 "$IN"; echo "BOOM goes this record"; tail -n 5000 "$IN"; } >"$W/boom.txt"

# A command that bad() runs mr-run under (none: mr-run itself).
BAD_AS=()

# bad NAME STATUS DESC [MENTION...] -- ARGS...: runs mr-run ARGS -o
# $OUTDIR/NAME.out and checks that it fails cleanly with STATUS (README: 1
# when the job fails, 2 for a bad command line) and that stderr contains
# every MENTION.
bad() {
    local name=$1 want=$2 desc=$3
    shift 3
    local mentions=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        mentions+=("$1")
        shift
    done
    shift
    local out=$OUTDIR/$name.out
    "${BAD_AS[@]}" "$MR_RUN" "$@" -o "$out" </dev/null >"$W/$name.stdout" 2>"$W/$name.err"
    local rc=$?
    check_failed "$name" "$want" "$desc" "$rc" "$out" "${mentions[@]}"
}

# check_failed NAME STATUS DESC RC OUT [MENTION...]: the checks shared by
# every case.
check_failed() {
    local name=$1 want=$2 desc=$3 rc=$4 out=$5
    shift 5
    if [ "$rc" -eq "$want" ]; then
        it_ok "$desc: exits with status $want"
    else
        it_not_ok "$desc: exits with status $want" "exit status $rc" "$(cat "$W/$name.err")"
    fi
    if [ $# -gt 0 ]; then
        it_mentions "$desc: stderr names $(printf "'%s' " "$@")" "$W/$name.err" "$@"
    fi
    local base
    base=$(basename "$out")
    local left
    left=$(ls -A "$(dirname "$out")" 2>/dev/null | grep -F -- "$base")
    if [ ! -e "$out" ] && [ -z "$left" ]; then
        it_ok "$desc: no output file at -o"
    else
        it_not_ok "$desc: no output file at -o" "found: $left"
    fi
    it_no_children "$desc: no mr-mapper or mr-reducer left"
    it_no_runtime_dir "$desc: no runtime directory left in TMPDIR"
}

bad missing 1 "missing input file" "$W/no-such-input.txt" -- \
    -m "$WC" "$W/no-such-input.txt"

cp "$IN" "$W/unreadable.txt"
chmod 000 "$W/unreadable.txt"
if [ ! -r "$W/unreadable.txt" ]; then
    bad unreadable 1 "unreadable input file (chmod 000)" "$W/unreadable.txt" -- \
        -m "$WC" "$W/unreadable.txt"
elif setpriv --bounding-set -dac_override,-dac_read_search true 2>/dev/null; then
    # Root reads anything: run mr-run as root without the capabilities
    # that override file modes, as an ordinary owner of the file would be.
    BAD_AS=(setpriv --bounding-set -dac_override,-dac_read_search)
    bad unreadable 1 "unreadable input file (chmod 000, root without CAP_DAC_OVERRIDE)" \
        "$W/unreadable.txt" "Permission denied" -- -m "$WC" "$W/unreadable.txt"
    BAD_AS=()
else
    it_skip "unreadable input file (chmod 000)" \
        "running as root (uid $(id -u)), which reads it anyway, and setpriv cannot drop CAP_DAC_OVERRIDE"
fi
chmod 644 "$W/unreadable.txt"

bad dir 1 "a file of an input directory cannot be opened" "$W/adir/dangling" -- \
    -m "$WC" "$IN" "$W/adir"
bad nodir_in 1 "missing input after a good one, via -i" "$W/gone.txt" -- \
    -m "$WC" -i "$IN" -i "$W/gone.txt"
bad noplugin 1 "plugin path missing" "$W/no-such-plugin.so" -- -m "$W/no-such-plugin.so" "$IN"
bad notelf 1 "plugin that is not a shared object" "$W/x.so" -- -m "$W/x.so" "$IN"
bad nosym 1 "a .so without the mr_plugin symbol" "$W/nosym.so" "mr_plugin" -- \
    -m "$W/nosym.so" "$IN"
bad abi99 1 "a .so with abi_version 99" "$W/abi99.so" "abi_version" "99" -- \
    -m "$W/abi99.so" "$IN"
bad nomap 1 "a plugin without map given as -m" "$W/nomap.so" "map" -- -m "$W/nomap.so" "$IN"
bad upper_r 1 "a mapper-only plugin (upper.so) as -r" "upper.so" -- -m "$WC" -r "$UPPER" "$IN"
bad reducer_missing 1 "-r path missing" "$W/no-such-reducer.so" -- \
    -m "$WC" -r "$W/no-such-reducer.so" "$IN"
bad unknown 2 "unknown flag --bogus" "--bogus" -- -m "$WC" --bogus "$IN"
bad unknown_short 2 "unknown flag -Z" "-Z" -- -m "$WC" -Z "$IN"
bad unknown_cluster 2 "unknown flag first in a cluster (-Zq)" "-Z" -- -m "$WC" -Zq "$IN"
bad j0 2 "-j 0" "-j" "'0'" -- -m "$WC" -j 0 "$IN"
bad jx 2 "-j two" "-j" "two" -- -m "$WC" -j two "$IN"
bad cs0 2 "--chunk-size 0" "--chunk-size" "'0'" -- -m "$WC" --chunk-size 0 "$IN"
bad cs10x 2 "--chunk-size 10X" "--chunk-size" "10X" -- -m "$WC" --chunk-size 10X "$IN"
bad both 2 "--ordered with --unordered" "--ordered" "--unordered" -- \
    -m "$UPPER" --ordered --unordered "$IN"
bad sort_ordered 2 "--sort with --ordered" "--sort" -- -m "$UPPER" --ordered --sort "$IN"
bad nom 2 "missing -m" "-m" -- "$IN"
bad grep_noarg 1 "grep.so without --arg (its init refuses, in the mappers)" "--arg" -- \
    -m "$GREP" -j 2 "$IN"
bad boom 1 "a plugin whose map fails on one record, mid-job" "$W/boom.txt" "BOOM" -- \
    -m "$W/boom.so" -j 2 --chunk-size 4k "$W/boom.txt"

# -o into a directory that does not exist: the flag's own value is the
# culprit, so the usual -o is not added.
"$MR_RUN" -m "$WC" -o "$W/no-such-dir/counts.tsv" "$IN" </dev/null >"$W/nodir.stdout" 2>"$W/nodir.err"
check_failed nodir 1 "-o into a nonexistent directory" $? "$W/no-such-dir/counts.tsv" \
    "no-such-dir/counts.tsv"
it_check "-o into a nonexistent directory: the directory is not created" test ! -e "$W/no-such-dir"

# mr-run beside a missing or unusable mr-mapper or mr-reducer.  A missing
# one is found before any process starts; one that passes that check but
# cannot be exec'd (text without #!, mode 755: ENOEXEC) fails in the child,
# whose exec pipe mr-run reads only after starting every child (issue 14):
# the message still names the program and the exec's error, the reducer's
# first.
mkdir -p "$W/bin_nomapper" "$W/bin_noreducer" "$W/bin_badmapper" "$W/bin_badboth"
cp -p "$MR_BIN/mr-run" "$MR_BIN/mr-reducer" "$W/bin_nomapper/"
cp -p "$MR_BIN/mr-run" "$MR_BIN/mr-mapper" "$W/bin_noreducer/"
cp -p "$MR_BIN/mr-run" "$MR_BIN/mr-reducer" "$W/bin_badmapper/"
cp -p "$MR_BIN/mr-run" "$W/bin_badboth/"
for f in bin_badmapper/mr-mapper bin_badboth/mr-mapper bin_badboth/mr-reducer; do
    printf 'not a program\n' >"$W/$f"
    chmod 755 "$W/$f"
done
nobin() {
    local name=$1 desc=$2 mention=$3
    "$W/bin_$name/mr-run" -m "$WC" -j 2 -o "$OUTDIR/$name.out" "$IN" </dev/null \
        >"$W/$name.stdout" 2>"$W/$name.err"
    check_failed "$name" 1 "$desc" $? "$OUTDIR/$name.out" "$mention"
    it_equal "$desc: one line on stderr" 1 "$(wc -l <"$W/$name.err")"
}
nobin nomapper "no mr-mapper beside mr-run" "$W/bin_nomapper/mr-mapper: No such file or directory"
nobin noreducer "no mr-reducer beside mr-run" \
    "$W/bin_noreducer/mr-reducer: No such file or directory"
nobin badmapper "an mr-mapper that exec refuses" \
    "cannot run $W/bin_badmapper/mr-mapper: Exec format error"
nobin badboth "an mr-mapper and an mr-reducer that exec refuses" \
    "cannot run $W/bin_badboth/mr-reducer: Exec format error"

# A good output file survives any later failed job that names it, byte for
# byte, and gets no temporary sibling.
GOOD=$W/keep/good.tsv
mkdir -p "$W/keep"
"$MR_RUN" -q -m "$WC" -j 2 --sort -o "$GOOD" "$IN" 2>"$W/good.err"
it_status_ok "a good job writes the output file that later failures must keep" $? "$W/good.err"
it_check "the good output file is not empty" test -s "$GOOD"
sum_before=$(cksum <"$GOOD")
keep() {
    local desc=$1
    shift
    "$MR_RUN" -q "$@" -o "$GOOD" </dev/null >/dev/null 2>"$W/keep.err"
    local rc=$?
    if [ "$rc" -eq 0 ]; then
        it_not_ok "$desc: fails" "exit status 0"
    else
        it_ok "$desc: fails ($rc)"
    fi
    it_equal "$desc: the existing output file is untouched (same checksum)" \
        "$sum_before" "$(cksum <"$GOOD" 2>&1)"
    it_equal "$desc: nothing else is left beside it" "good.tsv" "$(ls -A "$W/keep" | tr '\n' ' ' | sed 's/ $//')"
}
keep "missing input" -m "$WC" "$W/no-such-input.txt"
keep "bad flag" -m "$WC" -j 0 "$IN"
keep "mapper init refuses" -m "$GREP" -j 2 "$IN"
keep "map fails mid-job" -m "$W/boom.so" -j 2 --chunk-size 4k "$W/boom.txt"
it_no_children "after the failed jobs, no mr-mapper or mr-reducer left"
it_no_runtime_dir "after the failed jobs, no runtime directory left in TMPDIR"
it_done
