#!/usr/bin/env bash
# it_remote.sh - mappers on other hosts (issue 4), on three network stacks:
# the master in namespace A, remote mappers in B and C, joined by veth links
# (10.201.1.0/24 between A and B, 10.201.2.0/24 between A and C).  Without
# root (no namespaces), the same checks run on 127.0.0.x and say so.
#   - a job with local and remote mappers gives the local job's output, and
#     both kinds of mapper do part of the work (--stats mapper_hosts)
#   - a remote host's link goes down mid-job: the job still completes
#   - a mapper with an unknown key is refused, logged, and harmless
#   - a mapper with another build of the plugin is refused with a reason
#   - garbage sent to the listening port does not disturb the job
#   - -j 0 waits for remote mappers; --persist serves two jobs in a row
#   - a non-loopback --listen without keys is refused
source "$(dirname "$0")/lib/it.sh"
it_init
W=$IT_WORK
MAPPER=$MR_BIN/mr-mapper
KEYGEN=$MR_BIN/mr-keygen
NS=mr$$

# A word count that sleeps --arg microseconds per record, so jobs last long
# enough for remote mappers to join and for links to fail.
it_build_plugin slowwc <"$IT_SCRIPTS/lib/slowwc.c" || it_done
SLOW=$W/slowwc.so
cc -shared -fPIC -O2 -DVARIANT=1 -I "$IT_INCLUDE" -o "$W/other.so" "$W/slowwc.c"

# --- hosts -----------------------------------------------------------------
netns=0
# MR_TEST_NO_NETNS=1 forces the loopback fallback, to test it as root.
if [ "$(id -u)" -eq 0 ] && [ -z "${MR_TEST_NO_NETNS:-}" ] && ip netns add "${NS}A" 2>/dev/null; then
    netns=1
    ip netns add "${NS}B" && ip netns add "${NS}C" &&
        ip link add "${NS}ab" type veth peer name "${NS}ba" &&
        ip link add "${NS}ac" type veth peer name "${NS}ca" &&
        ip link set "${NS}ab" netns "${NS}A" && ip link set "${NS}ba" netns "${NS}B" &&
        ip link set "${NS}ac" netns "${NS}A" && ip link set "${NS}ca" netns "${NS}C" &&
        ip -n "${NS}A" addr add 10.201.1.1/24 dev "${NS}ab" &&
        ip -n "${NS}B" addr add 10.201.1.2/24 dev "${NS}ba" &&
        ip -n "${NS}A" addr add 10.201.2.1/24 dev "${NS}ac" &&
        ip -n "${NS}C" addr add 10.201.2.2/24 dev "${NS}ca" &&
        for h in A B C; do ip -n "${NS}$h" link set lo up; done &&
        ip -n "${NS}A" link set "${NS}ab" up && ip -n "${NS}A" link set "${NS}ac" up &&
        ip -n "${NS}B" link set "${NS}ba" up && ip -n "${NS}C" link set "${NS}ca" up
    netns_ok=$?
    cleanup_netns() { for h in A B C; do ip netns del "${NS}$h" 2>/dev/null; done; }
    trap 'it_cleanup; cleanup_netns' EXIT
    it_equal "three hosts made with ip netns and veth links" 0 $netns_ok
    on_a() { ip netns exec "${NS}A" "$@"; }
    on_b() { ip netns exec "${NS}B" "$@"; }
    on_c() { ip netns exec "${NS}C" "$@"; }
    LISTEN=tcp://0.0.0.0:7070
    FROM_B=tcp://10.201.1.1:7070
    FROM_C=tcp://10.201.2.1:7070
    link_down_b() { ip -n "${NS}B" link set "${NS}ba" down; }
    echo "# hosts: network namespaces ${NS}A (master), ${NS}B, ${NS}C"
else
    on_a() { "$@"; }
    on_b() { "$@"; }
    on_c() { "$@"; }
    LISTEN=tcp://127.0.0.1:7070
    FROM_B=$LISTEN
    FROM_C=$LISTEN
    link_down_b() { pkill -STOP -f "mr-mapper --connect $FROM_B .*--key $W/keys/b.key" ; }
    echo "# hosts: NOT separate: no network namespaces (not root, or MR_TEST_NO_NETNS set); running on 127.0.0.1"
    it_skip "three hosts made with ip netns" "not root: loopback instead"
fi

# --- keys ------------------------------------------------------------------
mkdir -p "$W/keys" "$W/other"
"$KEYGEN" "$W/keys/master" >/dev/null 2>&1 && "$KEYGEN" "$W/keys/b" >/dev/null 2>&1 &&
    "$KEYGEN" "$W/keys/c" >/dev/null 2>&1 && "$KEYGEN" "$W/other/rogue" >/dev/null 2>&1
it_check "mr-keygen writes key pairs" test -s "$W/keys/b.key" -a -s "$W/keys/b.pub"
it_equal "mr-keygen keeps the secret key private (mode 600)" 600 "$(stat -c %a "$W/keys/b.key")"
SECURE=(--listen "$LISTEN" --server-key "$W/keys/master.key" --authorized-keys "$W/keys")
client() { # KEYNAME: the client's key options
    echo --key "$W/$1.key" --server-pub "$W/keys/master.pub"
}

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

it_gen_text 11 2000000 "$W/text.txt" 1
"$MR_RUN" -q -m "$SLOW" --sort -o "$W/local.tsv" "$W/text.txt"

# --- 1. local and remote mappers share one job ------------------------------
on_a "$MR_RUN" -m "$SLOW" --arg 60 -j 1 --chunk-size 16k --sort --stats "$W/share.json" \
    -o "$W/share.tsv" "${SECURE[@]}" "$W/text.txt" 2>"$W/share.err" &
master=$!
sleep 0.3
# shellcheck disable=SC2046
on_b "$MAPPER" --connect "$FROM_B" -m "$SLOW" -j 2 $(client keys/b) 2>"$W/b.err" &
wb=$!
# shellcheck disable=SC2046
on_c "$MAPPER" --connect "$FROM_C" -m "$SLOW" $(client keys/c) 2>"$W/c.err" &
wc_=$!
IT_BG_PIDS+=("$master" "$wb" "$wc_")
wait $master
it_status_ok "a job with local and remote mappers succeeds" $? "$W/share.err"
it_same "its output equals the local job's" "$W/local.tsv" "$W/share.tsv"
remote=$(json "$W/share.json" 'sum(v for k, v in d["mapper_chunks"].items() if d["mapper_hosts"].get(k))')
local_=$(json "$W/share.json" 'sum(v for k, v in d["mapper_chunks"].items() if not d["mapper_hosts"].get(k))')
it_check "remote mappers merged chunks ($remote)" test "$remote" -gt 0
it_check "the local mapper merged chunks too ($local_)" test "$local_" -gt 0
it_mentions "the master names the hosts that joined" "$W/share.err" "remote mapper" "joined"
it_check "the remote mappers end when the job does" it_wait_gone 5 $wb $wc_

# --- 2. a remote host's link goes down mid-job ------------------------------
on_a "$MR_RUN" -m "$SLOW" --arg 60 -j 1 --chunk-size 16k --sort --heartbeat 1 \
    --stats "$W/down.json" -o "$W/down.tsv" "${SECURE[@]}" "$W/text.txt" 2>"$W/down.err" &
master=$!
sleep 0.3
# shellcheck disable=SC2046
on_b "$MAPPER" --connect "$FROM_B" -m "$SLOW" -j 2 $(client keys/b) 2>"$W/b2.err" &
wb=$!
IT_BG_PIDS+=("$master" "$wb")
for _ in $(seq 50); do grep -q "joined" "$W/down.err" && break; sleep 0.1; done
sleep 0.7
link_down_b
wait $master
it_status_ok "the job survives a remote host's link going down" $? "$W/down.err"
it_same "and its output is still the local job's" "$W/local.tsv" "$W/down.tsv"
it_mentions "the master declares the silent mappers dead and re-sends" "$W/down.err" \
    "declared dead" "re-sending"
it_check "--stats counts the lost remote mappers" \
    test "$(json "$W/down.json" 'd["mappers_lost"]')" -ge 1
kill -KILL $wb 2>/dev/null; wait $wb 2>/dev/null
pkill -KILL -f "mr-mapper --connect $FROM_B" 2>/dev/null
[ $netns -eq 1 ] && ip -n "${NS}B" link set "${NS}ba" up

# --- 3, 4, 5. an unknown key, another plugin build, garbage -----------------
on_a "$MR_RUN" -m "$SLOW" --arg 150 -j 1 --chunk-size 16k --sort -o "$W/hostile.tsv" \
    "${SECURE[@]}" "$W/text.txt" 2>"$W/hostile.err" &
master=$!
IT_BG_PIDS+=("$master")
sleep 0.3
# shellcheck disable=SC2046
on_c timeout 20 "$MAPPER" --connect "$FROM_C" -m "$SLOW" $(client other/rogue) 2>"$W/rogue.err"
it_equal "a mapper with an unknown key gets no work and gives up" 1 $?
it_mentions "the refused key is named on the mapper's side" "$W/rogue.err" "refused our key"
# shellcheck disable=SC2046
on_b "$MAPPER" --connect "$FROM_B" -m "$W/other.so" $(client keys/b) 2>"$W/other.err"
it_equal "a mapper with another build of the plugin is refused" 1 $?
it_mentions "the refused mapper says why" "$W/other.err" "refused us" "plugin differs"
on_b python3 - "${FROM_B#tcp://}" <<'PY'
import os, socket, sys
host, port = sys.argv[1].rsplit(":", 1)
for n in (1, 10, 64, 1000, 70000):
    s = socket.create_connection((host, int(port)), timeout=5)
    try:
        s.sendall(os.urandom(n))
    except OSError:
        pass
    s.close()
PY
it_equal "garbage can be thrown at the listening port" 0 $?
# shellcheck disable=SC2046
on_c "$MAPPER" --connect "$FROM_C" -m "$SLOW" $(client keys/c) 2>"$W/c3.err" &
IT_BG_PIDS+=($!)
wait $master
it_status_ok "the job is unaffected by the rogue, the wrong build and the garbage" $? "$W/hostile.err"
it_same "and its output is the local job's" "$W/local.tsv" "$W/hostile.tsv"
it_mentions "the master logs the unknown key with the peer's address" "$W/hostile.err" \
    "is not authorized" "$(cut -d= -f2 "$W/other/rogue.pub" | tr -d ' ' | tail -n 1)"
it_mentions "the master logs the refused build" "$W/hostile.err" "plugin differs"

# --- 6. -j 0 waits for remote mappers; --persist serves job after job ------
# shellcheck disable=SC2046
on_b "$MAPPER" --connect "$FROM_B" -m "$SLOW" -j 2 --persist $(client keys/b) 2>"$W/persist.err" &
persist=$!
IT_BG_PIDS+=("$persist")
for round in 1 2; do
    on_a timeout 120 "$MR_RUN" -m "$SLOW" -j 0 --sort -o "$W/zero$round.tsv" "${SECURE[@]}" \
        "$W/text.txt" 2>"$W/zero$round.err"
    it_status_ok "-j 0 job $round is done by a --persist remote mapper" $? "$W/zero$round.err"
    it_same "-j 0 job $round output is the local job's" "$W/local.tsv" "$W/zero$round.tsv"
done
it_mentions "-j 0 says it is waiting for remote mappers" "$W/zero1.err" "waiting for remote mappers"
it_check "the --persist mapper is still there for the next job" it_alive $persist
pids=$(pgrep -f "mr-mapper --connect $FROM_B .*--persist" | tr '\n' ' ')
kill -TERM $pids
# shellcheck disable=SC2086
it_check "the --persist mapper and its workers end on SIGTERM" it_wait_gone 3 $pids

# --- 6b. a remote map() that never returns: --task-timeout, then --max-attempts
printf 'line %d fine\n' $(seq 1 3000) >"$W/hang.txt"
sed -i 's/^line 1500 fine$/line 1500 BOOM/' "$W/hang.txt"
cp "$MR_EXAMPLES/crash.so" "$W/crash.so"
on_a timeout 60 "$MR_RUN" -m "$W/crash.so" --arg hang:BOOM -j 0 --ordered --chunk-size 4k \
    --task-timeout 1 --max-attempts 2 -o "$W/hang.out" "${SECURE[@]}" "$W/hang.txt" \
    2>"$W/hang.err" &
master=$!
IT_BG_PIDS+=("$master")
sleep 0.3
# shellcheck disable=SC2046
on_b "$MAPPER" --connect "$FROM_B" -m "$W/crash.so" -j 2 --persist $(client keys/b) \
    2>"$W/hangb.err" &
IT_BG_PIDS+=($!)
wait $master
it_equal "a remote map() stuck on one record fails the job after --max-attempts" 1 $?
it_mentions "the error names the chunk and the timeout" "$W/hang.err" \
    "answered nothing for longer than --task-timeout 1 s" "failed 2 attempts"
pkill -KILL -f "mr-mapper --connect $FROM_B .*crash.so" 2>/dev/null

# --- 7. no keys on a public address ----------------------------------------
"$MR_RUN" -m "$SLOW" --listen tcp://0.0.0.0:7071 -o "$W/x.tsv" "$W/text.txt" 2>"$W/nokeys.err"
it_equal "--listen on a public address without keys is refused" 2 $?
it_mentions "the refusal says what to do" "$W/nokeys.err" "--server-key" "--insecure"

it_no_children "no local mapper or reducer left"
it_done
