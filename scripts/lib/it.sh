# scripts/lib/it.sh - shared helpers for the end-to-end tests scripts/it_*.sh.
#
# Each it_*.sh sources this file, calls it_init, runs checks that print one
# line each ("ok - what" / "not ok - what"), and ends with it_done, whose exit
# status is 0 only when no check failed.  The runner (scripts/test) starts
# every script under a timeout (`timeout 300`, say) with:
#   MR_BIN       directory holding mr-run, mr-mapper and mr-reducer
#   MR_EXAMPLES  directory holding the example plugins (wordcount.so, ...)
# Both default to the build tree beside this scripts/ directory.
#
# Every script works in its own directory ($IT_WORK, removed at exit) and
# points TMPDIR inside it ($IT_WORK/tmp), so a runtime directory mr-run
# forgets to remove ($TMPDIR/mr-XXXXXX) is seen, and every mr-mapper and
# mr-reducer the script starts carries $IT_WORK in its command line (the
# ipc:// endpoints live under TMPDIR), which lets it_stray_children find
# them without touching other jobs on the machine.
#
# Sanitizer builds: every process a script starts writes its ASan, LSan and
# UBSan reports to files under $MR_SAN_DIR (scripts/test gives each script
# its own; $IT_WORK/san otherwise), never to the stderr a check reads, and
# it_done fails the script when any report is there.  A check that crashes
# a plugin on purpose runs it under it_crashing, so the crash stays a plain
# signal and is not taken for a sanitizer finding.
#
# No verdict rests on a fixed sleep: wait for what is observed (it_wait_for,
# it_wait_gone) with deadlines of tens of seconds.  Ports are chosen free at
# run time (it_free_port).
#
# Only bash, coreutils, awk, python3, procps (and cc, to build test plugins).

export LC_ALL=C

IT_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IT_ROOT=$(cd "$IT_SCRIPTS/.." && pwd)
MR_BIN=${MR_BIN:-$IT_ROOT/build/bin}
MR_EXAMPLES=${MR_EXAMPLES:-$IT_ROOT/build/examples}
MR_RUN=$MR_BIN/mr-run
IT_INCLUDE=$IT_ROOT/include

# The tally is a file, one letter per check (p, f, s), not shell counters:
# a check run in a pipeline or a $(...) is in a subshell, whose counters
# would be lost with it, and a failure there must still fail the script.
IT_TALLY=
IT_WORK=
IT_BG_PIDS=()

# it_init: makes $IT_WORK and $TMPDIR, and the trap that removes them.  The
# directory name stays short: mr-run refuses a TMPDIR whose socket paths
# would not fit in a Unix socket address (about 100 bytes).
it_init() {
    local base=${TMPDIR:-/tmp}
    # Runtime sockets live at $IT_WORK/tmp/mr-XXXXXX/NAME: keep room.
    [ ${#base} -le 40 ] || base=/tmp
    IT_WORK=$(mktemp -d "$base/it.XXXXXX") || { echo "not ok - mktemp -d in $base"; exit 1; }
    IT_TALLY=$IT_WORK/tally
    : >"$IT_TALLY"
    trap it_cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    export TMPDIR=$IT_WORK/tmp
    mkdir -p "$TMPDIR"
    MR_SAN_DIR=${MR_SAN_DIR:-$IT_WORK/san}
    mkdir -p "$MR_SAN_DIR"
    export MR_SAN_DIR
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$MR_SAN_DIR/asan"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$MR_SAN_DIR/ubsan"
    local name
    name=$(basename "$0" .sh)
    echo "# $name: MR_BIN=$MR_BIN MR_EXAMPLES=$MR_EXAMPLES work=$IT_WORK"
    if [ ! -x "$MR_RUN" ]; then
        it_not_ok "mr-run is executable at $MR_RUN"
        exit 1
    fi
}

# it_cleanup: kills what the script left running, then removes $IT_WORK.
it_cleanup() {
    local pid
    # Only a pid that still runs mr-run: an old one may have been reused.
    for pid in "${IT_BG_PIDS[@]}"; do
        [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = mr-run ] && kill -KILL "$pid" 2>/dev/null
    done
    for pid in $(it_stray_children); do
        kill -KILL "$pid" 2>/dev/null
    done
    if [ -n "$IT_WORK" ] && [ -d "$IT_WORK" ]; then
        chmod -R u+rwx "$IT_WORK" 2>/dev/null
        rm -rf "$IT_WORK"
    fi
}

it_ok() {
    echo p >>"$IT_TALLY"
    echo "ok - $1"
}

# it_not_ok DESCRIPTION [DETAIL...]: a failed check; details go to "#" lines.
it_not_ok() {
    echo f >>"$IT_TALLY"
    echo "not ok - $1"
    shift
    local line
    for line in "$@"; do
        printf '%s\n' "$line" | head -n 20 | sed 's/^/#   /'
    done
}

# it_skip DESCRIPTION REASON: a check that could not run, and the true
# reason why (TAP's directive; scripts/test counts and lists it as a skip).
it_skip() {
    echo s >>"$IT_TALLY"
    echo "ok - $1 # SKIP $2"
}

# it_check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
it_check() {
    local desc=$1
    shift
    if "$@"; then
        it_ok "$desc"
    else
        it_not_ok "$desc" "command failed: $*"
    fi
}

# it_same DESCRIPTION EXPECTED_FILE ACTUAL_FILE: byte-identical files.
it_same() {
    if [ ! -e "$3" ]; then
        it_not_ok "$1" "missing output file $3"
    elif cmp -s "$2" "$3"; then
        it_ok "$1"
    else
        it_not_ok "$1" "$(cmp "$2" "$3" 2>&1)" \
            "sizes: expected $(wc -c <"$2") bytes, got $(wc -c <"$3") bytes" \
            "$(diff "$2" "$3" 2>/dev/null | head -n 10)"
    fi
}

# it_equal DESCRIPTION EXPECTED ACTUAL: equal strings.
it_equal() {
    if [ "$2" = "$3" ]; then
        it_ok "$1"
    else
        it_not_ok "$1" "expected: $2" "actual:   $3"
    fi
}

# it_status_ok DESCRIPTION STATUS STDERR_FILE: STATUS is 0.
it_status_ok() {
    if [ "$2" -eq 0 ]; then
        it_ok "$1"
    else
        it_not_ok "$1" "exit status $2" "$(cat "$3" 2>/dev/null)"
    fi
}

# it_mentions DESCRIPTION FILE TEXT...: FILE contains every TEXT (fixed strings).
it_mentions() {
    local desc=$1 file=$2 text
    shift 2
    for text in "$@"; do
        if ! grep -qF -- "$text" "$file"; then
            it_not_ok "$desc" "'$text' not found in:" "$(cat "$file")"
            return
        fi
    done
    it_ok "$desc"
}

# it_runtime_dirs: prints the runtime and scratch directories mr-run left in
# $TMPDIR.
it_runtime_dirs() {
    local d
    for d in "$TMPDIR"/mr-*; do
        [ -e "$d" ] && echo "$d"
    done
}

# it_no_runtime_dir DESCRIPTION
it_no_runtime_dir() {
    local left
    left=$(it_runtime_dirs)
    if [ -z "$left" ]; then
        it_ok "$1"
    else
        it_not_ok "$1" "left behind: $left"
        rm -rf "$TMPDIR"/mr-*
    fi
}

# it_stray_children: pids of mr-mapper/mr-reducer processes started by this
# script (their ipc:// endpoints lie under $IT_WORK), zombies excluded.
it_stray_children() {
    [ -n "$IT_WORK" ] || return 0
    local pid
    for pid in $(pgrep -f "mr-(mapper|reducer) .*${IT_WORK//./\\.}/" 2>/dev/null); do
        it_alive "$pid" && echo "$pid"
    done
}

# it_no_children DESCRIPTION
it_no_children() {
    local left
    left=$(it_stray_children | tr '\n' ' ')
    if [ -z "$left" ]; then
        it_ok "$1"
    else
        local list=${left% }
        it_not_ok "$1" "still running: $left" "$(ps -o pid=,ppid=,stat=,args= -p "${list// /,}" 2>/dev/null)"
    fi
}

# it_alive PID: true while PID runs.  A zombie counts as gone: it has
# exited, and whether anyone reaps it (an orphan's new parent may be a
# container's init that never does) is not the engine's business.
it_alive() {
    local stat
    stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    case $stat in
    '' | Z*) return 1 ;;
    esac
    return 0
}

# it_wait_gone SECONDS PID...: true when every PID is gone within SECONDS
# (polled every tenth of a second); else $IT_STILL_ALIVE lists the rest.
it_wait_gone() {
    local tenths=$(($1 * 10)) pid i=0
    shift
    IT_STILL_ALIVE=
    while :; do
        IT_STILL_ALIVE=
        for pid in "$@"; do
            it_alive "$pid" && IT_STILL_ALIVE="$IT_STILL_ALIVE $pid"
        done
        [ -z "$IT_STILL_ALIVE" ] && return 0
        [ $i -ge $tenths ] && return 1
        i=$((i + 1))
        sleep 0.1
    done
}

# it_children PID: the pids whose parent is PID.
it_children() {
    ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

# it_children_named PID NAME: how many children of PID run NAME.
it_children_named() {
    # shellcheck disable=SC2009 # pgrep -P -x would do, but ps is what it_children uses
    ps -o comm= --ppid "$1" 2>/dev/null | grep -cx -- "$2"
}

# it_build_plugin NAME: compiles C source read from stdin into
# $IT_WORK/NAME.so against the engine's public header, as a check.
it_build_plugin() {
    local src=$IT_WORK/$1.c so=$IT_WORK/$1.so
    cat >"$src"
    if cc -shared -fPIC -O2 -Wall -I "$IT_INCLUDE" -o "$so" "$src" 2>"$IT_WORK/$1.cc.log"; then
        it_ok "compile test plugin $1.so"
    else
        it_not_ok "compile test plugin $1.so" "$(cat "$IT_WORK/$1.cc.log")"
        return 1
    fi
}

# it_gen_text SEED BYTES FILE [LONG]: writes about BYTES of seeded random
# text to FILE: words of ASCII letters in mixed case, glued to digits,
# punctuation (including the bytes just outside A-Z and a-z: @ [ ` {),
# UTF-8 and stray high bytes; empty lines, CRLF lines, tabs; with LONG=1 also
# some lines of several kilobytes.  The last line has no newline unless
# LONG=1, where it ends with one (callers that compare against a line
# filter need that).
it_gen_text() {
    python3 - "$@" <<'PY'
import random, sys
seed, size, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
long_lines = len(sys.argv) > 4 and sys.argv[4] == "1"
rnd = random.Random(seed)
lower = b"abcdefghijklmnopqrstuvwxyz"
glue = [b"", b"", b"", b"", b"1", b"42", b"2024", b"'", b"-", b"_", b"@", b"[", b"`", b"{",
        b"\xc3\xa9", b"\xe2\x80\x94", b"\xff", b"\x80", b".", b"/", b"0x"]
vocab = []
for i in range(30000):
    w = bytes(rnd.choice(lower) for _ in range(rnd.randint(1, 11)))
    r = rnd.random()
    if r < 0.15:
        w = w.capitalize()
    elif r < 0.2:
        w = w.upper()
    if rnd.random() < 0.25:
        w = w + rnd.choice(glue) + bytes(rnd.choice(lower) for _ in range(rnd.randint(1, 6)))
    if rnd.random() < 0.2:
        w = w + rnd.choice([b",", b".", b";", b":", b"!", b"?", b")", b"\"", b"7"])
    if rnd.random() < 0.05:
        w = rnd.choice([b"(", b"\"", b"#", b"9"]) + w
    vocab.append(w)
# Zipf-like weights: a few words are very common, most are rare.
weights = [1.0 / (i + 1) for i in range(len(vocab))]
words_needed = size // 6 + 1000
tokens = rnd.choices(vocab, weights=weights, k=words_needed)
out = []
total = 0
i = 0
while total < size:
    n = rnd.choice([0, 1, 3, 5, 8, 8, 10, 12, 12, 15, 20])
    if long_lines and rnd.random() < 0.002:
        n = rnd.randint(500, 1500)
    if i + n > len(tokens):
        tokens.extend(rnd.choices(vocab, weights=weights, k=n + 1000))
    sep = b"\t" if rnd.random() < 0.03 else b" "
    line = sep.join(tokens[i:i + n])
    i += n
    line += b"\r\n" if rnd.random() < 0.1 else b"\n"
    out.append(line)
    total += len(line)
data = b"".join(out)
if not long_lines:
    data = data.rstrip(b"\r\n") + b" trailing words without newline"
with open(path, "wb") as f:
    f.write(data)
PY
}

# it_crashing COMMAND...: runs COMMAND with the sanitizers' signal handlers
# off, for a check whose plugin crashes on purpose (SIGSEGV, abort): the
# crash must reach mr-run as the signal it is, not as a sanitizer report.
it_crashing() {
    ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0:handle_abort=0:handle_sigbus=0" "$@"
}

# it_sanitized: true when $MR_RUN was built with AddressSanitizer.
it_sanitized() {
    grep -q __asan_init "$MR_RUN"
}

# it_sanitizer_reports: prints the sanitizer reports written so far (the
# first lines of each); false when there is none.
it_sanitizer_reports() {
    local f found=1
    for f in "$MR_SAN_DIR"/*; do
        [ -s "$f" ] || continue
        grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error|SUMMARY: UndefinedBehaviorSanitizer' \
            "$f" || continue
        found=0
        echo "$(basename "$f"):"
        head -n 25 "$f"
    done
    return $found
}

# it_wait_for SECONDS COMMAND...: true as soon as COMMAND succeeds, polled
# every 50 ms; false when it has not within SECONDS.
it_wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.05
    done
}

# it_mapping_mapper PID FILE [RECORDS]: true when one of PID's mr-mapper
# children has FILE mapped, with VICTIM set to its pid.  A local mapper maps
# an input file when its first TASK comes (docs/architecture.md, "Input:
# who reads the bytes"), so it has said READY and is at work: killing it is
# a crash mid-job, never one before READY (which fails a job at once).
# With RECORDS, the mapper must also have slept that many times
# (voluntary context switches of its main thread): slowwc sleeps once per
# record, so it has mapped that many records, some chunks' worth, and
# delivered results.  Also true, with VICTIM empty, once PID has ended.
it_mapping_mapper() {
    VICTIM=
    it_alive "$1" || return 0
    local c switches
    for c in $(ps -o pid=,comm= --ppid "$1" 2>/dev/null | awk '$2 == "mr-mapper" {print $1}'); do
        grep -qF -- "$2" "/proc/$c/maps" 2>/dev/null || continue
        switches=$(awk '$1 == "voluntary_ctxt_switches:" {print $2}' "/proc/$c/status" 2>/dev/null)
        if [ "${switches:-0}" -ge "${3:-0}" ]; then
            VICTIM=$c
            return 0
        fi
    done
    return 1
}

# it_free_port: a TCP port that nothing listens on now, picked by the kernel.
it_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# it_count_words FILE: key<TAB>count lines, sorted bytewise, of the words in
# FILE as coreutils count them: the oracle for wordcount.so and slowwc.so,
# whose word is a maximal run of ASCII letters (`tr -cs A-Za-z` in the C
# locale).
it_count_words() {
    tr -cs A-Za-z '\n' <"$1" | grep -v '^$' | sort | uniq -c | awk '{print $2 "\t" $1}'
}

# it_done: checks the sanitizer reports, prints the tally; exits 1 when any
# check failed.
it_done() {
    local reports
    if reports=$(it_sanitizer_reports); then
        it_not_ok "no sanitizer report in any process" "$reports"
    fi
    local passed failed skipped
    passed=$(grep -c p "$IT_TALLY")
    failed=$(grep -c f "$IT_TALLY")
    skipped=$(grep -c s "$IT_TALLY")
    echo "# $(basename "$0" .sh): $passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ] || exit 1
    exit 0
}
