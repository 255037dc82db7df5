#!/usr/bin/env bash
# it_commands.sh - mappers and reducers in any language (issue 6):
# --map-cmd and --reduce-cmd run shell commands under the engine, Hadoop
# Streaming style (records on stdin, key<TAB>value lines on stdout, the
# reducer fed every pair sorted by key).
source "$(dirname "$0")/lib/it.sh"
it_init
W=$IT_WORK

it_gen_text 21 3000000 "$W/text.txt" 1
# The oracle: what tr, sort and uniq -c count (words are runs of ASCII
# letters, as map.py and wordcount.so say too).
it_count_words "$W/text.txt" >"$W/expected.tsv"
it_check "the expected counts are not trivial (over 1000 distinct words)" \
    test "$(wc -l <"$W/expected.tsv")" -gt 1000

cat >"$W/map.py" <<'PY'
import re, sys
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    for w in re.findall(rb"[A-Za-z]+", line):
        out.write(w + b"\t1\n")
PY
cat >"$W/reduce.py" <<'PY'
import sys
out = sys.stdout.buffer
cur, n = None, 0
for line in sys.stdin.buffer:
    k, v = line.rstrip(b"\n").split(b"\t", 1)
    if k != cur:
        if cur is not None:
            out.write(cur + b"\t" + str(n).encode() + b"\n")
        cur, n = k, 0
    n += int(v)
if cur is not None:
    out.write(cur + b"\t" + str(n).encode() + b"\n")
PY

# Python mapper and reducer.
"$MR_RUN" --map-cmd "python3 $W/map.py" --reduce-cmd "python3 $W/reduce.py" -j 2 \
    --chunk-size 256k -o "$W/py.tsv" "$W/text.txt" 2>"$W/py.err"
it_status_ok "python3 mapper and reducer run under mr-run" $? "$W/py.err"
it_same "python3 word count equals the tr|sort|uniq -c counts" "$W/expected.tsv" "$W/py.tsv"

# awk mapper and reducer (awk splits on blanks, so it gets the words from tr).
"$MR_RUN" --map-cmd "tr -cs A-Za-z '\\n' | awk 'NF {print \$1 \"\\t\" 1}'" \
    --reduce-cmd "awk -F'\\t' '\$1 != k {if (NR > 1) print k \"\\t\" n; k = \$1; n = 0} {n += \$2} END {if (NR) print k \"\\t\" n}'" \
    -j 3 --chunk-size 100k -o "$W/awk.tsv" "$W/text.txt" 2>"$W/awk.err"
it_status_ok "awk mapper and reducer run under mr-run" $? "$W/awk.err"
it_same "awk word count equals the tr|sort|uniq -c counts" "$W/expected.tsv" "$W/awk.tsv"

# A command mapper with the plugin as reducer: its pairs are merged by -r.
"$MR_RUN" --map-cmd "python3 $W/map.py" -r "$MR_EXAMPLES/wordcount.so" --sort -j 2 \
    --chunk-size 256k -o "$W/mixed.tsv" "$W/text.txt" 2>"$W/mixed.err"
it_status_ok "a command mapper with a plugin reducer runs" $? "$W/mixed.err"
it_same "its counts (decimal text converted to wordcount.so's 8-byte counts) are exact" \
    "$W/expected.tsv" "$W/mixed.tsv"
# A value that is not a count fails the chunk, quoting it, never a silent 0.
"$MR_RUN" --map-cmd "python3 $W/map.py | sed 's/1\$/one/'" -r "$MR_EXAMPLES/wordcount.so" \
    --max-attempts 1 -o "$W/mixedbad.tsv" "$W/text.txt" 2>"$W/mixedbad.err"
it_equal "a text value into a summing plugin fails the job with status 1" 1 $?
it_mentions "and the error quotes the value" "$W/mixedbad.err" "map command printed the value 'one'" \
    "must be a decimal number"
it_check "leaving no output file" test ! -e "$W/mixedbad.tsv"

# An ordered command: lines pass through unchanged, in order.
"$MR_RUN" --map-cmd "grep -a ab" --ordered -j 3 --chunk-size 64k -o "$W/grep.out" \
    "$W/text.txt" 2>"$W/grep.err"
it_status_ok "--map-cmd grep --ordered runs" $? "$W/grep.err"
grep -a ab "$W/text.txt" >"$W/grep.expected"
it_same "--map-cmd grep --ordered keeps grep's lines in input order" "$W/grep.expected" "$W/grep.out"
# grep exits 1 when a chunk has no match: like any non-zero status, that
# fails the attempt (a crashed script exits 1 too, and must not lose its
# chunk silently), so a grep mapper says that 1 is fine.
"$MR_RUN" --map-cmd "grep -a 'no such text'" -j 2 --chunk-size 64k -o "$W/none.out" \
    "$W/text.txt" 2>"$W/none.err"
it_equal "a bare grep that matches nothing in a chunk fails its attempts" 1 $?
it_mentions "and the error is grep's status, after every attempt" "$W/none.err" \
    "map command exited with status 1" "failed 4 attempts"
"$MR_RUN" --map-cmd "grep -a 'no such text' || [ \$? = 1 ]" -j 2 --chunk-size 64k \
    -o "$W/none.out" "$W/text.txt" 2>"$W/none.err"
it_status_ok "grep ... || [ \$? = 1 ] runs through chunks without a match" $? "$W/none.err"
it_equal "and writes nothing" 0 "$(wc -c <"$W/none.out")"

# A command that fails on one chunk: retried, then reported with its offset.
printf 'line %d fine\n' $(seq 1 20000) >"$W/bad.txt"
sed -i 's/^line 12345 fine$/line 12345 BOOM/' "$W/bad.txt"
"$MR_RUN" --map-cmd "sh -c 'data=\$(cat); case \"\$data\" in *BOOM*) exit 1;; esac; printf \"%s\\n\" \"\$data\"'" \
    --ordered -j 2 --chunk-size 16k --stats "$W/bad.json" -o "$W/bad.out" "$W/bad.txt" 2>"$W/bad.err"
it_equal "a command failing on one chunk fails the job with status 1" 1 $?
it_mentions "the failure names the input, the chunk's offset and the exit status" "$W/bad.err" \
    "input $W/bad.txt, chunk" "map command exited with status 1" "failed 4 attempts"
it_equal "it was retried (3 retries before giving up)" 3 "$(grep -c 'retrying (attempt' "$W/bad.err")"
it_check "no output file after the failed command job" test ! -e "$W/bad.out"

# A command that does not exist: refused before any chunk is sent.
"$MR_RUN" --map-cmd "no-such-command --x" -o "$W/nx.out" "$W/text.txt" 2>"$W/nx.err"
it_equal "a missing map command fails with status 1" 1 $?
it_mentions "and the error names it" "$W/nx.err" "command 'no-such-command' not found"
"$MR_RUN" --map-cmd cat --reduce-cmd "no-such-reducer" -o "$W/nx.out" "$W/text.txt" 2>"$W/nx.err"
it_mentions "a missing reduce command is named too" "$W/nx.err" "command 'no-such-reducer' not found"
"$MR_RUN" --map-cmd cat --reduce-cmd cat --ordered -o "$W/nx.out" "$W/text.txt" 2>"$W/nx.err"
it_equal "--reduce-cmd with --ordered is refused (status 2)" 2 $?
# A reduce command that fails fails the job.
"$MR_RUN" --map-cmd "python3 $W/map.py" --reduce-cmd "exit 3" -o "$W/rf.out" "$W/text.txt" \
    2>"$W/rf.err"
it_equal "a failing reduce command fails the job" 1 $?
it_mentions "and the error says so" "$W/rf.err" "reduce command exited with status 3"
it_check "leaving no output file" test ! -e "$W/rf.out"
# A reduce command that stops reading early (head) is fine: its status counts.
"$MR_RUN" --map-cmd "python3 $W/map.py" --reduce-cmd "head -n 2" -o "$W/head.out" "$W/text.txt" \
    2>"$W/head.err"
it_status_ok "--reduce-cmd 'head -n 2' succeeds" $? "$W/head.err"
it_equal "and writes its two lines" 2 "$(wc -l <"$W/head.out")"
# What a map command starts dies with its mapper (here: killed by the timeout).
# The sleeper is a link named inside $W, so the check below looks for this
# test's own processes only.
ln -s "$(command -v sleep)" "$W/sleeper"
"$MR_RUN" --map-cmd "cat >/dev/null; $W/sleeper 377 | cat" --task-timeout 0.5 --max-attempts 2 \
    -o "$W/sleep.out" "$W/text.txt" 2>"$W/sleep.err"
it_equal "a silent map command is stopped by --task-timeout" 1 $?
it_mentions "and the error says so" "$W/sleep.err" "the map command printed nothing for longer"
# What the command started is killed with its mapper's process group; a
# process left running would stay past the 30 s deadline.
no_sleepers() {
    local p
    for p in $(pgrep -f "^$W/sleeper 377"); do
        it_alive "$p" && return 1
    done
    return 0
}
it_check "no process the command started is left" it_wait_for 30 no_sleepers
it_no_children "no mapper, reducer or command left"
it_no_runtime_dir "no runtime directory left"
it_done
