#!/usr/bin/env bash
# it_shutdown.sh - a child that ends badly after the job succeeded is not
# ignored (issue 15).  Mappers and the reducer are told to stop once the
# output is complete; one that then exits non-zero or dies (LeakSanitizer's
# exit 23 is the usual case, a crash in a plugin's fini another) is named in
# a warning, and a sanitizer build fails the job on it, so that a report from
# any process of the suite turns it red.
source "$(dirname "$0")/lib/it.sh"
it_init
W=$IT_WORK

# A copy plugin whose fini() ends the process with status 7, or raises
# SIGSEGV, when --arg says so: what a broken destructor does.
it_build_plugin badfini <<'EOF' || it_done
#include "mr.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int bf_init(const char *arg, void **state)
{
    *state = (void *)(arg ? arg : "");
    return 0;
}
static void bf_fini(void *state)
{
    if (strcmp(state, "exit7") == 0)
        _exit(7);
    if (strcmp(state, "segv") == 0)
        raise(SIGSEGV);
}
static int bf_map(void *state, mr_bytes_t r, mr_emitter_t *o)
{
    (void)state;
    return mr_emit_value(o, r.ptr, r.len);
}
const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION, .name = "badfini", .init = bf_init, .fini = bf_fini,
    .map = bf_map,
};
EOF
seq 1 20000 | sed 's/^/record /' >"$W/in.txt"

# What a sanitizer build must do differently: fail, leaving no output.
if it_sanitized; then
    want_status=1
    build="sanitizer build"
else
    want_status=0
    build="normal build"
fi

"$MR_RUN" -q -m "$W/badfini.so" --arg none -j 2 --ordered -o "$W/clean.out" "$W/in.txt" \
    2>"$W/clean.err"
it_status_ok "a plugin whose fini returns: the job succeeds" $? "$W/clean.err"
it_same "and its output is the input" "$W/in.txt" "$W/clean.out"
it_equal "and mr-run warns about nothing" "" "$(cat "$W/clean.err")"

for how in exit7 segv; do
    case $how in
    exit7) ended="exited with status 7" ;;
    segv) ended="was killed by signal 11 (Segmentation fault)" ;;
    esac
    it_crashing "$MR_RUN" -q -m "$W/badfini.so" --arg $how -j 2 --ordered -o "$W/$how.out" \
        "$W/in.txt" 2>"$W/$how.err"
    it_equal "fini $how: mr-run exits $want_status ($build)" "$want_status" $?
    it_mentions "fini $how: the warning names the mapper, its pid and how it ended" "$W/$how.err" \
        "warning: mapper " "$ended after the job succeeded"
    # A mapper still starting when the job ends gets SIGTERM, not STOP:
    # only the ones told to stop are held to exit 0, so count at least one.
    it_check "fini $how: every warning names a mapper id and pid" grep -qE \
        '^mr-run: warning: mapper [0-9]+ \(pid [0-9]+\) ' "$W/$how.err"
    if [ "$want_status" -eq 0 ]; then
        it_same "fini $how: the output stands in a normal build" "$W/in.txt" "$W/$how.out"
    else
        it_check "fini $how: no output in a sanitizer build" test ! -e "$W/$how.out"
        it_mentions "fini $how: the error says why" "$W/$how.err" "a sanitizer build fails the job"
    fi
done

# The reducer is held to the same rule: a reducer plugin that makes the
# process exit 7 at exit, after its DONE.
it_build_plugin badreduce <<'EOF' || it_done
#include "mr.h"
#include <stdlib.h>
#include <unistd.h>
/* At exit, as LeakSanitizer does: after the reducer has said DONE. */
static void br_exit7(void)
{
    _exit(7);
}
static void br_fini(void *state)
{
    (void)state;
    atexit(br_exit7);
}
static int br_map(void *state, mr_bytes_t r, mr_emitter_t *o)
{
    (void)state;
    return mr_emit(o, r.ptr, r.len, "1", 1);
}
static int br_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n,
                     mr_emitter_t *o)
{
    (void)state;
    (void)values;
    return mr_emit(o, key.ptr, key.len, n > 1 ? "many" : "one", n > 1 ? 4 : 3);
}
const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION, .name = "badreduce", .fini = br_fini, .map = br_map,
    .reduce = br_reduce,
};
EOF
# -R 1: the one reducer's name (it_reducers.sh names one of several).
"$MR_RUN" -q -m "$MR_EXAMPLES/upper.so" -r "$W/badreduce.so" -j 2 -R 1 --sort -o "$W/red.out" \
    "$W/in.txt" 2>"$W/red.err"
status=$?
it_mentions "a reducer whose fini exits 7 is named in a warning" "$W/red.err" \
    "warning: the reducer (pid " "exited with status 7 after the job succeeded"
it_equal "a reducer whose fini exits 7: mr-run exits $want_status ($build)" "$want_status" $status
# What a plugin forks dies with the job: a plugin whose init() forks a
# child that waits forever, in every mapper and in the reducer.  The child
# is a copy of mr-mapper or mr-reducer, so it_stray_children sees it by its
# command line (which names this test's runtime directory).
it_build_plugin forker <<'EOF' || it_done
#include "mr.h"
#include <unistd.h>
static int fk_init(const char *arg, void **state)
{
    (void)arg;
    *state = NULL;
    if (fork() == 0)
        for (;;)
            pause();
    return 0;
}
static int fk_map(void *state, mr_bytes_t r, mr_emitter_t *o)
{
    (void)state;
    return mr_emit(o, r.ptr, r.len, "1", 1);
}
static int fk_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n,
                     mr_emitter_t *o)
{
    (void)state;
    (void)values;
    return mr_emit(o, key.ptr, key.len, n > 1 ? "many" : "one", n > 1 ? 4 : 3);
}
const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION, .name = "forker", .init = fk_init, .map = fk_map,
    .reduce = fk_reduce,
};
EOF
"$MR_RUN" -q -m "$W/forker.so" -j 2 --sort -o "$W/fork.out" "$W/in.txt" 2>"$W/fork.err"
it_status_ok "a plugin that forks in init: the job succeeds" $? "$W/fork.err"
sed 's/$/\tone/' "$W/in.txt" | sort >"$W/fork.expected"
it_same "and its output is every record once" "$W/fork.expected" "$W/fork.out"
no_strays() { [ -z "$(it_stray_children)" ]; }
if it_wait_for 30 no_strays; then
    it_ok "what the plugin forked in the mappers and the reducer is gone with the job"
else
    it_not_ok "what the plugin forked in the mappers and the reducer is gone with the job" \
        "still running: $(it_stray_children | tr '\n' ' ')"
fi

# What a plugin prints never reaches the output: its constructor runs in
# mr-run's dlopen too, its init and reduce in the reducer whose stdout the
# output is.  Every line it prints must go to stderr.
it_build_plugin printer <<'EOF' || it_done
#include "mr.h"
#include <stdio.h>
__attribute__((constructor)) static void pr_ctor(void)
{
    printf("PRINTED by a constructor\n");
}
__attribute__((destructor)) static void pr_dtor(void)
{
    printf("PRINTED by a destructor\n");
}
static int pr_init(const char *arg, void **state)
{
    (void)arg;
    *state = NULL;
    printf("PRINTED by init\n");
    return 0;
}
static void pr_fini(void *state)
{
    (void)state;
    printf("PRINTED by fini\n");
}
static int pr_map(void *state, mr_bytes_t r, mr_emitter_t *o)
{
    (void)state;
    printf("PRINTED by map\n");
    return mr_emit(o, r.ptr, r.len, "1", 1);
}
static int pr_reduce(void *state, mr_bytes_t key, const mr_bytes_t *values, size_t n,
                     mr_emitter_t *o)
{
    (void)state;
    (void)values;
    printf("PRINTED by reduce\n");
    return mr_emit(o, key.ptr, key.len, n > 1 ? "many" : "one", n > 1 ? 4 : 3);
}
const mr_plugin_t mr_plugin = {
    .abi_version = MR_ABI_VERSION, .name = "printer", .init = pr_init, .fini = pr_fini,
    .map = pr_map, .reduce = pr_reduce,
};
EOF
"$MR_RUN" -q -m "$W/printer.so" -j 2 --sort "$W/in.txt" >"$W/print.out" 2>"$W/print.err"
it_status_ok "a plugin that prints everywhere, output to stdout: the job succeeds" $? "$W/print.err"
it_same "and stdout is the output alone, every record once" "$W/fork.expected" "$W/print.out"
it_mentions "what it printed went to stderr" "$W/print.err" "PRINTED by a constructor" \
    "PRINTED by init" "PRINTED by map" "PRINTED by reduce" "PRINTED by fini"

it_no_children "no mapper or reducer left"
it_no_runtime_dir "no runtime directory left"
it_done
