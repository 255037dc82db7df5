#!/usr/bin/env bash
# it_plugins.sh - the plugin contract of include/mr.h, end to end: a word
# count built as ABI version 1 plugins were (tests/plugins/abi1.c: its
# descriptor ends before combine_kind) runs under mr-run, with one mapper
# and several, and under mr-stream, and counts what coreutils counts.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

W=$IT_WORK
STREAM=$MR_BIN/mr-stream

it_build_plugin abi1 <"$IT_ROOT/tests/plugins/abi1.c" || it_done

# ---- a version-1 plugin ------------------------------------------------

it_gen_text 13 2000000 "$W/text.txt"
it_count_words "$W/text.txt" >"$W/expected.tsv"
for j in 1 3; do
    "$MR_RUN" -q -m "$W/abi1.so" -j $j --chunk-size 64k --sort -o "$W/abi1.$j.tsv" "$W/text.txt" \
        2>"$W/abi1.$j.err"
    it_status_ok "ABI 1 plugin, -j $j: exits 0" $? "$W/abi1.$j.err"
    it_same "ABI 1 plugin, -j $j: the counts of tr|sort|uniq -c" "$W/expected.tsv" "$W/abi1.$j.tsv"
done
(set -o pipefail && "$STREAM" map "$W/abi1.so" <"$W/text.txt" | LC_ALL=C sort |
    "$STREAM" reduce "$W/abi1.so" >"$W/abi1.stream.tsv") 2>"$W/abi1.stream.err"
it_status_ok "ABI 1 plugin under mr-stream map | sort | reduce: exits 0" $? "$W/abi1.stream.err"
sort "$W/abi1.stream.tsv" >"$W/abi1.stream.sorted.tsv"
it_same "ABI 1 plugin under mr-stream: the counts of tr|sort|uniq -c" "$W/expected.tsv" \
    "$W/abi1.stream.sorted.tsv"

it_no_children "no mr-mapper or mr-reducer left"
it_no_runtime_dir "no runtime directory left in TMPDIR"
it_done
