#!/usr/bin/env bash
# it_faults.sh - the job survives what real jobs meet (issue 3):
#   - mappers SIGKILLed mid-job, several times: same output, nothing counted twice
#   - poison records (SIGSEGV, abort, an error, exit): named precisely, or
#     skipped with --skip-bad and written to --bad-records
#   - a map() that hangs: --task-timeout treats it as a crash
#   - the reducer dies: the job fails at once, nothing at -o, no orphans
#   - the output cannot be written (disk full, unwritable directory)
source "$(dirname "$0")/lib/it.sh"
it_init

# A word count that sleeps --arg microseconds per record, so that a job
# lasts long enough to be shot at.
it_build_plugin slowwc <"$IT_SCRIPTS/lib/slowwc.c" || it_done
SLOW=$IT_WORK/slowwc.so
CRASH=$MR_EXAMPLES/crash.so
W=$IT_WORK

it_gen_text 7 3000000 "$W/text.txt" 1
lines=$(wc -l <"$W/text.txt")

# json_get FILE KEY: one value from a --stats file.
json_get() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# json_mapper_sum FILE: the sum of the per-mapper chunk counts.
json_mapper_sum() { python3 -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["mapper_chunks"].values()))' "$1"; }

# run_shooting KILLS ARGS...: runs mr-run ARGS in the background and SIGKILLs
# a random mapper every 0.3 s, KILLS times; waits; sets $status and $shot.
run_shooting() {
    local kills=$1
    shift
    "$MR_RUN" "$@" 2>"$W/shoot.err" &
    local pid=$! victim
    shot=0
    while [ $shot -lt "$kills" ] && it_alive "$pid"; do
        sleep 0.3
        victim=$(ps -o pid=,comm= --ppid "$pid" 2>/dev/null | awk '$2 == "mr-mapper" {print $1}' | shuf -n 1)
        if [ -n "$victim" ]; then
            kill -KILL "$victim" 2>/dev/null && shot=$((shot + 1))
        fi
    done
    wait "$pid"
    status=$?
}

# 1. Mappers SIGKILLed mid-job.  Each mapper sleeps 40 us per record, so
# the job lasts about two seconds at -j 2 and takes several hits.
"$MR_RUN" -q -m "$SLOW" -j 2 --sort -o "$W/clean.tsv" "$W/text.txt"
it_check "clean key-grouped run succeeds" test -s "$W/clean.tsv"
run_shooting 5 -q -m "$SLOW" --arg 40 -j 2 --chunk-size 16k --sort --stats "$W/shot.json" \
    -o "$W/shot.tsv" "$W/text.txt"
it_status_ok "key-grouped job with $shot mappers killed succeeds" $status "$W/shoot.err"
it_same "key-grouped output equals the clean run's after $shot kills" "$W/clean.tsv" "$W/shot.tsv"
it_check "at least 3 mappers were killed (got $shot)" test "$shot" -ge 3
lost=$(json_get "$W/shot.json" mappers_lost)
it_check "--stats counts the dead mappers (mappers_lost=$lost >= 3)" test "$lost" -ge 3
it_equal "--stats: chunks merged per mapper add up to the chunks, none twice" \
    "$(json_get "$W/shot.json" chunks)" "$(json_mapper_sum "$W/shot.json")"
it_equal "--stats: every input record was mapped once" "$lines" "$(json_get "$W/shot.json" records)"
resent=$(json_get "$W/shot.json" resent_chunks)
it_check "--stats counts re-sent chunks (resent_chunks=$resent > 0)" test "$resent" -gt 0
it_no_children "no mapper or reducer left after the shot job"

"$MR_RUN" -q -m "$SLOW" -j 2 --ordered --chunk-size 16k -o "$W/clean.ord" "$W/text.txt"
run_shooting 5 -q -m "$SLOW" --arg 40 -j 3 --ordered --chunk-size 16k -o "$W/shot.ord" "$W/text.txt"
it_status_ok "ordered job with $shot mappers killed succeeds" $status "$W/shoot.err"
it_same "ordered output is byte-identical to the clean run's after $shot kills" \
    "$W/clean.ord" "$W/shot.ord"
it_mentions "the master reports the re-sent chunks" "$W/shoot.err" "re-sending"
it_no_runtime_dir "no runtime directory left after the shot jobs"

# 2. Poison records.
python3 - "$W/poison.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(60000):
        f.write("line %d %s\n" % (i, "BOOM here" if i in (1234, 45678) else "fine text"))
PY
# One poison record for the jobs that must fail (with two, which one fails
# first depends on scheduling), two for --skip-bad.
sed 's/line 45678 BOOM here/line 45678 fine text/' "$W/poison.txt" >"$W/poison1.txt"
first=$(grep -b -m 1 BOOM "$W/poison.txt" | cut -d: -f1)
grep -v BOOM "$W/poison.txt" | tr a-z A-Z >"$W/poison.expected"

for how in "" abort: fail: exit:; do
    label=${how:-segv:}
    it_crashing "$MR_RUN" -m "$CRASH" --arg "${how}BOOM" -j 2 --ordered --chunk-size 64k \
        -o "$W/poison.out" "$W/poison1.txt" 2>"$W/poison.err"
    status=$?
    it_equal "poison record ($label) fails the job with status 1" 1 $status
    it_mentions "poison record ($label): the error names the file, offset and record" "$W/poison.err" \
        "input $W/poison1.txt, record at byte offset $first" "failed 4 attempts" \
        "The record begins 'line 1234 BOOM here'"
    it_check "poison record ($label): no output file" test ! -e "$W/poison.out"
done
it_mentions "a crash names the signal" "$W/poison.err" "exited with status 3"

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
    it_equal "--bad-records ($label) holds exactly the bad records (in the order found)" \
        "$(grep BOOM "$W/poison.txt" | sort)" "$(sort "$W/bad.txt")"
done

# 3. A map() that never returns.
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

# 4. The reducer dies.
"$MR_RUN" -m "$SLOW" --arg 100 -j 2 --chunk-size 16k -o "$W/red.tsv" "$W/text.txt" 2>"$W/red.err" &
pid=$!
reducer=
for _ in $(seq 50); do
    reducer=$(ps -o pid=,comm= --ppid $pid 2>/dev/null | awk '$2 == "mr-reducer" {print $1}')
    [ -n "$reducer" ] && break
    sleep 0.1
done
sleep 0.5
kids=$(it_children $pid)
kill -KILL "$reducer"
start=$SECONDS
wait $pid
status=$?
it_equal "a dead reducer fails the job with status 1" 1 $status
it_check "the job ends within 3 s of the reducer's death" test $((SECONDS - start)) -le 3
it_mentions "the error says the reducer died" "$W/red.err" "the reducer was killed by signal 9"
it_check "no output file after the reducer died" test ! -e "$W/red.tsv"
it_check "no temporary output file left beside -o" test -z "$(ls -A "$W" | grep '^\.red\.tsv')"
# shellcheck disable=SC2086
it_check "every child is gone" it_wait_gone 2 $kids
it_no_runtime_dir "no runtime directory left after the reducer died"

# 5. Output that cannot be written.
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
