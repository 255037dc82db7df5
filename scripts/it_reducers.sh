#!/usr/bin/env bash
# it_reducers.sh - key-grouped jobs with several reducers (mr-run -R N,
# issue 11): each reducer owns the keys of one partition, and the output is
# assembled from their parts.
#   1. -R 1..4: the word count equals a coreutils oracle, and the -R 1 run:
#      byte for byte with --sort, as a set of lines without it
#   2. --reduce-cmd with -R 1..3: every partition's command, one output
#   3. -R 2 --stats: a reducers array whose keys add up to the distinct words
#   4. mappers SIGKILLed mid-job with -R 3: the output stays exact
#   5. a reducer SIGKILLed mid-job with -R 3: the job fails naming it, no
#      -o, no process and no scratch directory left
#   6. a remote mapper joins a -R 2 job (CURVE on every reducer's port)
#   7. SIGINT during the final merge leaves no output and no scratch
#   8. bad -R, --tmpdir and --memory values fail before anything starts
# Every expected output comes from an oracle (coreutils), never from another
# mr-run alone; no verdict rests on a sleep: each step waits for what it can
# see, with deadlines of tens of seconds.
set -u
source "$(dirname "$0")/lib/it.sh"
it_init

WC=$MR_EXAMPLES/wordcount.so
it_build_plugin slowwc <"$IT_SCRIPTS/lib/slowwc.c" || it_done
SLOW=$IT_WORK/slowwc.so
W=$(cd "$IT_WORK" && pwd -P) # as /proc/PID/maps names the files

it_gen_text 20261101 8000000 "$W/corpus.txt"
it_check "corpus generated (about 8 MB)" test "$(wc -c <"$W/corpus.txt")" -gt 7900000
(set -o pipefail && it_count_words "$W/corpus.txt" >"$W/expected.tsv")
it_status_ok "oracle: the corpus's word count (tr, sort, uniq)" $? /dev/null

# json FILE EXPR: EXPR evaluated over the --stats object d.
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

# --- 1. -R 1..4, with and without --sort --------------------------------------
for r in 1 2 3 4; do
    "$MR_RUN" -q -m "$WC" -j 2 -R $r --sort -o "$W/sort$r.tsv" "$W/corpus.txt" 2>"$W/sort$r.err"
    it_status_ok "-R $r --sort exits 0" $? "$W/sort$r.err"
    it_same "-R $r --sort output equals the oracle's counts" "$W/expected.tsv" "$W/sort$r.tsv"
    it_same "-R $r --sort output equals the -R 1 run, byte for byte" "$W/sort1.tsv" "$W/sort$r.tsv"
    "$MR_RUN" -q -m "$WC" -j 2 -R $r -o "$W/any$r.tsv" "$W/corpus.txt" 2>"$W/any$r.err"
    it_status_ok "-R $r without --sort exits 0" $? "$W/any$r.err"
    sort "$W/any$r.tsv" >"$W/any$r.sorted"
    it_same "-R $r without --sort: its lines are the oracle's" "$W/expected.tsv" "$W/any$r.sorted"
done
# To stdout, and from stdin: the parts are assembled onto a pipe too.
"$MR_RUN" -q -m "$WC" -j 2 -R 3 --sort - <"$W/corpus.txt" 2>"$W/pipe.err" | cat >"$W/pipe.tsv"
it_same "-R 3 --sort from stdin to a pipe equals the oracle's counts" "$W/expected.tsv" "$W/pipe.tsv"
it_no_runtime_dir "no runtime or scratch directory left after the -R jobs"

# --- 2. --reduce-cmd ------------------------------------------------------------
# A Streaming word count: the map command prints word<TAB>1 lines, the
# reduce command adds them up (each reducer's over its own partition).
MAPCMD="tr -cs A-Za-z '\\n' | awk 'NF { print \$0 \"\\t1\" }'"
REDCMD="awk -F '\\t' '{ c[\$1] += \$2 } END { for (k in c) print k \"\\t\" c[k] }'"
for r in 1 3; do
    "$MR_RUN" -q --map-cmd "$MAPCMD" --reduce-cmd "$REDCMD" -j 2 -R $r -o "$W/cmd$r.tsv" \
        "$W/corpus.txt" 2>"$W/cmd$r.err"
    it_status_ok "--reduce-cmd -R $r exits 0" $? "$W/cmd$r.err"
    sort "$W/cmd$r.tsv" >"$W/cmd$r.sorted"
    it_same "--reduce-cmd -R $r: its lines are the oracle's" "$W/expected.tsv" "$W/cmd$r.sorted"
done

# --- 3. --stats per reducer -----------------------------------------------------
"$MR_RUN" -q -m "$WC" -j 2 -R 2 --stats "$W/r2.json" -o "$W/r2.tsv" "$W/corpus.txt" 2>"$W/r2.err"
it_status_ok "-R 2 --stats exits 0" $? "$W/r2.err"
it_equal "--stats lists two reducers" 2 "$(json "$W/r2.json" 'len(d["reducers"])')"
it_equal "--stats: the reducers' keys add up to the distinct words" "$(wc -l <"$W/expected.tsv")" \
    "$(json "$W/r2.json" 'sum(r["keys"] for r in d["reducers"])')"
it_check "--stats: each reducer held some of the keys" \
    test "$(json "$W/r2.json" 'min(r["keys"] for r in d["reducers"])')" -gt 0

# --- 4. mappers SIGKILLed with -R 3 --------------------------------------------
it_gen_text 7 3000000 "$W/text.txt" 1
(set -o pipefail && it_count_words "$W/text.txt" >"$W/text.tsv")
"$MR_RUN" -q -m "$SLOW" --arg 40 -j 2 -R 3 --chunk-size 16k --sort --max-attempts 10 \
    --stats "$W/shot.json" -o "$W/shot.tsv" "$W/text.txt" 2>"$W/shot.err" &
pid=$!
IT_BG_PIDS+=("$pid")
shot=0
while [ $shot -lt 3 ]; do
    it_wait_for 60 it_mapping_mapper "$pid" "$W/text.txt" 500 || break
    if [ -z "$VICTIM" ] || ! kill -KILL "$VICTIM" 2>/dev/null; then
        break
    fi
    shot=$((shot + 1))
    it_wait_gone 30 "$VICTIM" || break
done
wait "$pid"
status=$?
it_equal "-R 3: three mappers at work were killed" 3 $shot
it_status_ok "-R 3 with $shot mappers killed succeeds" $status "$W/shot.err"
it_same "-R 3 after $shot kills: the oracle's word count, byte for byte" "$W/text.tsv" "$W/shot.tsv"
it_equal "-R 3 after the kills: every record mapped once" "$(wc -l <"$W/text.txt")" \
    "$(json "$W/shot.json" 'd["records"]')"
it_no_children "no mapper or reducer left after the shot job"

# --- 5. a reducer SIGKILLed with -R 3 ------------------------------------------
"$MR_RUN" -m "$SLOW" --arg 100 -j 2 -R 3 --chunk-size 16k -o "$W/red.tsv" "$W/text.txt" \
    2>"$W/red.err" &
pid=$!
IT_BG_PIDS+=("$pid")
# reducer_of PID: true when PID has three mr-reducer children and a mapper
# at work; sets REDUCER to the second reducer's pid.
reducer_of() {
    REDUCER=$(ps -o pid=,comm= --ppid "$1" 2>/dev/null | awk '$2 == "mr-reducer" {print $1}' |
        sed -n 2p)
    [ -n "$REDUCER" ] && it_mapping_mapper "$1" "$W/text.txt" 1 && [ -n "$VICTIM" ]
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
    it_equal "a dead reducer of three fails the job with status 1 (no hang)" 1 $status
    it_check "the error names the reducer (i/3) and its pid" \
        grep -qE "reducer [0-2]/3 \\(pid $REDUCER\\) was killed by signal 9" "$W/red.err"
    it_check "no output file after the reducer died" test ! -e "$W/red.tsv"
    it_check "no temporary output file left beside -o" test -z "$(compgen -G "$W/.red.tsv*")"
    # shellcheck disable=SC2086
    if it_wait_gone 30 $kids; then
        it_ok "every child is gone after the reducer died"
    else
        it_not_ok "every child is gone after the reducer died" "still running:$IT_STILL_ALIVE"
    fi
    it_no_runtime_dir "no runtime or scratch directory left after the reducer died"
else
    it_not_ok "the -R 3 job started three reducers and a mapper" "$(cat "$W/red.err")"
fi

# --- 6. a remote mapper joins a -R 2 job ----------------------------------------
# -j 0: the remote mapper does all the work, so every chunk's two parts
# travel over the two reducers' CURVE ports.
mkdir -p "$W/keys"
"$MR_BIN/mr-keygen" "$W/keys/master" >/dev/null 2>"$W/keygen.err" &&
    "$MR_BIN/mr-keygen" "$W/b" >/dev/null 2>>"$W/keygen.err" && cp "$W/b.pub" "$W/keys/" &&
    "$MR_BIN/mr-keygen" "$W/keys/evil" >/dev/null 2>>"$W/keygen.err"
it_status_ok "mr-keygen makes the master's, the mapper's and an authorized forger's keys" $? \
    "$W/keygen.err"
port=$(it_free_port)
"$MR_RUN" -m "$WC" -j 0 -R 2 --sort --listen "tcp://127.0.0.1:$port" \
    --server-key "$W/keys/master.key" --authorized-keys "$W/keys" --stats "$W/remote.json" \
    -o "$W/remote.tsv" "$W/corpus.txt" 2>"$W/remote.err" &
master=$!
IT_BG_PIDS+=("$master")
it_check "the -R 2 master listens" \
    it_wait_for 60 grep -qsF "listening for remote mappers on tcp://127.0.0.1:$port" "$W/remote.err"
# Before the real mapper joins: a peer with a valid key pushes RESULTs
# under forged tokens to the second reducer's port (each reducer checks
# tokens on its own); none may be merged (the output is compared below).
"$MR_BIN/mr-test-peer" forge 0 1 --reducer 1 --connect "tcp://127.0.0.1:$port" -m "$WC" \
    --key "$W/keys/evil.key" --server-pub "$W/keys/master.pub" >"$W/forge.out" 2>"$W/forge.err"
it_status_ok "a peer with a valid key pushes 6 forged RESULTs to reducer 1's port" $? \
    "$W/forge.err"
welcome_port=$(sed -n 's/.*result_port=\([0-9]*\).*/\1/p' "$W/forge.out")
forge_port=$(sed -n 's/^forged .* to tcp:.*:\([0-9]*\)$/\1/p' "$W/forge.out")
it_check "those went to another port than reducer 0's ($forge_port, not $welcome_port)" \
    test -n "$forge_port" -a -n "$welcome_port" -a "$forge_port" != "$welcome_port"
forged_dropped() {
    [ "$(grep -c "its token does not match what the master assigned" "$W/remote.err")" -ge 1 ]
}
it_check "reducer 1 drops them: their token does not match" it_wait_for 60 forged_dropped
"$MR_BIN/mr-mapper" --connect "tcp://127.0.0.1:$port" -m "$WC" --key "$W/b.key" \
    --server-pub "$W/keys/master.pub" 2>"$W/remote-mapper.err" &
rmapper=$!
wait $master
it_status_ok "a -R 2 job mapped by a remote mapper alone succeeds" $? "$W/remote.err"
it_same "its output equals the oracle's counts" "$W/expected.tsv" "$W/remote.tsv"
it_equal "every chunk was merged from the remote mapper" "$(json "$W/remote.json" 'd["chunks"]')" \
    "$(json "$W/remote.json" 'sum(d["mapper_chunks"].values())')"
if it_wait_gone 30 $rmapper; then
    it_ok "the remote mapper ends with the job"
else
    kill -KILL $rmapper 2>/dev/null
    it_not_ok "the remote mapper ends with the job" "$(cat "$W/remote-mapper.err")"
fi
wait $rmapper 2>/dev/null

# --- 7. SIGINT during the final merge ------------------------------------------
# Many distinct keys make the merge of the parts take a while; once every
# reducer has ended and mr-run still runs, it is assembling the output.
awk 'BEGIN { srand(11); for (i = 0; i < 3000000; i++) print int(rand() * 1500000) }' |
    tr 0-9 a-j >"$W/keys.txt"
"$MR_RUN" -q -m "$WC" -j 2 -R 3 --sort -o "$W/int.tsv" "$W/keys.txt" 2>"$W/int.err" &
pid=$!
IT_BG_PIDS+=("$pid")
# merging PID: true once PID has had reducers and has none left (or ended).
saw_reducers=0
merging() {
    it_alive "$1" || return 0
    if [ "$(it_children_named "$1" mr-reducer)" -gt 0 ]; then
        saw_reducers=1
        return 1
    fi
    [ $saw_reducers -eq 1 ]
}
it_wait_for 120 merging $pid
if it_alive $pid && kill -INT $pid 2>/dev/null; then
    wait $pid
    status=$?
    if [ $status -eq 0 ]; then
        it_skip "SIGINT during the final merge ends the job (exit 130)" \
            "the merge ended before the signal came"
    else
        it_equal "SIGINT during the final merge ends the job (exit 130)" 130 $status
        it_check "no output file after the interrupted merge" test ! -e "$W/int.tsv"
        it_check "no temporary output file left beside -o" test -z "$(compgen -G "$W/.int.tsv*")"
        it_no_runtime_dir "no runtime or scratch directory left after the interrupted merge"
    fi
else
    wait $pid
    it_skip "SIGINT during the final merge ends the job (exit 130)" \
        "the job ended before the merge could be seen"
fi

# --- 8. bad values fail before anything starts ---------------------------------
"$MR_RUN" -m "$WC" -R 0 "$W/corpus.txt" >/dev/null 2>"$W/r0.err"
it_equal "-R 0 is a usage error (exit 2)" 2 $?
it_mentions "-R 0: the error says the range" "$W/r0.err" "-R" "1 to 64"
"$MR_RUN" -m "$WC" -R 2 --ordered "$W/corpus.txt" >/dev/null 2>"$W/rord.err"
it_equal "-R 2 --ordered is a usage error (exit 2)" 2 $?
it_mentions "-R 2 --ordered: the error says why" "$W/rord.err" "key-grouped"
"$MR_RUN" -m "$MR_EXAMPLES/upper.so" -R 2 "$W/corpus.txt" >/dev/null 2>"$W/rup.err"
it_equal "-R 2 with a plugin that cannot reduce is a usage error (exit 2)" 2 $?
"$MR_RUN" -m "$WC" --memory 12x "$W/corpus.txt" >/dev/null 2>"$W/mem.err"
it_equal "--memory 12x is a usage error (exit 2)" 2 $?
"$MR_RUN" -m "$WC" --tmpdir "$W/nowhere" -o "$W/nowhere.tsv" "$W/corpus.txt" 2>"$W/tmp.err"
it_equal "a missing --tmpdir fails the job (exit 1)" 1 $?
it_mentions "the error names the missing --tmpdir" "$W/tmp.err" "--tmpdir $W/nowhere"
it_check "no output after the missing --tmpdir" test ! -e "$W/nowhere.tsv"
if [ "$(id -u)" -ne 0 ]; then
    mkdir -m 0500 "$W/ro"
    "$MR_RUN" -m "$WC" -R 2 --tmpdir "$W/ro" -o "$W/ro.tsv" "$W/corpus.txt" 2>"$W/ro.err"
    it_equal "an unwritable --tmpdir fails the job (exit 1)" 1 $?
    it_mentions "the error names the unwritable --tmpdir" "$W/ro.err" "--tmpdir $W/ro"
    chmod 0700 "$W/ro"
else
    it_skip "an unwritable --tmpdir fails the job" "root writes anywhere"
fi
mkdir -p "$W/scratch"
"$MR_RUN" -q -m "$WC" -R 2 --tmpdir "$W/scratch" --memory 64M -o "$W/tmpdir.tsv" \
    "$W/corpus.txt" 2>"$W/tmpdir.err"
it_status_ok "-R 2 --tmpdir DIR --memory 64M exits 0" $? "$W/tmpdir.err"
it_equal "--tmpdir DIR is left empty after the job" "" "$(ls -A "$W/scratch")"
it_no_children "no mapper or reducer left at the end"
it_no_runtime_dir "no runtime or scratch directory left at the end"
it_done
