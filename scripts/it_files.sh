#!/usr/bin/env bash
# it_files.sh - mr never forges, steals or loses a file (issue 10, findings
# 7 to 10 and part of 13):
#   - every file mr writes (-o, --stats, --timeline, --bad-records) goes
#     through one atomic writer: a unique temporary file beside it, renamed
#     on success; an unrelated NAME.tmp, or a link planted there, is left
#     alone; a symbolic link is written through and stays a link;
#     descriptors (-, /dev/stdout and links to them) are written in place;
#     a 250-byte -o name works;
#   - a side file that fails fails the job before -o is renamed, so exit 1
#     never leaves a new -o;
#   - a file flag naming an input or another output (same name, or the same
#     file by another name) is refused before anything starts (exit 2,
#     naming both flags), and the input is left as it was;
#   - an input that shrinks or changes while the job runs fails it with
#     "input FILE changed while it was read" (exit 1), leaving no temporary
#     output, no runtime directory and no process; so does out-of-memory in
#     mr-run (no temporary output, no runtime directory);
#   - -0 output records end in NUL.
# Oracles are coreutils (cmp, printf, sort, tr), never mr itself.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

UPPER=$MR_EXAMPLES/upper.so
WC=$MR_EXAMPLES/wordcount.so
W=$IT_WORK
seq 1 3000 | sed 's/^/line /' >"$W/in.txt"
tr a-z A-Z <"$W/in.txt" >"$W/in.upper"

# The files beside PATH that look like mr's temporary ones.
temps_beside() {
    local dir base
    dir=$(dirname "$1")
    base=$(basename "$1")
    find "$dir" -maxdepth 1 -name ".${base:0:20}*.mr-*" 2>/dev/null
}

# it_no_temps DESCRIPTION PATH: nothing like mr's temporary file beside PATH.
it_no_temps() {
    local left
    left=$(temps_beside "$2")
    if [ -z "$left" ]; then
        it_ok "$1"
    else
        it_not_ok "$1" "left behind: $left"
        rm -f $left
    fi
}

# upper_job ARGS...: an --ordered upper-casing job of in.txt, quiet.
upper_job() {
    "$MR_RUN" -q -m "$UPPER" --ordered -j 2 --chunk-size 4k "$@"
}

# --- finding 8: the writers ---------------------------------------------------

# An unrelated NAME.tmp, and a link planted at NAME.tmp, are left alone.
echo "my own notes" >"$W/stats.json.tmp"
echo "precious" >"$W/victim"
ln -s "$W/victim" "$W/pic.svg.tmp"
upper_job --stats "$W/stats.json" --timeline "$W/pic.svg" -o "$W/a.out" "$W/in.txt" 2>"$W/a.err"
it_status_ok "--stats and --timeline beside a NAME.tmp: exit 0" $? "$W/a.err"
it_equal "an unrelated --stats NAME.tmp is left as it was" "my own notes" "$(cat "$W/stats.json.tmp")"
it_equal "a link planted at the --timeline NAME.tmp is not written through" "precious" \
    "$(cat "$W/victim")"
it_check "the link planted at NAME.tmp is still a link" test -L "$W/pic.svg.tmp"
it_check "--stats was written" grep -q '"input_bytes"' "$W/stats.json"
it_check "--timeline was written" grep -q '<svg' "$W/pic.svg"
it_same "and -o holds the output" "$W/in.upper" "$W/a.out"
it_no_temps "no temporary file is left beside -o" "$W/a.out"
it_no_temps "no temporary file is left beside --stats" "$W/stats.json"

# A symbolic link at -o (and at --stats) is written through: the link stays.
mkdir -p "$W/real"
echo old >"$W/real/out.txt"
echo old >"$W/real/stats.json"
ln -s real/out.txt "$W/link.out"
ln -s "$W/real/stats.json" "$W/link.json"
upper_job -o "$W/link.out" --stats "$W/link.json" "$W/in.txt" 2>"$W/link.err"
it_status_ok "-o and --stats through symbolic links: exit 0" $? "$W/link.err"
it_check "-o that is a symbolic link stays a link" test -L "$W/link.out"
it_check "--stats that is a symbolic link stays a link" test -L "$W/link.json"
it_same "the link's target got the output" "$W/in.upper" "$W/real/out.txt"
it_check "the --stats link's target got the JSON" grep -q '"output_records": 3000' \
    "$W/real/stats.json"

# --stats - and --stats through a link to /dev/stdout (as /dev/stdout is
# itself a link to /proc/self/fd/1): the JSON goes to stdout, the link stays,
# and no file named '-' appears.
(cd "$W" && upper_job --stats - -o "$W/dash.out" "$W/in.txt" >"$W/dash.stdout" 2>"$W/dash.err")
it_status_ok "--stats -: exit 0" $? "$W/dash.err"
it_check "--stats - writes the JSON to stdout" grep -q '"output_records": 3000' "$W/dash.stdout"
it_check "--stats - writes no file named '-'" test ! -e "$W/-"
ln -s /proc/self/fd/1 "$W/so"
upper_job --stats "$W/so" -o "$W/so.out" "$W/in.txt" >"$W/so.stdout" 2>"$W/so.err"
it_status_ok "--stats through a link to /proc/self/fd/1: exit 0" $? "$W/so.err"
it_check "the link to stdout is still a link" test -L "$W/so"
it_check "and the JSON went to stdout" grep -q '"output_records": 3000' "$W/so.stdout"
if [ "$(id -u)" -ne 0 ]; then
    upper_job --stats /dev/stdout -o "$W/devout.out" "$W/in.txt" >"$W/devout.stdout" \
        2>"$W/devout.err"
    it_status_ok "--stats /dev/stdout: exit 0" $? "$W/devout.err"
    it_check "--stats /dev/stdout: the JSON went to stdout" grep -q '"output_records": 3000' \
        "$W/devout.stdout"
else
    it_skip "--stats /dev/stdout writes to stdout" \
        "as root a regression would replace the machine's /dev/stdout; the link to /proc/self/fd/1 above takes the same path"
fi

# -o - is stdout too.
rm -f "$W/-"
(cd "$W" && upper_job -o - "$W/in.txt" >"$W/odash.stdout" 2>"$W/odash.err")
it_status_ok "-o -: exit 0" $? "$W/odash.err"
it_same "-o - writes the output to stdout" "$W/in.upper" "$W/odash.stdout"
it_check "-o - writes no file named '-'" test ! -e "$W/-"

# A failing --stats (or --timeline) fails the job, and -o is not replaced.
echo "old output" >"$W/keep.out"
upper_job --stats "$W/no/such/dir/s.json" -o "$W/keep.out" "$W/in.txt" 2>"$W/fs.err"
it_equal "a --stats that cannot be written: exit 1" 1 $?
it_mentions "the error names --stats' file" "$W/fs.err" "$W/no/such/dir/s.json"
it_equal "and -o keeps its old contents" "old output" "$(head -c 40 "$W/keep.out")"
it_no_temps "and no temporary file is left beside -o" "$W/keep.out"
mkdir -p "$W/adir"
upper_job --timeline "$W/adir" -o "$W/keep.out" "$W/in.txt" 2>"$W/ft.err"
it_equal "a --timeline that is a directory: exit 1" 1 $?
it_equal "and -o keeps its old contents" "old output" "$(head -c 40 "$W/keep.out")"
upper_job --stats "$W/adir" -o "$W/new.out" "$W/in.txt" 2>"$W/fs2.err"
it_equal "a --stats that is a directory: exit 1" 1 $?
it_check "and no -o appears" test ! -e "$W/new.out"
it_no_runtime_dir "failed side files leave no runtime directory"

# --- finding 7: a file flag that names an input or another output ---------------

cp "$W/in.txt" "$W/in.copy"
# refused DESCRIPTION FLAG_TEXT OTHER_TEXT ARGS...: exit 2 with an error naming
# both flags, the input as it was, nothing started and nothing left.
refused() {
    local desc=$1 one=$2 two=$3
    shift 3
    cat "$W/in.copy" >"$W/in.txt" # the same inode, whatever an earlier check did
    upper_job "$@" 2>"$W/refused.err"
    it_equal "$desc: exit 2" 2 $?
    it_mentions "$desc: the error names both flags" "$W/refused.err" "$one" "$two" "same file"
    it_same "$desc: the input is as it was" "$W/in.copy" "$W/in.txt"
}
refused "--bad-records naming the input" "--bad-records $W/in.txt" "-i $W/in.txt" \
    --skip-bad --bad-records "$W/in.txt" "$W/in.txt"
refused "--stats naming the input" "--stats $W/in.txt" "-i $W/in.txt" \
    --stats "$W/in.txt" "$W/in.txt"
refused "-o naming the input" "-o $W/in.txt" "-i $W/in.txt" -o "$W/in.txt" "$W/in.txt"
ln -s in.txt "$W/in.link"
ln "$W/in.txt" "$W/in.hard"
refused "--timeline naming the input through a symbolic link" "--timeline $W/in.link" \
    "-i $W/in.txt" --timeline "$W/in.link" "$W/in.txt"
refused "--stats naming the input through a hard link" "--stats $W/in.hard" "-i $W/in.txt" \
    --stats "$W/in.hard" "$W/in.txt"
refused "-o naming stdin's file" "-o $W/in.txt" "- (stdin)" -o "$W/in.txt" <"$W/in.txt"
echo "old output" >"$W/both.out"
refused "--stats naming the -o file" "-o $W/both.out" "--stats $W/./both.out" \
    -o "$W/both.out" --stats "$W/./both.out" "$W/in.txt"
it_equal "--stats naming the -o file: -o is as it was" "old output" "$(head -c 40 "$W/both.out")"
refused "--timeline and --stats naming one new file" "--stats $W/one.new" \
    "--timeline $W/one.new" --stats "$W/one.new" --timeline "$W/one.new" "$W/in.txt"
it_check "and that file was not made" test ! -e "$W/one.new"
it_no_temps "a refused job leaves no temporary file" "$W/both.out"
it_no_runtime_dir "a refused job leaves no runtime directory"
# A device of our own where we may make one: an engine that renamed over a
# device would replace it, and as root that must not be the machine's
# /dev/null (a regression of the old writers did exactly that).
NULLDEV=/dev/null
if [ "$(id -u)" -eq 0 ] && mknod -m 666 "$W/null" c 1 3 2>/dev/null; then
    NULLDEV=$W/null
fi
upper_job --stats "$NULLDEV" --timeline "$NULLDEV" -o "$W/null.out" "$W/in.txt" 2>"$W/null.err"
it_status_ok "--stats and --timeline may share a device" $? "$W/null.err"
it_check "and the device is still a device" test -c "$NULLDEV"

# --- finding 10: out of memory and other fatal signals in mr-run --------------

# A 1 GiB chunk size makes mr-run reserve 1 GiB for the first record of a
# stream: past the address-space limit (ASan: past its largest allocation),
# the allocation fails and mr-run aborts.
echo "old output" >"$W/oom.out"
# (The subshell keeps bash's "Aborted" note out of the log.)
(
    if it_sanitized; then
        export ASAN_OPTIONS="$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=256"
    else
        ulimit -v 600000
    fi
    echo "one record" | "$MR_RUN" -q -m "$UPPER" --ordered -j 1 --chunk-size 1G \
        -o "$W/oom.out" 2>"$W/oom.err"
) 2>/dev/null
status=$?
it_equal "out of memory in mr-run: it aborts (exit 134)" 134 $status
it_mentions "and says it ran out of memory" "$W/oom.err" "out of memory"
it_no_temps "out of memory leaves no temporary output" "$W/oom.out"
it_equal "and the old -o as it was" "old output" "$(head -c 40 "$W/oom.out")"
it_no_runtime_dir "out of memory leaves no runtime directory"
it_check "out of memory leaves no mapper or reducer" it_wait_for 30 test -z "$(it_stray_children)"

# A plugin that waits in map(): it makes DIR/started on its first record and
# goes on once DIR/go exists, so a check can act while a job is surely
# running (and surely not finished).
it_build_plugin gate <<'EOF' || it_done
#include "mr.h"
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
static int g_init(const char *arg, void **state)
{
    *state = (void *)arg;
    return 0;
}
static int g_map(void *state, mr_bytes_t r, mr_emitter_t *o)
{
    static int waited;
    if (!waited) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/started", (const char *)state);
        close(open(path, O_WRONLY | O_CREAT, 0600));
        snprintf(path, sizeof path, "%s/go", (const char *)state);
        struct timespec tick = { 0, 10 * 1000 * 1000 };
        for (int i = 0; i < 6000 && access(path, F_OK) < 0; i++)
            nanosleep(&tick, NULL);
        waited = 1;
    }
    return mr_emit_value(o, r.ptr, r.len);
}
const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION, .name = "gate", .init = g_init, .map = g_map,
};
EOF

# gate_start NAME ARGS...: starts a gated job in the background (its
# directory $W/NAME.gate), waits until map() is running; GATE_PID is mr-run.
gate_start() {
    local name=$1
    shift
    rm -rf "$W/$name.gate"
    mkdir -p "$W/$name.gate"
    # <&0: a background command's stdin would be /dev/null otherwise.
    "$MR_RUN" -q -m "$W/gate.so" --arg "$W/$name.gate" --ordered "$@" 2>"$W/$name.err" <&0 &
    GATE_PID=$!
    IT_BG_PIDS+=("$GATE_PID")
    it_wait_for 30 test -e "$W/$name.gate/started"
}

# A fatal signal from outside (SIGABRT, as an assert would raise; a
# background job of a script ignores SIGQUIT and SIGINT) while the job
# runs: mr-run still removes its temporary output and runtime directory.
echo "old output" >"$W/abrt.out"
gate_start abrt -j 2 --chunk-size 4k -o "$W/abrt.out" "$W/in.txt"
it_check "a gated job has started" test -e "$W/abrt.gate/started"
it_check "and its temporary output exists" test -n "$(temps_beside "$W/abrt.out")"
kill -ABRT "$GATE_PID"
{ wait "$GATE_PID"; } 2>/dev/null
it_equal "SIGABRT to mr-run: it dies of it (exit 134)" 134 $?
it_no_temps "SIGABRT leaves no temporary output" "$W/abrt.out"
it_equal "and the old -o as it was" "old output" "$(head -c 40 "$W/abrt.out")"
it_no_runtime_dir "SIGABRT leaves no runtime directory"
it_check "SIGABRT leaves no mapper or reducer" it_wait_for 30 test -z "$(it_stray_children)"

# --- finding 9: an input that changes while the job reads it ------------------

# changed_job NAME HOW: a gated job over a copy of in.txt ($W/NAME.txt),
# -j 1 and 4 KiB chunks (the master has cut only what the mapper holds);
# once map() runs, the input is changed as HOW says, the gate opens, and the
# job must fail naming the input, leaving nothing behind.
changed_job() {
    local name=$1 how=$2 input=$W/$1.txt
    cp "$W/in.txt" "$input"
    echo "old output" >"$W/$name.out"
    gate_start "$name" -j 1 --chunk-size 4k --stats "$W/$name.json" -o "$W/$name.out" "$input"
    it_check "$name: the job has started" test -e "$W/$name.gate/started"
    case $how in
    truncate) truncate -s 0 "$input" ;;   # logrotate's copytruncate
    shrink) truncate -s 6000 "$input" ;;  # cut within the chunks the mapper holds
    rewrite) printf 'LINE' | dd of="$input" bs=1 seek=20000 conv=notrunc status=none ;;
    esac
    touch "$W/$name.gate/go"
    { wait "$GATE_PID"; } 2>/dev/null
    it_equal "$name: the job fails (exit 1)" 1 $?
    it_mentions "$name: the error says the input changed" "$W/$name.err" \
        "input $input changed while it was read"
    it_equal "$name: no mapper died of it" 0 \
        "$(sed -n 's/.*"mappers_lost": \([0-9]*\).*/\1/p' "$W/$name.json")"
    it_equal "$name: -o keeps its old contents" "old output" "$(head -c 40 "$W/$name.out")"
    it_no_temps "$name: no temporary output is left" "$W/$name.out"
    it_no_runtime_dir "$name: no runtime directory is left"
    it_check "$name: no mapper or reducer is left" it_wait_for 30 test -z "$(it_stray_children)"
}
changed_job truncated truncate
changed_job shrunk shrink
changed_job rewritten rewrite

# A file renamed over the second input while the job maps the first
# (logrotate's create mode, an editor's save): the master keeps cutting the
# file it opened, and a mapper that opens the path must see it is another
# file, of the same size, rather than map it at the master's offsets.
cp "$W/in.txt" "$W/ren1.txt"
cp "$W/in.txt" "$W/ren2.txt"
echo "old output" >"$W/renamed.out"
gate_start renamed -j 1 --chunk-size 4k -o "$W/renamed.out" "$W/ren1.txt" "$W/ren2.txt"
it_check "renamed: the job has started on the first input" test -e "$W/renamed.gate/started"
tr a-z A-Z <"$W/in.txt" >"$W/ren2.new" && mv "$W/ren2.new" "$W/ren2.txt"
touch "$W/renamed.gate/go"
{ wait "$GATE_PID"; } 2>/dev/null
it_equal "renamed: the job fails (exit 1)" 1 $?
it_mentions "renamed: the error names the replaced input" "$W/renamed.err" \
    "input $W/ren2.txt changed while it was read"
it_equal "renamed: -o keeps its old contents" "old output" "$(head -c 40 "$W/renamed.out")"
it_no_temps "renamed: no temporary output is left" "$W/renamed.out"
it_no_runtime_dir "renamed: no runtime directory is left"

# stdin redirected from a file is mapped by the master, which then sends
# the chunks' bytes itself (a mapper cannot open it by name).
cp "$W/in.txt" "$W/stdin.txt"
gate_start stdin -j 1 --chunk-size 4k -o "$W/stdin.out" <"$W/stdin.txt"
it_check "stdin's file: the job has started" test -e "$W/stdin.gate/started"
truncate -s 0 "$W/stdin.txt"
touch "$W/stdin.gate/go"
{ wait "$GATE_PID"; } 2>/dev/null
it_equal "stdin's file truncated: the job fails (exit 1)" 1 $?
it_mentions "stdin's file truncated: the error says stdin changed" "$W/stdin.err" \
    "input stdin changed while it was read"
it_no_temps "stdin's file truncated: no temporary output is left" "$W/stdin.out"
it_no_runtime_dir "stdin's file truncated: no runtime directory is left"

# A file that did not change: the gated job succeeds (the checks above fail
# for the change, not for the gate).
cp "$W/in.txt" "$W/same.txt"
gate_start same -j 1 --chunk-size 4k -o "$W/same.out" "$W/same.txt"
touch "$W/same.gate/go"
wait "$GATE_PID"
it_status_ok "an unchanged input under the same gate: exit 0" $? "$W/same.err"
it_same "and the output is the input" "$W/in.txt" "$W/same.out"

# --- finding 13: -0 output records end in NUL ---------------------------------
printf 'a\0b c\0d' >"$W/nul.in"
printf 'A\0B C\0D\0' >"$W/nul.want"
"$MR_RUN" -q -m "$UPPER" --ordered -0 -j 2 -o "$W/nul.out" "$W/nul.in" 2>"$W/nul.err"
it_status_ok "-0 --ordered: exit 0" $? "$W/nul.err"
it_same "-0 --ordered: every output record ends in NUL" "$W/nul.want" "$W/nul.out"
"$MR_RUN" -q -m "$UPPER" --unordered -0 -j 2 --chunk-size 2 -o "$W/nulu.out" "$W/nul.in" \
    2>"$W/nulu.err"
it_status_ok "-0 --unordered: exit 0" $? "$W/nulu.err"
it_equal "-0 --unordered: the same records, each ending in NUL" "$(sort -z "$W/nul.want" | od -c)" \
    "$(sort -z "$W/nulu.out" | od -c)"
tr '\n' '\0' <"$W/in.txt" >"$W/words.nul"
it_count_words "$W/in.txt" | tr '\n' '\0' >"$W/words.want"
"$MR_RUN" -q -m "$WC" --sort -0 -j 2 --chunk-size 4k -o "$W/words.out" "$W/words.nul" \
    2>"$W/words.err"
it_status_ok "-0 word count: exit 0" $? "$W/words.err"
it_same "-0 word count: every key<TAB>count record ends in NUL" "$W/words.want" "$W/words.out"

# --- finding 13: a long -o name -----------------------------------------------
long=$(printf 'o%.0s' $(seq 1 250))
upper_job -o "$W/$long" "$W/in.txt" 2>"$W/long.err"
it_status_ok "a 250-byte -o name: exit 0" $? "$W/long.err"
it_same "and the output is there" "$W/in.upper" "$W/$long"
long=$(printf 's%.0s' $(seq 1 255))
upper_job --stats "$W/$long" -o "$W/long2.out" "$W/in.txt" 2>"$W/long2.err"
it_status_ok "a 255-byte --stats name: exit 0" $? "$W/long2.err"

it_no_children "no mapper or reducer is left running"
it_done
