#!/usr/bin/env bash
# it_signals.sh - mr-run never leaves work behind.  A job interrupted by
# SIGINT, SIGTERM or SIGHUP stops every mr-mapper and mr-reducer it started,
# exits with 128 + the signal, writes no output file and removes its
# runtime directory; Ctrl-C (SIGINT to the whole process group) does the
# same.  When mr-run is killed outright (SIGKILL) its children end by
# themselves (PR_SET_PDEATHSIG).  A job that succeeds leaves no child
# process and no runtime directory either.
#
# The job is kept busy by a test plugin whose map sleeps 1 ms per record, on
# input that would take about a minute, and the signal is sent once both
# mappers are seen at work, so it always lands mid-job.  No verdict rests on
# a sleep: what the test waits for (a process gone, a job ended) it waits
# for with a deadline of tens of seconds, which only catches a hang (mr-run
# itself gives its children 1.5 s before SIGKILL).
# shellcheck disable=SC2010 # ls of a directory whose names this script chose
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

W=$IT_WORK
mkdir -p "$W/out"
it_build_plugin slow <<'EOF'
/* Copies each record after sleeping 1 ms: a job that runs long on little
 * input, with mappers always inside map() when a signal arrives. */
#include "mr.h"
#include <errno.h>
#include <time.h>
static int m(void *s, mr_bytes_t r, mr_emitter_t *o)
{
    (void)s;
    struct timespec ts = { 0, 1000000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return mr_emit_value(o, r.ptr, r.len);
}
const mr_plugin_t mr_plugin = { .abi_version = MR_ABI_VERSION, .name = "slow", .map = m };
EOF
SLOW=$W/slow.so
# records N FILE: "record 1" to "record N", one a line.
records() { (set -o pipefail && seq 1 "$1" | sed 's/^/record /' >"$2"); }
it_check "long input written: 100000 records (seq, sed)" records 100000 "$W/long.txt"
it_check "short input written: 2000 records, the successful job's oracle (seq, sed)" \
    records 2000 "$W/short.txt"
# /proc/PID/maps names the input by its real path.
LONG=$(cd "$W" && pwd -P)/long.txt
# Deadlines that only catch a hang.
GONE_S=30

# start_job NAME [MR-RUN ARGS...]: starts the slow job in the background
# with -o $W/out/NAME.out, sets PID, and waits for its mappers to be at
# work (wait_started).
start_job() {
    local name=$1
    shift
    "$MR_RUN" -q -m "$SLOW" -j 2 --chunk-size 16k "$@" -o "$W/out/$name.out" "$W/long.txt" \
        2>"$W/$name.err" &
    PID=$!
    IT_BG_PIDS+=("$PID")
    wait_started "$LONG"
}

# job_started [FILE]: true when job $PID runs two mappers and a reducer and,
# given FILE, both mappers have it mapped: a local mapper maps an input
# file when its first TASK comes (docs/architecture.md, "Input: who reads
# the bytes"), so they are at work.  Also true once $PID has ended.
job_started() {
    it_alive "$PID" || return 0
    [ "$(it_children_named "$PID" mr-reducer)" -ge 1 ] || return 1
    local c at_work=0
    for c in $(ps -o pid=,comm= --ppid "$PID" 2>/dev/null | awk '$2 == "mr-mapper" {print $1}'); do
        if [ -z "${1:-}" ] || grep -qF -- "$1" "/proc/$c/maps" 2>/dev/null; then
            at_work=$((at_work + 1))
        fi
    done
    [ $at_work -ge 2 ]
}

# wait_started [FILE]: waits (up to 60 s) until job $PID has started
# (job_started FILE); sets KIDS to mr-run's children.  Returns 1 if it ended
# or never got there.
wait_started() {
    KIDS=
    it_wait_for 60 job_started "$@" && it_alive "$PID" || return 1
    KIDS=$(it_children "$PID" | tr '\n' ' ')
}

# exit_status PID SECONDS: waits up to SECONDS for PID to exit and sets
# STATUS to its exit status, or kills it and sets STATUS to "hung".  (Not
# run in $(...): a subshell cannot wait for its parent's children.)
exit_status() {
    if it_wait_gone "$2" "$1"; then
        wait "$1"
        STATUS=$?
    else
        kill -KILL "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        STATUS=hung
    fi
}

# leftovers NAME: the output file and its temporary siblings, if any.
leftovers() {
    ls -A "$W/out" | grep -F -- "$1.out"
}

# interrupted SIG STATUS [GROUP]: a job gets SIG (the whole process group
# when GROUP is set, as Ctrl-C in a terminal does) and must clean up.
interrupted() {
    local sig=$1 want=$2 group=${3:-}
    local name=sig$sig${group:+_group}
    local what="SIG$sig to mr-run"
    [ -n "$group" ] && what="SIG$sig to mr-run's process group"
    [ -n "$group" ] && set -m
    start_job "$name"
    local started=$?
    [ -n "$group" ] && set +m
    if [ $started -ne 0 ]; then
        it_not_ok "$what: the job starts a reducer and 2 mappers, at work" "$(cat "$W/$name.err")"
        kill -KILL "$PID" 2>/dev/null
        wait "$PID" 2>/dev/null
        return
    fi
    it_ok "$what: the job starts a reducer and 2 mappers, at work ($KIDS)"
    local found expected
    found=$(it_stray_children | sort | tr '\n' ' ')
    # shellcheck disable=SC2086 # KIDS is a list of pids
    expected=$(printf '%s\n' $KIDS | sort | tr '\n' ' ')
    it_equal "$what: the test finds those children by their runtime path" "$expected" "$found"
    if [ -n "$group" ]; then
        kill -s "$sig" -- "-$PID"
    else
        kill -s "$sig" "$PID"
    fi
    # shellcheck disable=SC2086
    if it_wait_gone $GONE_S $KIDS; then
        it_ok "$what: every child is gone (no hang: waited up to $GONE_S s)"
    else
        it_not_ok "$what: every child is gone (no hang: waited up to $GONE_S s)" \
            "still running:$IT_STILL_ALIVE"
    fi
    exit_status "$PID" $GONE_S
    it_equal "$what: mr-run exits with status $want" "$want" "$STATUS"
    it_equal "$what: no output file (nor its temporary) at -o" "" "$(leftovers "$name")"
    it_no_children "$what: no mr-mapper or mr-reducer left at all"
    it_no_runtime_dir "$what: no runtime directory left in TMPDIR"
}

interrupted INT 130
interrupted TERM 143
interrupted HUP 129
interrupted INT 130 group

# SIGINT while mr-run waits for input: stdin is a pipe whose writer stays
# open and silent (like `tail -f log | mr-run ...`).  The signal must not
# wait for the next byte of input.  The FIFO's writer is fd 3 of this shell;
# closing it afterwards ends the input, so a mr-run stuck in read() exits.
mkfifo "$W/fifo"
exec 3<>"$W/fifo"
"$MR_RUN" -q -m "$MR_EXAMPLES/upper.so" -j 2 -o "$W/out/idle.out" <"$W/fifo" 2>"$W/idle.err" 3>&- &
PID=$!
IT_BG_PIDS+=("$PID")
what="SIGINT to mr-run waiting on an idle stdin"
if wait_started; then
    it_ok "$what: the job starts 2 mappers and a reducer ($KIDS)"
    kill -INT "$PID"
    # shellcheck disable=SC2086
    if it_wait_gone $GONE_S $KIDS; then
        it_ok "$what: every child is gone (no hang: waited up to $GONE_S s)"
    else
        it_not_ok "$what: every child is gone (no hang: waited up to $GONE_S s)" \
            "still running:$IT_STILL_ALIVE"
    fi
    if it_wait_gone $GONE_S "$PID"; then
        it_ok "$what: mr-run exits before its input ends (waited up to $GONE_S s)"
    else
        it_not_ok "$what: mr-run exits before its input ends (waited up to $GONE_S s)" \
            "still running: $PID"
    fi
    exec 3>&-
    exit_status "$PID" $GONE_S
    it_equal "$what: mr-run exits with status 130" 130 "$STATUS"
    it_equal "$what: no output file (nor its temporary) at -o" "" "$(leftovers idle)"
    it_no_children "$what: no mr-mapper or mr-reducer left at all"
    it_no_runtime_dir "$what: no runtime directory left in TMPDIR"
else
    exec 3>&-
    it_not_ok "$what: the job starts 2 mappers and a reducer" "$(cat "$W/idle.err")"
fi

# SIGINT during start-up: mappers that run but never say READY, each with a
# child of its own (what a --map-cmd or a plugin's fork would be).  mr-run
# sits beside an mr-mapper that is a script: it records its pid and its
# child's, then waits forever.  Every one of them must be gone with mr-run.
mkdir -p "$W/bin_noready" "$W/noready"
cp -p "$MR_BIN/mr-run" "$MR_BIN/mr-reducer" "$W/bin_noready/"
cat >"$W/bin_noready/mr-mapper" <<EOF
#!/bin/sh
sleep 3600 &
echo "\$\$ \$!" >"$W/noready/\$\$.tmp" && mv "$W/noready/\$\$.tmp" "$W/noready/\$\$"
wait
EOF
chmod 755 "$W/bin_noready/mr-mapper"
"$W/bin_noready/mr-run" -q -m "$MR_EXAMPLES/upper.so" -j 3 -o "$W/out/noready.out" \
    "$W/bin_noready/mr-run" 2>"$W/noready.err" &
PID=$!
IT_BG_PIDS+=("$PID")
what="SIGINT to mr-run while its mappers start"
noready_all() { [ "$(ls "$W/noready" | grep -cv tmp)" -eq 3 ]; }
if it_wait_for 30 noready_all; then
    # shellcheck disable=SC2046 # pids
    set -- $(cat "$W"/noready/[0-9]*)
    it_ok "$what: 3 mappers run, none READY, each with a child ($*)"
    kill -INT "$PID"
    if it_wait_gone $GONE_S "$@"; then
        it_ok "$what: every mapper and its child are gone (waited up to $GONE_S s)"
    else
        it_not_ok "$what: every mapper and its child are gone (waited up to $GONE_S s)" \
            "still running:$IT_STILL_ALIVE"
        kill -KILL "$@" 2>/dev/null
    fi
    exit_status "$PID" $GONE_S
    it_equal "$what: mr-run exits with status 130" 130 "$STATUS"
    it_equal "$what: no output file (nor its temporary) at -o" "" "$(leftovers noready)"
    it_no_runtime_dir "$what: no runtime directory left in TMPDIR"
else
    it_not_ok "$what: 3 mappers start" "$(cat "$W/noready.err")"
    kill -KILL "$PID" 2>/dev/null
fi

# SIGKILL: mr-run cannot clean up, but its children must not outlive it.
if start_job sigkill; then
    it_ok "SIGKILL to mr-run: the job starts a reducer and 2 mappers, at work ($KIDS)"
    kill -KILL "$PID"
    wait "$PID" 2>/dev/null
    # shellcheck disable=SC2086
    if it_wait_gone $GONE_S $KIDS; then
        it_ok "SIGKILL to mr-run: every child exits by itself (no hang: waited up to $GONE_S s)"
    else
        it_not_ok "SIGKILL to mr-run: every child exits by itself (no hang: waited up to $GONE_S s)" \
            "still running:$IT_STILL_ALIVE"
    fi
    it_no_children "SIGKILL to mr-run: no mr-mapper or mr-reducer left at all"
else
    it_not_ok "SIGKILL to mr-run: the job starts a reducer and 2 mappers, at work" \
        "$(cat "$W/sigkill.err")"
fi
# What a killed mr-run cannot remove; the checks below start clean.
rm -rf "$TMPDIR"/mr-* "$W/out"/.sigkill.out.* "$W/out"/sigkill.out

# A job that succeeds: its children, seen while it runs, are gone (reaped,
# not left to init) the moment mr-run returns.
"$MR_RUN" -q -m "$SLOW" -j 2 --chunk-size 1k -o "$W/out/ok.out" "$W/short.txt" 2>"$W/ok.err" &
PID=$!
IT_BG_PIDS+=("$PID")
seen=
while it_alive "$PID"; do
    for k in $(it_children "$PID"); do
        case " $seen " in *" $k "*) ;; *) seen="$seen $k" ;; esac
    done
    sleep 0.05
done
wait "$PID"
rc=$?
it_status_ok "a successful job exits 0" "$rc" "$W/ok.err"
it_same "a successful job writes its output" "$W/short.txt" "$W/out/ok.out"
it_check "a successful job was seen running children ($seen)" test -n "$seen"
# shellcheck disable=SC2086
if [ -n "$seen" ] && ! it_wait_gone 0 $seen; then
    it_not_ok "a successful job leaves no child process" "still running:$IT_STILL_ALIVE"
else
    it_ok "a successful job leaves no child process"
fi
it_no_children "a successful job: no mr-mapper or mr-reducer left at all"
it_no_runtime_dir "a successful job: no runtime directory left in TMPDIR"
it_equal "a successful job: nothing but the output in its directory" "ok.out" \
    "$(ls -A "$W/out" | grep -F ok.out | tr '\n' ' ' | sed 's/ $//')"
it_done
