#!/usr/bin/env bash
# it_ordered.sh - map-only jobs end to end: --ordered output must be the
# input mapped record by record, in input order, byte for byte, for every
# number of mappers and chunk size (records longer than a chunk included),
# from files and from stdin (redirected from a file, and a pipe); --unordered must hold the same lines; the
# default for a plugin without combine/reduce is ordered; grep.so must keep
# what grep -F keeps; -0 must split records on NUL.
# shellcheck disable=SC2002,SC2018,SC2019 # stdin as a pipe; tr a-z A-Z in LC_ALL=C is what upper.so does
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

UPPER=$MR_EXAMPLES/upper.so
GREP=$MR_EXAMPLES/grep.so
W=$IT_WORK
IN=$W/in.txt

# ~5 MB ending with a newline, with CRLF lines, empty lines, tabs, non-ASCII
# bytes and some lines of several kB (longer than 1k and 3k chunks).
it_gen_text 7 5000000 "$IN" 1
tr a-z A-Z <"$IN" >"$W/expected.txt"
it_check "input generated (about 5 MB, ends with a newline, has lines over 3 kB)" \
    test "$(wc -c <"$IN")" -gt 4900000 -a "$(tail -c 1 "$IN" | od -An -tx1 | tr -d ' ')" = 0a \
    -a "$(awk 'length($0) > 3072' "$IN" | wc -l)" -gt 0

# check_run DESC EXPECTED ACTUAL STATUS ERRFILE: one check that the run
# exited 0 and wrote exactly EXPECTED.
check_run() {
    if [ "$4" -ne 0 ]; then
        it_not_ok "$1" "exit status $4" "$(cat "$5")"
    else
        it_same "$1" "$2" "$3"
    fi
}

for j in 1 2 3 4; do
    for cs in 1k 3k 64k 1M; do
        "$MR_RUN" -q -m "$UPPER" --ordered -j "$j" --chunk-size "$cs" -o "$W/out.txt" "$IN" \
            2>"$W/err"
        check_run "--ordered -j $j --chunk-size $cs, file: equals tr a-z A-Z" \
            "$W/expected.txt" "$W/out.txt" $? "$W/err"
        rm -f "$W/out.txt"
        # stdin redirected from the file: a regular file, which mr-run may map.
        "$MR_RUN" -q -m "$UPPER" --ordered -j "$j" --chunk-size "$cs" <"$IN" >"$W/out.txt" \
            2>"$W/err"
        check_run "--ordered -j $j --chunk-size $cs, stdin (< file) to stdout: equals tr a-z A-Z" \
            "$W/expected.txt" "$W/out.txt" $? "$W/err"
        rm -f "$W/out.txt"
        # stdin from a pipe: a stream, cut as it is read.
        cat "$IN" | "$MR_RUN" -q -m "$UPPER" --ordered -j "$j" --chunk-size "$cs" - \
            >"$W/out.txt" 2>"$W/err"
        check_run "--ordered -j $j --chunk-size $cs, stdin (pipe) to stdout: equals tr a-z A-Z" \
            "$W/expected.txt" "$W/out.txt" $? "$W/err"
        rm -f "$W/out.txt"
    done
done

# Several files: their records in file order, which is the order the
# command line names them in, whether as operands or with -i.
head -n 20000 "$IN" >"$W/a.txt"
tail -n +20001 "$IN" | head -n 5000 >"$W/b.txt"
cat "$W/a.txt" "$W/b.txt" | tr a-z A-Z >"$W/ab.expected"
"$MR_RUN" -q -m "$UPPER" --ordered -j 3 --chunk-size 3k -o "$W/ab.out" "$W/a.txt" "$W/b.txt" \
    2>"$W/err"
check_run "--ordered over two files: their records in file order" \
    "$W/ab.expected" "$W/ab.out" $? "$W/err"
"$MR_RUN" -q -m "$UPPER" --ordered -j 3 --chunk-size 3k -i "$W/a.txt" -o "$W/ab2.out" -i "$W/b.txt" \
    2>"$W/err"
check_run "--ordered over -i a -i b: a's records, then b's" \
    "$W/ab.expected" "$W/ab2.out" $? "$W/err"
"$MR_RUN" -q -m "$UPPER" --ordered -j 3 --chunk-size 3k -o "$W/ab3.out" "$W/a.txt" -i "$W/b.txt" \
    2>"$W/err"
check_run "--ordered over 'a -i b' (operand, then -i): a's records, then b's" \
    "$W/ab.expected" "$W/ab3.out" $? "$W/err"

# Empty input: success and empty output, from a file and from stdin.
: >"$W/empty.txt"
"$MR_RUN" -q -m "$UPPER" --ordered -j 2 -o "$W/empty.out" "$W/empty.txt" 2>"$W/err"
check_run "empty input file: exit 0 and an empty output file" "$W/empty.txt" "$W/empty.out" $? "$W/err"
"$MR_RUN" -q -m "$UPPER" --ordered -j 2 </dev/null >"$W/empty2.out" 2>"$W/err"
check_run "empty stdin: exit 0 and nothing on stdout" "$W/empty.txt" "$W/empty2.out" $? "$W/err"

# A last line without a newline is still one record, written as one line.
printf 'first line\r\nmiddle\n\nlast, no newline' >"$W/nonl.txt"
printf 'FIRST LINE\r\nMIDDLE\n\nLAST, NO NEWLINE\n' >"$W/nonl.expected"
"$MR_RUN" -q -m "$UPPER" --ordered -j 2 --chunk-size 1 -o "$W/nonl.out" "$W/nonl.txt" 2>"$W/err"
check_run "a last line without newline is mapped and written as a line" \
    "$W/nonl.expected" "$W/nonl.out" $? "$W/err"

# --unordered: the same lines, in any order.
sort "$W/expected.txt" >"$W/expected.sorted"
"$MR_RUN" -q -m "$UPPER" --unordered -j 4 --chunk-size 3k -o "$W/unord.txt" "$IN" 2>"$W/err"
rc=$?
sort "$W/unord.txt" >"$W/unord.sorted" 2>/dev/null
check_run "--unordered -j 4 --chunk-size 3k, file: same lines as a multiset" \
    "$W/expected.sorted" "$W/unord.sorted" $rc "$W/err"
"$MR_RUN" -q -m "$UPPER" --unordered -j 3 --chunk-size 1k <"$IN" >"$W/unord2.txt" 2>"$W/err"
rc=$?
sort "$W/unord2.txt" >"$W/unord2.sorted"
check_run "--unordered -j 3 --chunk-size 1k, stdin: same lines as a multiset" \
    "$W/expected.sorted" "$W/unord2.sorted" $rc "$W/err"

# No mode flag: upper.so has neither combine nor reduce, so the job is ordered.
"$MR_RUN" -q -m "$UPPER" -j 4 --chunk-size 3k -o "$W/default.txt" "$IN" 2>"$W/err"
check_run "no mode flag with upper.so is ordered: equals tr a-z A-Z" \
    "$W/expected.txt" "$W/default.txt" $? "$W/err"
"$MR_RUN" -q -m "$UPPER" -j 4 --chunk-size 1k <"$IN" >"$W/default2.txt" 2>"$W/err"
check_run "no mode flag with upper.so, stdin: equals tr a-z A-Z" \
    "$W/expected.txt" "$W/default2.txt" $? "$W/err"

# grep.so keeps the lines grep -F keeps, in order.  The needles: common,
# with a space, a regex metacharacter (a fixed string must not be a
# pattern), a UTF-8 sequence, and one that matches nothing.
n=0
for needle in "ab" "s t" "a.b" "(" $'\xc3\xa9' "no such text anywhere"; do
    n=$((n + 1))
    grep -aF -- "$needle" "$IN" >"$W/grep$n.expected"
    "$MR_RUN" -q -m "$GREP" --arg "$needle" -j 3 --chunk-size 3k -o "$W/grep$n.out" "$IN" \
        2>"$W/err"
    check_run "grep.so --arg '$needle' keeps the lines grep -F keeps ($(wc -l <"$W/grep$n.expected")), in order" \
        "$W/grep$n.expected" "$W/grep$n.out" $? "$W/err"
done
it_check "grep.so needles are not all trivial (one keeps over 1000 lines)" \
    test "$(wc -l <"$W/grep1.expected")" -gt 1000

# -0: records end with NUL; a record may hold newlines.  Each record
# becomes one output record (mr.h: an empty key leaves the value as the
# record), ending in NUL too: a newline would split records that hold one.
python3 - "$W" <<'PY'
import random, sys
w = sys.argv[1]
rnd = random.Random(99)
alpha = b"abcdefghijklmnopqrstuvwxyz ABC\n\t\r.,\xc3\xa9-"
recs = []
for i in range(40000):
    r = rnd.random()
    if r < 0.05:
        rec = b""
    elif r < 0.07:
        rec = bytes(rnd.choice(alpha) for _ in range(rnd.randint(2000, 5000)))
    else:
        rec = bytes(rnd.choice(alpha) for _ in range(rnd.randint(1, 60)))
    if i % 17 == 0:
        rec += b" needle\nafter"
    recs.append(rec)
# The last record has no terminating NUL.
data = b"\0".join(recs)
open(w + "/nul.in", "wb").write(data)
up = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
open(w + "/nul.upper", "wb").write(b"".join(r.translate(up) + b"\0" for r in recs))
open(w + "/nul.grep", "wb").write(b"".join(r + b"\0" for r in recs if b"needle\na" in r))
PY
for j in 1 3; do
    "$MR_RUN" -q -m "$UPPER" -0 --ordered -j "$j" --chunk-size 1k -o "$W/nul.out" "$W/nul.in" \
        2>"$W/err"
    check_run "-0 --ordered -j $j, file: each NUL record upper-cased, ending in NUL" \
        "$W/nul.upper" "$W/nul.out" $? "$W/err"
    rm -f "$W/nul.out"
done
"$MR_RUN" -q -m "$UPPER" --null --ordered -j 2 --chunk-size 3k <"$W/nul.in" >"$W/nul.out" \
    2>"$W/err"
check_run "--null --ordered, stdin: each NUL record upper-cased, ending in NUL" \
    "$W/nul.upper" "$W/nul.out" $? "$W/err"
"$MR_RUN" -q -m "$GREP" -0 --arg $'needle\na' -j 3 --chunk-size 1k -o "$W/nulgrep.out" \
    "$W/nul.in" 2>"$W/err"
check_run "-0 grep.so with a needle spanning a newline keeps whole NUL records" \
    "$W/nul.grep" "$W/nulgrep.out" $? "$W/err"

it_no_children "no mr-mapper or mr-reducer left running"
it_no_runtime_dir "no runtime directory left in TMPDIR"
# A reader that stops early (`| head`) ends the job quietly, like any filter
# killed by SIGPIPE: status 141, no error message, no process left.
seq 1 3000000 >"$W/many.txt"
"$MR_RUN" -m "$UPPER" --ordered -j 2 --chunk-size 64k "$W/many.txt" 2>"$W/head.err" | head -n 2 >"$W/head.out"
status=${PIPESTATUS[0]}
it_equal "mr-run | head ends with status 141 (SIGPIPE)" 141 "$status"
it_equal "and says nothing about it" "" "$(cat "$W/head.err")"
it_equal "head saw the first lines" "$(printf '1\n2')" "$(cat "$W/head.out")"
it_no_children "no mapper or reducer left after the reader went away"
it_done
