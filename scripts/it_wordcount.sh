#!/usr/bin/env bash
# it_wordcount.sh - key-grouped jobs end to end: wordcount.so over a ~30 MB
# seeded corpus must count exactly what a coreutils pipeline counts, whatever
# the number of mappers, the chunk size, and however the input arrives
# (files, -i, stdin, several files); --stats must describe the job.
#
# A word is a maximal run of ASCII letters (examples/wordcount.c), which is
# what `tr -cs A-Za-z '\n'` splits on in the C locale, so non-ASCII bytes,
# digits and punctuation separate words in both.
# shellcheck disable=SC2002 # `cat file |` is the point: stdin as a pipe
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/it.sh"
it_init

WC=$MR_EXAMPLES/wordcount.so
W=$IT_WORK
CORPUS=$W/corpus.txt

it_gen_text 20240601 30000000 "$CORPUS"
it_check "corpus generated (about 30 MB, last line without newline)" \
    test "$(wc -c <"$CORPUS")" -gt 29000000 -a "$(tail -c 1 "$CORPUS" | od -An -c | tr -d ' ')" != '\n'

tr -cs A-Za-z '\n' <"$CORPUS" | grep -v '^$' | sort | uniq -c | awk '{print $2"\t"$1}' >"$W/expected.tsv"
it_check "expected counts are not trivial (over 1000 distinct words)" \
    test "$(wc -l <"$W/expected.tsv")" -gt 1000

# run_wc NAME ARGS...: mr-run -m wordcount.so ARGS, stderr to $W/NAME.err;
# sets RC.
run_wc() {
    local name=$1
    shift
    "$MR_RUN" -q -m "$WC" "$@" 2>"$W/$name.err"
    RC=$?
}

for n in 1 2 4; do
    run_wc "sort$n" -j "$n" --sort -o "$W/sort$n.tsv" "$CORPUS"
    it_status_ok "-j $n --sort exits 0" "$RC" "$W/sort$n.err"
    it_same "-j $n --sort output equals the tr|sort|uniq -c counts" "$W/expected.tsv" "$W/sort$n.tsv"
done

run_wc unsorted -j 2 -o "$W/unsorted.tsv" "$CORPUS"
it_status_ok "without --sort exits 0" "$RC" "$W/unsorted.err"
sort "$W/unsorted.tsv" >"$W/unsorted.sorted.tsv" 2>/dev/null
it_same "without --sort, the sorted output equals the expected counts" \
    "$W/expected.tsv" "$W/unsorted.sorted.tsv"

cat "$CORPUS" | "$MR_RUN" -q -m "$WC" -j 2 --sort - >"$W/stdin.tsv" 2>"$W/stdin.err"
RC=$?
it_status_ok "input from stdin ('-') to stdout exits 0" "$RC" "$W/stdin.err"
it_same "input from stdin ('-') gives the expected counts" "$W/expected.tsv" "$W/stdin.tsv"

cat "$CORPUS" | "$MR_RUN" -q -m "$WC" -j 3 --chunk-size 64k --sort -o "$W/stdin64k.tsv" 2>"$W/stdin64k.err"
RC=$?
it_status_ok "stdin by default, --chunk-size 64k -j 3, exits 0" "$RC" "$W/stdin64k.err"
it_same "stdin by default with 64k chunks gives the expected counts" "$W/expected.tsv" "$W/stdin64k.tsv"

"$MR_RUN" -q -m "$WC" -j 2 --sort -o "$W/redirect.tsv" - <"$CORPUS" 2>"$W/redirect.err"
RC=$?
it_status_ok "stdin redirected from the corpus file exits 0" "$RC" "$W/redirect.err"
it_same "stdin redirected from the corpus file gives the expected counts" "$W/expected.tsv" "$W/redirect.tsv"

run_wc dash_i -j 2 --sort -i "$CORPUS" -o "$W/dash_i.tsv"
it_status_ok "input via -i exits 0" "$RC" "$W/dash_i.err"
it_same "input via -i gives the expected counts" "$W/expected.tsv" "$W/dash_i.tsv"

# Three parts cut at line ends: each word lies whole in one part, so the
# combined counts are the corpus's.
(cd "$W" && split -n l/3 corpus.txt part.)
it_check "corpus split into three parts" test -s "$W/part.aa" -a -s "$W/part.ab" -a -s "$W/part.ac"
run_wc multi -j 2 --sort -o "$W/multi.tsv" "$W/part.aa" "$W/part.ab" "$W/part.ac"
it_status_ok "three input files exit 0" "$RC" "$W/multi.err"
it_same "three input files give the combined counts" "$W/expected.tsv" "$W/multi.tsv"

"$MR_RUN" -q -m "$WC" -j 2 --sort -i "$W/part.aa" - -o "$W/mixed.tsv" "$W/part.ac" \
    <"$W/part.ab" 2>"$W/mixed.err"
RC=$?
it_status_ok "files mixed with stdin (-i a, -, c < b) exit 0" "$RC" "$W/mixed.err"
it_same "files mixed with stdin give the combined counts" "$W/expected.tsv" "$W/mixed.tsv"

# Second-order check: counting the corpus twice doubles every count.
awk -F'\t' '{print $1"\t"2*$2}' "$W/expected.tsv" >"$W/double.tsv"
run_wc twice -j 2 --sort -o "$W/twice.tsv" "$CORPUS" "$W/part.aa" "$W/part.ab" "$W/part.ac"
it_status_ok "the corpus plus its parts exits 0" "$RC" "$W/twice.err"
it_same "the corpus plus its parts doubles every count" "$W/double.tsv" "$W/twice.tsv"

run_wc stats -j 3 --chunk-size 256k --sort --stats "$W/stats.json" -o "$W/stats.tsv" "$CORPUS"
it_status_ok "--stats run exits 0" "$RC" "$W/stats.err"
it_same "--stats run output equals the expected counts" "$W/expected.tsv" "$W/stats.tsv"
size=$(wc -c <"$CORPUS")
# Records: every newline ends one, and the last line has none.
records=$(($(tr -dc '\n' <"$CORPUS" | wc -c) + 1))
outputs=$(wc -l <"$W/expected.tsv")
python3 - "$W/stats.json" "$size" "$records" "$outputs" 262144 >"$W/stats.check" 2>&1 <<'PY'
import json, sys
path, size, records, outputs, chunk = sys.argv[1], *map(int, sys.argv[2:])
try:
    st = json.load(open(path))
except Exception as e:
    print("not ok - --stats writes valid JSON")
    print("#   %s" % e)
    sys.exit(0)
print("ok - --stats writes valid JSON")
def check(desc, cond, detail):
    print(("ok - " if cond else "not ok - ") + desc)
    if not cond:
        print("#   " + detail)
def get(key):
    return st.get(key)
check("stats input_bytes equals the corpus size (%d)" % size,
      get("input_bytes") == size, "input_bytes = %r" % get("input_bytes"))
chunks = get("chunks")
check("stats chunks > 0", isinstance(chunks, int) and chunks > 0, "chunks = %r" % chunks)
check("stats chunks >= corpus size / chunk size",
      isinstance(chunks, int) and chunks * chunk >= size, "chunks = %r" % chunks)
mc = get("mapper_chunks")
ok = isinstance(mc, dict) and all(isinstance(v, int) for v in mc.values())
check("stats per-mapper chunk counts sum to chunks",
      ok and sum(mc.values()) == chunks, "mapper_chunks = %r, chunks = %r" % (mc, chunks))
check("stats counts at least the 3 mappers asked for",
      isinstance(mc, dict) and len(mc) >= 3, "mapper_chunks = %r" % (mc,))
check("stats records equals the corpus's line count (%d)" % records,
      get("records") == records, "records = %r" % get("records"))
check("stats output_records equals the number of distinct words (%d)" % outputs,
      get("output_records") == outputs, "output_records = %r" % get("output_records"))
check("stats mode is grouped and jobs is 3",
      get("mode") == "grouped" and get("jobs") == 3,
      "mode = %r, jobs = %r" % (get("mode"), get("jobs")))
PY
while IFS= read -r line; do
    case $line in
    "ok - "*) it_ok "${line#ok - }" ;;
    "not ok - "*) it_not_ok "${line#not ok - }" ;;
    *) echo "$line" ;;
    esac
done <"$W/stats.check"
grep -q '^ok - --stats writes valid JSON' "$W/stats.check" ||
    it_not_ok "--stats JSON checked by python3" "$(cat "$W/stats.check")"

# Guided chunk sizes (docs/architecture.md, "Decision: chunk sizes"): a
# combining job over a file without --chunk-size cuts large chunks where
# combining pays, and keeps 1 MiB ones where it does not.  Chunk counts
# from --stats; the outputs must not change.
# chunks_of NAME: the chunk count in $W/NAME.json.
chunks_of() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["chunks"])' "$W/$1.json"
}
run_wc guided -j 2 --sort --stats "$W/guided.json" -o "$W/guided.tsv" "$CORPUS"
it_status_ok "without --chunk-size (guided chunks) exits 0" "$RC" "$W/guided.err"
it_same "guided chunks give the expected counts" "$W/expected.tsv" "$W/guided.tsv"
it_check "guided chunks: fewer chunks than 1 MiB ones would be ($(chunks_of guided) < $((size >> 20)))" \
    test "$(chunks_of guided)" -lt $((size >> 20))
# Every word distinct: combining shrinks nothing, so chunks stay 1 MiB.
seq 1 1500000 | tr 0-9 a-j >"$W/distinct.txt"
dsize=$(wc -c <"$W/distinct.txt")
run_wc distinct -j 1 --stats "$W/distinct.json" -o "$W/distinct.tsv" "$W/distinct.txt"
it_status_ok "a job of distinct words exits 0" "$RC" "$W/distinct.err"
it_check "a job of distinct words outputs each once (1500000 lines of count 1)" \
    test "$(grep -c $'\t1$' "$W/distinct.tsv")" -eq 1500000
dmin=$(((dsize + (1 << 20) - 1) >> 20))
it_check "a job of distinct words keeps 1 MiB chunks ($(chunks_of distinct) >= $dmin)" \
    test "$(chunks_of distinct)" -ge "$dmin"

it_no_children "no mr-mapper or mr-reducer left running"
it_no_runtime_dir "no runtime directory left in TMPDIR"
it_done
