#!/usr/bin/env bash
# it_faults.sh - the job survives what real jobs meet (issue 3), and each
# row of the failure table in docs/architecture.md does what it says:
#   - mappers SIGKILLed mid-job, several times: the output the oracle
#     computes, nothing counted twice
#   - poison records (SIGSEGV, abort, an error, exit): each named precisely,
#     or skipped with --skip-bad and written to --bad-records
#   - a dead mapper's chunk being mapped is charged, the one queued behind
#     it is re-sent free
#   - --skip-bad skips a record only after it failed twice in a row, and
#     never after a failure of the whole chunk (a combine() that refuses;
#     it refuses --map-cmd, whose failures are all whole-chunk ones)
#   - mappers that keep dying: at most 64 replacements per -j, then an error
#   - a map() that hangs: --task-timeout treats it as a crash
#   - the reducer dies: the job fails, nothing at -o, no orphans
#   - the output cannot be written (disk full, unwritable directory)
#
# Every expected output comes from an oracle written here (coreutils,
# python3), never from another mr-run; no verdict rests on a sleep: the test waits
# for what it can see (a mapper with the input mapped, a process gone),
# with deadlines of tens of seconds that only catch hangs.
# shellcheck disable=SC2018,SC2019 # tr a-z A-Z in LC_ALL=C is what crash.so does
source "$(dirname "$0")/lib/it.sh"
it_init

# A word count that sleeps --arg microseconds per record, so that a job
# lasts long enough to be shot at; and a plugin that fails on the attempts
# a test chooses (scripts/lib/flaky.c says how).
it_build_plugin slowwc <"$IT_SCRIPTS/lib/slowwc.c" || it_done
it_build_plugin flaky <"$IT_SCRIPTS/lib/flaky.c" || it_done
SLOW=$IT_WORK/slowwc.so
FLAKY=$IT_WORK/flaky.so
CRASH=$MR_EXAMPLES/crash.so
W=$(cd "$IT_WORK" && pwd -P) # as /proc/PID/maps names the files

it_gen_text 7 3000000 "$W/text.txt" 1
lines=$(wc -l <"$W/text.txt")
it_check "input generated (about 3 MB, $lines lines, ends with a newline)" \
    test "$(wc -c <"$W/text.txt")" -gt 2900000 -a "$(tail -c 1 "$W/text.txt" | od -An -tx1 | tr -d ' ')" = 0a

# json_get FILE KEY: one value from a --stats file.
json_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# json_mappers FILE: how many mapper ids the job handed out (replacements
# included): the entries of mapper_chunks.
json_mappers() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["mapper_chunks"]))' "$1"; }

# oracle_grouped INPUT OUTPUT, oracle_ordered INPUT OUTPUT: what slowwc.so
# computes, without mr.  Its word is a maximal run of ASCII letters, case
# kept (s_letter), as `tr -cs A-Za-z` cuts them (it_count_words); no word
# spans a record, since '\n' is not a letter.
#   grouped: WORD<TAB>COUNT per distinct word, sorted bytewise (--sort)
#   ordered: WORD<TAB>VALUE per word in input order, VALUE being the 8
#            bytes of the little-endian count 1 that map() emits
oracle_grouped() { (set -o pipefail && it_count_words "$1" >"$2"); }
oracle_ordered() {
    (set -o pipefail && tr -cs A-Za-z '\n' <"$1" | { grep -v '^$' || true; } |
        sed 's/$/\t\x01\x00\x00\x00\x00\x00\x00\x00/' >"$2")
}

# gen_records FILE N [INDEX=TEXT]...: N records "rec NNNNN plain", 16
# bytes each (256 to a 4k chunk), but record INDEX is "TEXT NNNNN".
# offset_of TEXT FILE: the byte offset of the first record holding TEXT.
gen_records() {
    python3 - "$@" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
special = dict((int(k), v) for k, v in (a.split("=", 1) for a in sys.argv[3:]))
with open(path, "w") as f:
    for i in range(n):
        f.write("%s %05d\n" % (special[i], i) if i in special else "rec %05d plain\n" % i)
PY
}

offset_of() { grep -b -m 1 -F -- "$1" "$2" | cut -d: -f1; }

# oracle_flaky MODE INPUT OUTPUT [SKIPPED]: what flaky.so computes, without
# mr, for the records of INPUT but those that contain SKIPPED:
#   ordered: RECORD<TAB>1 per record (2 lines for a cfail record)
#   grouped: RECORD<TAB>COUNT per distinct record, sorted bytewise
oracle_flaky() {
    python3 - "$@" <<'PY'
import collections, sys
mode, src, dst = sys.argv[1:4]
skipped = sys.argv[4].encode() if len(sys.argv) > 4 else None
records = [r for r in open(src, "rb").read().split(b"\n")[:-1]
           if skipped is None or skipped not in r]
counts = collections.Counter()
out = []
for r in records:
    n = 2 if r.startswith(b"cfail ") else 1
    counts[r] += n
    out.extend([b"%s\t1\n" % r] * n)
with open(dst, "wb") as f:
    if mode == "grouped":
        f.write(b"".join(b"%s\t%d\n" % (r, n) for r, n in sorted(counts.items())))
    else:
        f.write(b"".join(out))
PY
}

it_check "oracle: slowwc's key-grouped word count of the input (tr, sort, uniq)" \
    oracle_grouped "$W/text.txt" "$W/text.tsv"
it_check "oracle: slowwc's ordered output of the input (tr, grep, sed)" \
    oracle_ordered "$W/text.txt" "$W/text.ord"

# 1. Mappers SIGKILLed mid-job.
#

# run_shooting KILLS INPUT ARGS...: runs mr-run ARGS in the background and
# SIGKILLs KILLS of its mappers, one at a time: each one at work on INPUT
# that has mapped 500 records (about 3 chunks of 16k here), the next only
# once the last is gone.  The kills take about 500 records per victim, and
# the input holds some 32,000 (at 40 us each): the job outlasts the kills
# however loaded the machine, since both are counted in records.  Waits for
# the job; sets $status and $shot.
run_shooting() {
    local kills=$1 input=$2
    shift 2
    "$MR_RUN" "$@" 2>"$W/shoot.err" &
    local pid=$!
    IT_BG_PIDS+=("$pid")
    shot=0
    while [ "$shot" -lt "$kills" ]; do
        it_wait_for 60 it_mapping_mapper "$pid" "$input" 500 || break
        if [ -z "$VICTIM" ] || ! kill -KILL "$VICTIM" 2>/dev/null; then
            break
        fi
        shot=$((shot + 1))
        it_wait_gone 30 "$VICTIM" || break
    done
    wait "$pid"
    status=$?
}

# --max-attempts 10: the kills could all hit one chunk, which 4 charged
# attempts would fail.
kills=4
run_shooting $kills "$W/text.txt" -q -m "$SLOW" --arg 40 -j 2 --chunk-size 16k --sort \
    --max-attempts 10 --stats "$W/shot.json" -o "$W/shot.tsv" "$W/text.txt"
it_equal "key-grouped job: $kills mappers at work were killed" $kills $shot
it_status_ok "key-grouped job with $shot mappers killed succeeds" $status "$W/shoot.err"
it_same "key-grouped output after $shot kills is the oracle's word count" "$W/text.tsv" "$W/shot.tsv"
it_equal "--stats counts the dead mappers (mappers_lost)" "$shot" "$(json_get "$W/shot.json" mappers_lost)"
failed=$(json_get "$W/shot.json" failed_attempts)
it_check "--stats: each kill charged at most one chunk (failed_attempts=$failed <= $shot)" \
    test "$failed" -le "$shot"
it_equal "--stats: every input record was mapped once (records = wc -l)" "$lines" \
    "$(json_get "$W/shot.json" records)"
it_equal "--stats: output_records = the oracle's distinct words" "$(wc -l <"$W/text.tsv")" \
    "$(json_get "$W/shot.json" output_records)"
resent=$(json_get "$W/shot.json" resent_chunks)
it_check "--stats counts re-sent chunks (resent_chunks=$resent > 0)" test "$resent" -gt 0
it_no_children "no mapper or reducer left after the shot job"

run_shooting $kills "$W/text.txt" -m "$SLOW" --arg 40 -j 3 --ordered --chunk-size 16k \
    --max-attempts 10 --stats "$W/shot.json" -o "$W/shot.ord" "$W/text.txt"
it_equal "ordered job: $kills mappers at work were killed" $kills $shot
it_status_ok "ordered job with $shot mappers killed succeeds" $status "$W/shoot.err"
it_same "ordered output after $shot kills is the oracle's, byte for byte" "$W/text.ord" "$W/shot.ord"
it_equal "ordered --stats: output_records = the oracle's lines" "$(wc -l <"$W/text.ord")" \
    "$(json_get "$W/shot.json" output_records)"
it_mentions "the master reports the re-sent chunks" "$W/shoot.err" "re-sending"
# --unordered: each chunk's lines reach the output once, whichever attempt
# delivers them (results through the mappers' shared slots, seen once).
run_shooting $kills "$W/text.txt" -m "$SLOW" --arg 40 -j 3 --unordered --chunk-size 16k \
    --max-attempts 10 -o "$W/shot.unord" "$W/text.txt"
it_equal "unordered job: $kills mappers at work were killed" $kills $shot
it_status_ok "unordered job with $shot mappers killed succeeds" $status "$W/shoot.err"
LC_ALL=C sort "$W/text.ord" >"$W/text.ord.sorted"
LC_ALL=C sort "$W/shot.unord" >"$W/shot.unord.sorted"
it_same "unordered output after $shot kills holds the oracle's lines, each once" \
    "$W/text.ord.sorted" "$W/shot.unord.sorted"
it_no_runtime_dir "no runtime directory left after the shot jobs"

# 2. Poison records: 60,000 records "line N fine text", but records 1234
# and 45678 are "line N BOOM here".  One poison record for the jobs that
# must fail (with two, which one fails first depends on scheduling), two
# for --skip-bad.
gen_poison() {
    python3 - "$1" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(60000):
        f.write("line %d %s\n" % (i, "BOOM here" if i in (1234, 45678) else "fine text"))
PY
}
one_poison() { sed 's/line 45678 BOOM here/line 45678 fine text/' "$1" >"$2"; }
# The oracle of --skip-bad: crash.so upper-cases every other record.
oracle_poison() { (set -o pipefail && grep -v BOOM "$1" | tr a-z A-Z >"$2"); }
it_check "poison input written (python3)" gen_poison "$W/poison.txt"
it_check "one-poison input written (sed)" one_poison "$W/poison.txt" "$W/poison1.txt"
it_check "oracle: the poison input upper-cased, bad records left out (grep, tr)" \
    oracle_poison "$W/poison.txt" "$W/poison.expected"
it_check "the inputs hold 2 and 1 poison records, the oracle 59,998 records" \
    test "$(grep -c BOOM "$W/poison.txt")" -eq 2 -a "$(grep -c BOOM "$W/poison1.txt")" -eq 1 \
    -a "$(wc -l <"$W/poison.expected")" -eq 59998
first=$(grep -b -m 1 BOOM "$W/poison.txt" | cut -d: -f1)

# Each kind of poison, and what the error must say about how the attempt
# ended (README: "was killed by signal 11 (Segmentation fault)").
for kind in "segv:|was killed by signal 11 (Segmentation fault)" \
    "abort:|was killed by signal 6 (Aborted)" \
    "fail:|map() returned 7" \
    "exit:|exited with status 3"; do
    label=${kind%%|*}
    how=${label#segv:}
    cause=${kind#*|}
    err=$W/poison.${label%:}.err
    it_crashing "$MR_RUN" -m "$CRASH" --arg "${how}BOOM" -j 2 --ordered --chunk-size 64k \
        -o "$W/poison.out" "$W/poison1.txt" 2>"$err"
    status=$?
    it_equal "poison record ($label) fails the job with status 1" 1 $status
    it_mentions "poison record ($label): the error names the file, offset and record" "$err" \
        "input $W/poison1.txt, record at byte offset $first" "failed 4 attempts" \
        "The record begins 'line 1234 BOOM here'"
    it_mentions "poison record ($label): the error says how it failed: $cause" "$err" \
        "$cause; failed 4 attempts"
    it_check "poison record ($label): no output file" test ! -e "$W/poison.out"
done

it_crashing "$MR_RUN" -m "$CRASH" --arg BOOM -j 2 --ordered --chunk-size 64k --max-attempts 2 \
    -o "$W/poison.out" "$W/poison1.txt" 2>"$W/poison.err"
it_mentions "--max-attempts 2 gives up after 2 attempts" "$W/poison.err" "failed 2 attempts"

for how in "" abort: fail:; do
    label=${how:-segv:}
    it_crashing "$MR_RUN" -m "$CRASH" --arg "${how}BOOM" -j 2 --ordered --chunk-size 64k --skip-bad \
        --bad-records "$W/bad.txt" --stats "$W/skip.json" -o "$W/skip.out" "$W/poison.txt" \
        2>"$W/skip.err"
    it_status_ok "--skip-bad ($label) finishes the job" $? "$W/skip.err"
    it_same "--skip-bad ($label) output is everything but the bad records" \
        "$W/poison.expected" "$W/skip.out"
    it_mentions "--skip-bad ($label) reports the count on stderr" "$W/skip.err" \
        "skipped 2 bad records"
    it_equal "--skip-bad ($label) --stats skipped_records" 2 "$(json_get "$W/skip.json" skipped_records)"
    it_equal "--skip-bad ($label): each bad record failed exactly twice (failed_attempts)" 4 \
        "$(json_get "$W/skip.json" failed_attempts)"
    it_equal "--bad-records ($label) holds exactly the bad records (in any order)" \
        "$(grep BOOM "$W/poison.txt" | sort)" "$(sort "$W/bad.txt")"
done

# 3. A mapper dies: the chunk it was mapping is charged a failed attempt,
# the chunk queued behind it (credit 2) goes back free.  -j 1: the one
# mapper gets chunks 0 and 1 when READY, and SIGKILLs itself on record
# 100, in chunk 0, the first time only.  Record 400, in chunk 1, fails
# once.  With --max-attempts 2 the job succeeds only if chunk 1 was not
# charged for the death too.
it_check "input: 600 records, a death in chunk 0, a failure in chunk 1 (python3)" \
    gen_records "$W/die.txt" 600 "100=kill 1 die" "400=fail 1 once"
mkdir "$W/die.d"
it_check "oracle: flaky's output of the records (python3)" \
    oracle_flaky ordered "$W/die.txt" "$W/die.expected"
timeout 60 "$MR_RUN" -m "$FLAKY" --arg "$W/die.d" -j 1 --ordered --chunk-size 4k \
    --max-attempts 2 --stats "$W/die.json" -o "$W/die.out" "$W/die.txt" 2>"$W/die.err"
it_status_ok "a dead mapper's queued chunk is not charged: the job succeeds at --max-attempts 2" \
    $? "$W/die.err"
it_same "a dead mapper's chunks are mapped again: the oracle's output" "$W/die.expected" \
    "$W/die.out"
it_mentions "the mapper died holding 2 chunks: the one it mapped and the queued one" \
    "$W/die.err" "was killed by signal 9 (Killed) holding 2 chunks; re-sending them"
it_mentions "the chunk being mapped is charged (attempt 2 of 2 next)" "$W/die.err" \
    "record at byte offset $(offset_of 'kill 1 die' "$W/die.txt"): mapper 1 was killed by signal 9 (Killed); retrying (attempt 2 of 2)"
it_mentions "the queued chunk's own first failure is its first charge (attempt 2 of 2 next)" \
    "$W/die.err" "record at byte offset $(offset_of 'fail 1 once' "$W/die.txt"): map() returned 1; retrying (attempt 2 of 2)"
it_equal "--stats: failed_attempts = 2 (the death, the failure; not the queued chunk)" 2 \
    "$(json_get "$W/die.json" failed_attempts)"
it_equal "--stats: mappers_lost = 1" 1 "$(json_get "$W/die.json" mappers_lost)"
it_equal "--stats: resent_chunks = 3 (both held chunks, then the failed one)" 3 \
    "$(json_get "$W/die.json" resent_chunks)"

# 4. --skip-bad skips a record only once it has failed on two attempts in
# a row.  Records that fail (or kill their mapper) on their first attempt
# only must come out; two records of one chunk that fail once each, one
# after the other, are not one record failing twice; a record that fails
# every time is skipped after exactly two failures.
it_check "input: 1200 records, 4 failing once, 1 always (python3)" \
    gen_records "$W/once.txt" 1200 "100=kill 1 die" "300=fail 1 once" "600=fail 1 first" \
    "610=fail 1 second" "900=fail 0 always"
mkdir "$W/once.d"
it_check "oracle: flaky's output of the records but 'fail 0 always' (python3)" \
    oracle_flaky ordered "$W/once.txt" "$W/once.expected" "fail 0 always"
timeout 60 "$MR_RUN" -m "$FLAKY" --arg "$W/once.d" -j 2 --ordered --chunk-size 4k --skip-bad \
    --bad-records "$W/once.bad" --stats "$W/once.json" -o "$W/once.out" "$W/once.txt" \
    2>"$W/once.err"
it_status_ok "--skip-bad with records that fail once finishes the job" $? "$W/once.err"
it_same "--skip-bad keeps every record that failed only once: the oracle's output" \
    "$W/once.expected" "$W/once.out"
it_equal "--bad-records holds only the record that failed twice" "fail 0 always 00900" \
    "$(cat "$W/once.bad")"
it_equal "--skip-bad --stats: skipped_records = 1" 1 "$(json_get "$W/once.json" skipped_records)"
it_equal "--skip-bad --stats: failed_attempts = 6 (4 records once, 1 twice)" 6 \
    "$(json_get "$W/once.json" failed_attempts)"
it_mentions "--skip-bad says the record failed twice" "$W/once.err" \
    "record at byte offset $(offset_of 'fail 0 always' "$W/once.txt"): map() returned 1 twice; skipped (--skip-bad)" \
    "skipped 1 bad record"

# 4b. A mapper that sends a FAIL and dies right after, on the chunk queued
# behind (-j 1: credit 2 gives it both chunks): the FAIL may die in its
# socket's queue.  The master then charges
# the attempt from the mapper's progress slot (unless the FAIL arrived), so
# the count is exact every time.  (Before, 1 run in 3 counted 1.)
it_check "input: 1200 records, one failing once, then one killing its mapper once (python3)" \
    gen_records "$W/race.txt" 1200 "100=fail 1 once" "300=kill 1 die"
it_check "oracle: flaky's output of every record (python3)" \
    oracle_flaky ordered "$W/race.txt" "$W/race.expected"
race_counts=
for round in 1 2 3 4 5; do
    rm -rf "$W/race.d"
    mkdir "$W/race.d"
    timeout 60 "$MR_RUN" -q -m "$FLAKY" --arg "$W/race.d" -j 1 --chunk-size 4k --ordered \
        --stats "$W/race.json" -o "$W/race.out" "$W/race.txt" 2>"$W/race.err" || break
    cmp -s "$W/race.expected" "$W/race.out" || break
    race_counts="$race_counts $(json_get "$W/race.json" failed_attempts)"
done
it_equal "a FAIL lost with its dying mapper is still counted: failed_attempts = 2, five runs" \
    " 2 2 2 2 2" "$race_counts"

# 5. --skip-bad after failures of a whole chunk (no record offset): they
# are retried, never pinned on a record, so no innocent record is skipped.
#  a. A cfail record emits its pair twice, and combine() refuses to add
#  them on the first two attempts: the mapper fails the chunk as a whole
#  while mapping that record, whose map() returned 0.  Pinned on a record
#  (that one, or the chunk's first), two failures would have --skip-bad
#  drop it: a count or a line would be missing.
it_check "input: 1200 records, one whose chunk fails twice (python3)" \
    gen_records "$W/comb.txt" 1200 "600=cfail 2 comb"
mkdir "$W/comb.d"
it_check "oracle: flaky's key-grouped counts of the records (python3)" \
    oracle_flaky grouped "$W/comb.txt" "$W/comb.expected"
timeout 60 "$MR_RUN" -m "$FLAKY" --arg "$W/comb.d" -j 2 --sort --chunk-size 4k --skip-bad \
    --bad-records "$W/comb.bad" --stats "$W/comb.json" -o "$W/comb.out" "$W/comb.txt" \
    2>"$W/comb.err"
it_status_ok "--skip-bad, a chunk failing twice as a whole: the job succeeds" $? "$W/comb.err"
it_same "--skip-bad, a chunk failing twice as a whole: the oracle's counts, no record dropped" \
    "$W/comb.expected" "$W/comb.out"
it_mentions "the chunk's failures name the chunk and are retried" "$W/comb.err" \
    "input $W/comb.txt, chunk 2 (bytes 8192-" "combine() returned 1; retrying (attempt 3 of 4)"
it_equal "--skip-bad after a chunk's failures: --bad-records is empty" "" "$(cat "$W/comb.bad")"
it_equal "--skip-bad after a chunk's failures: skipped_records = 0" 0 \
    "$(json_get "$W/comb.json" skipped_records)"
it_equal "--skip-bad after a chunk's failures: failed_attempts = 2" 2 \
    "$(json_get "$W/comb.json" failed_attempts)"

#  b. A chunk that fails as a whole every time: the job fails after
#  --max-attempts, naming the chunk, and skips nothing.  (Pinned on a
#  record, it would skip record after record; timeout ends that.)
it_check "input: 1200 records, one whose chunk always fails (python3)" \
    gen_records "$W/always.txt" 1200 "600=cfail 0 always"
mkdir "$W/always.d"
timeout 60 "$MR_RUN" -m "$FLAKY" --arg "$W/always.d" -j 2 --sort --chunk-size 4k --skip-bad \
    --bad-records "$W/always.bad" --stats "$W/always.json" -o "$W/always.out" \
    "$W/always.txt" 2>"$W/always.err"
it_equal "--skip-bad, a chunk that always fails as a whole: the job fails with status 1" 1 $?
it_mentions "--skip-bad, a chunk that always fails as a whole: named, after 4 attempts" \
    "$W/always.err" "input $W/always.txt, chunk 2 (bytes 8192-" \
    "combine() returned 1; failed 4 attempts"
it_equal "--skip-bad, a chunk that always fails as a whole: --bad-records is empty" "" \
    "$(cat "$W/always.bad")"
it_equal "--skip-bad, a chunk that always fails as a whole: skipped_records = 0" 0 \
    "$(json_get "$W/always.json" skipped_records)"
it_check "--skip-bad, a chunk that always fails as a whole: no output file" \
    test ! -e "$W/always.out"

#  c. A --map-cmd fails only as a whole chunk: --skip-bad is refused with
#  it, before any work.
"$MR_RUN" --map-cmd cat --skip-bad -o "$W/cmd.out" "$W/comb.txt" 2>"$W/cmd.err"
it_equal "--skip-bad with --map-cmd is a usage error (status 2)" 2 $?
it_mentions "--skip-bad with --map-cmd: the error says why" "$W/cmd.err" \
    "--skip-bad needs a plugin (-m)"
it_check "--skip-bad with --map-cmd: no output file" test ! -e "$W/cmd.out"

# 6. Mappers that keep dying (every record SIGKILLs its mapper; a large
# --max-attempts so the chunks outlast them): at most 64 replacements per
# -j, then the job ends with an error instead of forking forever.
awk 'BEGIN { for (i = 0; i < 600; i++) printf "kill 0 all %05d\n", i }' >"$W/all.txt"
it_check "input: 600 records that each kill their mapper (awk)" \
    test "$(grep -c '^kill 0 all ' "$W/all.txt")" -eq 600
mkdir "$W/all.d"
timeout 60 "$MR_RUN" -m "$FLAKY" --arg "$W/all.d" -j 2 --ordered --chunk-size 4k \
    --max-attempts 1000 --stats "$W/all.json" -o "$W/all.out" "$W/all.txt" 2>"$W/all.err"
it_equal "mappers that always die: the job fails with status 1" 1 $?
it_mentions "mappers that always die: the error says so" "$W/all.err" "too many mappers died"
started=$(find "$W/all.d" -name 'mapping.*' | wc -l)
it_check "mappers that always die: at most 2 + 64 x 2 mappers mapped ($started), more than 2" \
    test "$started" -le 130 -a "$started" -gt 2
ids=$(json_mappers "$W/all.json")
it_check "mappers that always die: --stats hands out at most 130 mapper ids ($ids)" \
    test "$ids" -le 130
it_check "mappers that always die: no output file" test ! -e "$W/all.out"
it_no_children "no mapper left after the mappers that always die"
it_no_runtime_dir "no runtime directory left after the mappers that always die"

# 7. A map() that never returns.
it_crashing "$MR_RUN" -m "$CRASH" --arg hang:BOOM -j 2 --ordered --chunk-size 64k --task-timeout 0.5 \
    --skip-bad --stats "$W/hang.json" -o "$W/hang.out" "$W/poison.txt" 2>"$W/hang.err"
it_status_ok "--task-timeout turns hangs into skipped records" $? "$W/hang.err"
it_same "hanging records are skipped, the rest is output" "$W/poison.expected" "$W/hang.out"
timeouts=$(json_get "$W/hang.json" timeouts)
it_check "--stats counts the timeouts (timeouts=$timeouts >= 4)" test "$timeouts" -ge 4
timeout 60 "$MR_RUN" -m "$CRASH" --arg hang:BOOM -j 2 --ordered --chunk-size 64k \
    --task-timeout 0.3 -o "$W/hang.out" "$W/poison1.txt" 2>"$W/hang.err"
it_equal "a hang without --skip-bad fails after --max-attempts" 1 $?
it_mentions "the hang's error names the record and the timeout" "$W/hang.err" \
    "record at byte offset $first" "--task-timeout 0.3 s"
it_no_children "no mapper left after the hang jobs"

# 8. The reducer dies, once the job is under way (a mapper at work).
# -R 1: the one reducer (it_reducers.sh kills one of several).
"$MR_RUN" -m "$SLOW" --arg 100 -j 2 -R 1 --chunk-size 16k -o "$W/red.tsv" "$W/text.txt" 2>"$W/red.err" &
pid=$!
IT_BG_PIDS+=("$pid")
# reducer_of PID: true when PID has an mr-reducer child and a mapper at
# work; sets REDUCER.
reducer_of() {
    REDUCER=$(ps -o pid=,comm= --ppid "$1" 2>/dev/null | awk '$2 == "mr-reducer" {print $1}')
    [ -n "$REDUCER" ] && it_mapping_mapper "$1" "$W/text.txt" && [ -n "$VICTIM" ]
}
if it_wait_for 60 reducer_of $pid; then
    kids=$(it_children $pid)
    kill -KILL "$REDUCER"
    if it_wait_gone 60 $pid; then
        wait $pid
        status=$?
    else
        kill -KILL $pid
        wait $pid
        status=hung
    fi
    it_equal "a dead reducer fails the job with status 1 (no hang: waited up to 60 s)" 1 $status
    it_mentions "the error says the reducer died" "$W/red.err" "the reducer was killed by signal 9"
    it_check "no output file after the reducer died" test ! -e "$W/red.tsv"
    it_check "no temporary output file left beside -o" test -z "$(compgen -G "$W/.red.tsv*")"
    # shellcheck disable=SC2086
    if it_wait_gone 30 $kids; then
        it_ok "every child is gone after the reducer died (waited up to 30 s)"
    else
        it_not_ok "every child is gone after the reducer died (waited up to 30 s)" \
            "still running:$IT_STILL_ALIVE"
    fi
    it_no_runtime_dir "no runtime directory left after the reducer died"
else
    it_not_ok "the reducer-death job starts a reducer and a mapper at work" "$(cat "$W/red.err")"
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
fi

# 9. Output that cannot be written.
"$MR_RUN" -m "$MR_EXAMPLES/wordcount.so" -o /dev/full "$W/text.txt" 2>"$W/full.err"
it_equal "writing to a full device fails with status 1" 1 $?
it_mentions "the error names the output and the cause" "$W/full.err" "output /dev/full" \
    "No space left on device"
"$MR_RUN" -m "$MR_EXAMPLES/wordcount.so" -o /proc/mr-out.tsv "$W/text.txt" 2>"$W/ro.err"
it_equal "an unwritable output directory fails with status 1" 1 $?
it_mentions "the error names the output" "$W/ro.err" "output /proc/mr-out.tsv"
if [ "$(id -u)" -eq 0 ] && mkdir -p "$W/small" && mount -t tmpfs -o size=256k tmpfs "$W/small" 2>/dev/null; then
    "$MR_RUN" -m "$MR_EXAMPLES/upper.so" -o "$W/small/out.txt" "$W/text.txt" 2>"$W/small.err"
    status=$?
    it_equal "a full disk fails the job with status 1" 1 $status
    it_mentions "a full disk is named in the error" "$W/small.err" "No space left on device"
    it_equal "a full disk leaves nothing at all in the output directory" "" "$(ls -A "$W/small")"
    umount "$W/small"
else
    it_skip "a full disk fails the job cleanly" "needs root to mount a small tmpfs"
fi
it_no_children "no children left at the end"
it_no_runtime_dir "no runtime directory left at the end"
it_done
