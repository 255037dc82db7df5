#!/usr/bin/env bash
# it_hostile.sh - a peer with a valid key, and a careless --listen, against a
# real job (issue 10, findings 1 to 6).  mr-test-peer (tests/peer/) holds an
# authorized key and tries what that key may not do, while a real remote
# mapper holds the job at a gate:
#   1. RESULTs forged for the real mapper's chunk, for a chunk not handed out
#      and past the last one, and a malformed one in its name; a FAIL under a
#      forged token for a task the peer holds: nothing is merged, nothing
#      charged (--max-attempts 1 would end the job), no hang
#   2. another key's task port: the handshake is refused, nothing is taken;
#      HEARTBEATs in a lost mapper's name do not keep it alive
#   3. --listen without keys is refused, on loopback too
#   4. a 50 MB header frame of nils: refused unread, the reducer stays small
#   5. a flood of HELLOs that never say READY: refused past the cap; a host
#      name with a newline and an escape is printed escaped
#   6. tcp://[::1] works where the host has IPv6 loopback
#   7. a RESULT over TCP naming a local mapper's shared result slot (issue
#      14) instead of carrying its lines: refused, the chunk retried, the
#      ordered output exactly tr's
# The job then completes and its output is exactly the reference count.
source "$(dirname "$0")/lib/it.sh"
it_init
W=$IT_WORK
MAPPER=$MR_BIN/mr-mapper
KEYGEN=$MR_BIN/mr-keygen
PEER=$MR_BIN/mr-test-peer

it_build_plugin slowwc <"$IT_SCRIPTS/lib/slowwc.c" || it_done
it_build_plugin gatewc <"$IT_SCRIPTS/lib/gatewc.c" || it_done
PLUG=$W/gatewc.so

# Chunk 0 opens with the gate: the real mapper waits there, holding chunks
# 0 and 1, while the peers attack.
it_gen_text 12 400000 "$W/text.txt" 1
{ echo "GATE opens here" && cat "$W/text.txt"; } >"$W/in.txt"
it_count_words "$W/in.txt" >"$W/ref.tsv"
it_check "the reference word count is computed" test -s "$W/ref.tsv"

mkdir -p "$W/keys" "$W/gate"
for k in master b c evil; do
    "$KEYGEN" "$W/keys/$k" >/dev/null 2>>"$W/keygen.err" || break
done
it_status_ok "mr-keygen makes the keys (master; b, c and evil authorized)" $? "$W/keygen.err"
client() { echo --key "$W/keys/$1.key" --server-pub "$W/keys/master.pub"; }
pub_key() {
    sed -n 's/^[[:space:]]*public-key[[:space:]]*=[[:space:]]*\([^[:space:]]*\)[[:space:]]*$/\1/p' \
        "$W/keys/$1.pub"
}
wait_log() { it_wait_for 60 grep -qsF -- "$2" "$1"; }
count() { grep -csF -- "$2" "$1"; }
# vm_hwm PID: the peak resident memory of PID, in kB.
vm_hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }

# --- 3. no keys, no job ------------------------------------------------------
for ep in "tcp://127.0.0.1:$(it_free_port)" "tcp://[::1]:$(it_free_port)"; do
    "$MR_RUN" -m "$PLUG" --listen "$ep" -o "$W/nokeys.tsv" "$W/in.txt" 2>"$W/nokeys.err"
    it_equal "--listen $ep without keys is refused (status 2)" 2 $?
    it_mentions "and the refusal says why and what to do" "$W/nokeys.err" "every user of this machine" \
        "--server-key" "--insecure"
done

# --- the job -----------------------------------------------------------------
PORT=$(it_free_port)
LISTEN=tcp://127.0.0.1:$PORT
# -R 1: one reducer takes every forged result (each of several checks
# tokens alike: it_reducers.sh).
"$MR_RUN" -m "$PLUG" --arg "$W/gate" -j 0 -R 1 --sort --chunk-size 16k --max-attempts 1 \
    --heartbeat 2 --stats "$W/job.json" -o "$W/job.tsv" --listen "$LISTEN" \
    --server-key "$W/keys/master.key" --authorized-keys "$W/keys" "$W/in.txt" 2>"$W/job.err" &
master=$!
IT_BG_PIDS+=("$master")
it_check "the master listens" wait_log "$W/job.err" "listening for remote mappers on $LISTEN"
# shellcheck disable=SC2046
"$MAPPER" --connect "$LISTEN" -m "$PLUG" $(client b) 2>"$W/b.err" &
real_pid=$!
it_check "the real mapper holds chunk 0 at the gate" it_wait_for 60 test -e "$W/gate/reached"
real=$(sed -n 's/.*remote mapper \([0-9]*\) joined.*/\1/p' "$W/job.err" | head -n 1)
it_check "the real mapper's id is in the log ($real)" test -n "$real"
reducer=$(ps -o pid=,comm= --ppid "$master" | awk '$2 == "mr-reducer" {print $1}')
it_check "the reducer runs ($reducer)" test -n "$reducer"

# --- 1. forged results -------------------------------------------------------
for chunk in 0 1 999999999; do
    # shellcheck disable=SC2046
    "$PEER" forge "$chunk" "$real" --connect "$LISTEN" -m "$PLUG" $(client evil) \
        >"$W/forge$chunk.out" 2>"$W/forge$chunk.err"
    it_status_ok "the evil key pushes 6 RESULTs for chunk $chunk in mapper $real's name" $? \
        "$W/forge$chunk.err"
done
forged_dropped() {
    [ "$(count "$W/job.err" "from 127.0.0.1, key $(pub_key evil): its token does not match")" -ge 18 ]
}
it_check "the reducer drops all 18, naming the evil key" it_wait_for 60 forged_dropped
it_equal "none of them is charged to a chunk (no FAIL, no retry)" 0 \
    "$(grep -cE 'retrying|reducer refused the result' "$W/job.err")"
it_equal "the forger's joins hold nothing (no chunk re-sent)" 0 \
    "$(grep -cE 're-sending the [1-9]' "$W/job.err")"

# A FAIL for a task the evil key was given, from its own connection, under a
# token that is not the task's: dropped, nothing charged (--max-attempts 1
# would end the job); the evil peer then vanishes and its chunk goes back.
# shellcheck disable=SC2046
"$PEER" failforge --connect "$LISTEN" -m "$PLUG" $(client evil) >"$W/failforge.out" \
    2>"$W/failforge.err"
it_status_ok "the evil key takes a task and FAILs it under a forged token" $? "$W/failforge.err"
ffchunk=$(sed -n 's/^failed chunk \([0-9]*\) .*/\1/p' "$W/failforge.out")
it_check "the master drops that FAIL (chunk $ffchunk)" wait_log "$W/job.err" \
    "dropped a FAIL for chunk $ffchunk in the name of mapper"

# --- 2. another key's task port; heartbeats in another's name ---------------
# shellcheck disable=SC2046
"$PEER" take 1000 --deadline 60 --connect "$LISTEN" -m "$PLUG" $(client c) >"$W/victim.out" \
    2>"$W/victim.err" &
victim_pid=$!
it_check "a second peer (key c) joins and says READY" \
    it_wait_for 60 grep -qs "^welcome mapper=" "$W/victim.out"
victim=$(sed -n 's/^welcome mapper=\([0-9]*\) .*/\1/p' "$W/victim.out")
vport=$(sed -n 's/.* task_port=\([0-9]*\) .*/\1/p' "$W/victim.out")
# shellcheck disable=SC2046
"$PEER" steal "$vport" --deadline 30 --connect "$LISTEN" -m "$PLUG" $(client evil) \
    >"$W/steal.out" 2>"$W/steal.err"
it_status_ok "the evil key connects to mapper $victim's task port $vport" $? "$W/steal.err"
it_equal "its handshake is refused and it takes nothing" "refused; stole 0 tasks" \
    "$(tail -n 1 "$W/steal.out")"
it_mentions "the master logs the refusal with the key" "$W/job.err" \
    "key $(pub_key evil) (evil.pub) may not connect to a socket meant for another key"
# The evil key starts speaking for the victim while it is alive; then the
# victim vanishes, and it must be declared dead while the evil key still
# beats for it (heard, those beats would keep it alive until they stop).
# shellcheck disable=SC2046
"$PEER" beat-as "$victim" --deadline 20 --connect "$LISTEN" -m "$PLUG" $(client evil) \
    >"$W/beat.out" 2>"$W/beat.err" &
beat_pid=$!
it_check "the evil key joins to beat for mapper $victim" \
    it_wait_for 60 grep -qs "^welcome mapper=" "$W/beat.out"
{
    kill -KILL "$victim_pid"
    wait "$victim_pid"
} 2>/dev/null
it_check "mapper $victim is declared dead" \
    wait_log "$W/job.err" "remote mapper $victim (mr-test-peer) silent for"
it_check "while the evil key is still beating in its name" it_alive "$beat_pid"
wait "$beat_pid"
it_status_ok "the evil key sent heartbeats in mapper $victim's name" $? "$W/beat.err"
it_mentions "the master drops them, naming the evil key" "$W/job.err" \
    "dropped HEARTBEAT from 127.0.0.1, key $(pub_key evil): it is not the peer that joined as remote mapper $victim"

# --- 4. a 50 MB header frame -------------------------------------------------
# shellcheck disable=SC2046
"$PEER" bighead 50000000 --connect "$LISTEN" -m "$PLUG" $(client evil) >"$W/big.out" \
    2>"$W/big.err"
it_status_ok "the evil key pushes a 50 MB header frame of nils to the reducer" $? "$W/big.err"
it_check "the reducer refuses it unread" \
    wait_log "$W/job.err" "header frame of 50000000 bytes, over the cap of 8192"
hwm=$(vm_hwm "$reducer")
it_check "the reducer's peak memory stays under 200 MB (${hwm} kB; 1.2 GB before the cap)" \
    test "${hwm:-999999999}" -lt 204800

# --- 5. a flood of joins, with a forged log line for a host name -------------
name=$'evil\nmr-run: error: forged \033[31mline'
# shellcheck disable=SC2046
"$PEER" flood 200 --name "$name" --connect "$LISTEN" -m "$PLUG" $(client evil) \
    >"$W/flood.out" 2>"$W/flood.err"
it_status_ok "the evil key sends 200 HELLOs that never say READY" $? "$W/flood.err"
read -r welcomed refused < <(sed -n 's/^flood of 200: \([0-9]*\) welcomed, \([0-9]*\) refused$/\1 \2/p' \
    "$W/flood.out")
# One key holds at most 8 pending joins, so that it cannot lock other keys
# out of the 64 there are.
it_check "every HELLO is answered, at most 8 welcomed for one key ($welcomed), the rest refused ($refused)" \
    test "${welcomed:-0}" -le 8 -a "$((${welcomed:-0} + ${refused:-0}))" -eq 200
it_mentions "the refusal says why" "$W/job.err" "too many remote mappers are joining at once"
it_equal "no line of the log is forged by a host name" 0 "$(grep -c '^mr-run: error: forged' "$W/job.err")"
it_mentions "the host name is printed escaped" "$W/job.err" 'host evil\x0amr-run: error: forged \x1b[31mline'

# --- the job ends, exactly ---------------------------------------------------
touch "$W/gate/open"
it_check "the job ends" it_wait_gone 120 "$master"
wait "$master"
it_status_ok "the job succeeds (with --max-attempts 1: nothing was charged)" $? "$W/job.err"
it_same "its output is exactly the reference" "$W/ref.tsv" "$W/job.tsv"
it_check "the real remote mapper ends with its job" it_wait_gone 30 "$real_pid"
it_equal "--stats: no failed attempt" 0 \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed_attempts"])' "$W/job.json")"

# --- 7. a result slot named over TCP ------------------------------------------
UPPER=$MR_EXAMPLES/upper.so
SLOTPORT=$(it_free_port)
SLOTLISTEN=tcp://127.0.0.1:$SLOTPORT
"$MR_RUN" -m "$UPPER" --ordered -j 0 --chunk-size 16k --heartbeat 2 -o "$W/slot.txt" \
    --listen "$SLOTLISTEN" --server-key "$W/keys/master.key" --authorized-keys "$W/keys" \
    "$W/in.txt" 2>"$W/slot.err" &
master=$!
IT_BG_PIDS+=("$master")
it_check "an ordered job listens" wait_log "$W/slot.err" "listening for remote mappers on $SLOTLISTEN"
# shellcheck disable=SC2046
"$PEER" slotforge --connect "$SLOTLISTEN" -m "$UPPER" $(client evil) >"$W/slotforge.out" \
    2>"$W/slotforge.err"
it_status_ok "the evil key takes a task and answers it naming result slot 0" $? "$W/slotforge.err"
slotchunk=$(sed -n 's/^sent a RESULT naming slot 0 for chunk \([0-9]*\) .*/\1/p' "$W/slotforge.out")
it_check "the reducer refuses it (chunk $slotchunk): a slot named from a remote peer" wait_log \
    "$W/slot.err" "chunk $slotchunk from mapper"
it_mentions "and says why" "$W/slot.err" "RESULT names a result slot from a remote peer"
# shellcheck disable=SC2046
"$MAPPER" --connect "$SLOTLISTEN" -m "$UPPER" $(client b) 2>"$W/slotb.err" &
slot_pid=$!
it_check "the ordered job ends" it_wait_gone 120 "$master"
wait "$master"
it_status_ok "a real remote mapper finishes it" $? "$W/slot.err"
tr a-z A-Z <"$W/in.txt" >"$W/slot.ref"
it_same "its output is exactly tr's: nothing was read from a slot" "$W/slot.ref" "$W/slot.txt"
it_check "the remote mapper ends with its job" it_wait_gone 30 "$slot_pid"

# --- 8. a key of another reducer, under the task's own token -------------------
WC=$MR_EXAMPLES/wordcount.so
PARTPORT=$(it_free_port)
PARTLISTEN=tcp://127.0.0.1:$PARTPORT
"$MR_RUN" -m "$WC" -R 2 --sort -j 0 --chunk-size 16k --heartbeat 2 -o "$W/part.tsv" \
    --listen "$PARTLISTEN" --server-key "$W/keys/master.key" --authorized-keys "$W/keys" \
    "$W/in.txt" 2>"$W/part.err" &
master=$!
IT_BG_PIDS+=("$master")
it_check "a job with -R 2 listens" wait_log "$W/part.err" "listening for remote mappers on $PARTLISTEN"
# shellcheck disable=SC2046
"$PEER" partforge --reducer 0 --connect "$PARTLISTEN" -m "$WC" $(client evil) \
    >"$W/partforge.out" 2>"$W/partforge.err"
it_status_ok "the evil key takes a task and answers reducer 0 with reducer 1's key" $? \
    "$W/partforge.err"
partkey=$(sed -n 's/^sent \(PARTKEY[0-9]*\) to reducer 0 of 2 .*/\1/p' "$W/partforge.out")
it_check "the reducer refuses it: a key of another partition ($partkey)" wait_log \
    "$W/part.err" "RESULT holds a key of partition 1/2, and this reducer is 0/2"
# shellcheck disable=SC2046
"$MAPPER" --connect "$PARTLISTEN" -m "$WC" $(client b) 2>"$W/partb.err" &
part_pid=$!
it_check "the -R 2 job ends" it_wait_gone 120 "$master"
wait "$master"
it_status_ok "a real remote mapper finishes it" $? "$W/part.err"
it_same "its output is exactly the reference: the forged key was merged nowhere" "$W/ref.tsv" \
    "$W/part.tsv"
it_check "the remote mapper ends with its job" it_wait_gone 30 "$part_pid"

# --- 6. IPv6 loopback ---------------------------------------------------------
if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
    LISTEN6=tcp://[::1]:$(it_free_port)
    "$MR_RUN" -m "$MR_EXAMPLES/wordcount.so" -j 0 --sort -o "$W/v6.tsv" --listen "$LISTEN6" \
        --server-key "$W/keys/master.key" --authorized-keys "$W/keys" "$W/in.txt" \
        2>"$W/v6.err" &
    master=$!
    IT_BG_PIDS+=("$master")
    it_check "a master listens on $LISTEN6" wait_log "$W/v6.err" "listening for remote mappers"
    # shellcheck disable=SC2046
    "$MAPPER" --connect "$LISTEN6" -m "$MR_EXAMPLES/wordcount.so" $(client b) 2>"$W/v6b.err" &
    v6_pid=$!
    it_check "the IPv6 job ends" it_wait_gone 120 "$master"
    wait "$master"
    it_status_ok "a remote mapper over [::1] does the job" $? "$W/v6.err"
    it_same "and its output is the reference" "$W/ref.tsv" "$W/v6.tsv"
    it_check "the remote mapper ends with its job" it_wait_gone 30 "$v6_pid"
else
    it_skip "--listen tcp://[::1]:PORT" "this host has no IPv6 loopback address (::1 on lo)"
fi

it_no_children "no mapper or reducer left"
it_no_runtime_dir "no runtime directory left"
it_done
