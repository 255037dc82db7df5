#!/usr/bin/env bash
# it_streaming.sh - programs written for Hadoop Streaming run unchanged under
# mr-run --map-cmd/--reduce-cmd (issue 12): compressed (.gz, .bz2, .xz) and
# directory inputs, the task environment (mapreduce_map_input_file and the rest,
# --cmdenv), reporter:counter and reporter:status lines, the empty key's TAB,
# and Hadoop's single-dash options pointed to mr-streaming.  Each answer is
# compared with `cat input | map | LC_ALL=C sort | reduce` or a known one.
source "$(dirname "$0")/lib/it.sh"
it_init
W=$IT_WORK

# The programs, as a Hadoop Streaming tutorial writes them.
cat >"$W/wc_map.py" <<'PY'
#!/usr/bin/env python3
import sys
for line in sys.stdin:
    for word in line.strip().split():
        print("%s\t%d" % (word, 1))
PY
cat >"$W/wc_reduce.py" <<'PY'
#!/usr/bin/env python3
import sys
current, count = None, 0
for line in sys.stdin:
    word, n = line.rstrip("\n").split("\t", 1)
    if word == current:
        count += int(n)
    else:
        if current is not None:
            print("%s\t%d" % (current, count))
        current, count = word, int(n)
if current is not None:
    print("%s\t%d" % (current, count))
PY
cat >"$W/wc_map.awk" <<'AWK'
{ for (i = 1; i <= NF; i++) print $i "\t" 1 }
AWK
cat >"$W/wc_reduce.awk" <<'AWK'
BEGIN { FS = "\t" }
$1 != k { if (NR > 1) print k "\t" n; k = $1; n = 0 }
{ n += $2 }
END { if (NR) print k "\t" n }
AWK
chmod +x "$W/wc_map.py" "$W/wc_reduce.py"
export PYTHONIOENCODING=latin-1 # the text holds stray high bytes

# pipeline MAP REDUCE FILE...: Hadoop's answer on one machine.
pipeline() {
    local map=$1 reduce=$2
    shift 2
    cat "$@" | sh -c "$map" | LC_ALL=C sort | sh -c "$reduce"
}

it_gen_text 12 2000000 "$W/a.txt" 1
it_gen_text 13 1500000 "$W/b.txt" 1

## 1. Compressed input.
gzip -c "$W/a.txt" >"$W/a.txt.gz"
pipeline "$W/wc_map.py" "$W/wc_reduce.py" "$W/a.txt" >"$W/wc.expected"
"$MR_RUN" --map-cmd "$W/wc_map.py" --reduce-cmd "$W/wc_reduce.py" -j 3 --chunk-size 128k \
    -o "$W/gz.out" "$W/a.txt.gz" 2>"$W/gz.err"
it_status_ok "a .gz input runs (python word count, 128k chunks)" $? "$W/gz.err"
it_same "a .gz input is decompressed: the answer of zcat | map | sort | reduce" \
    "$W/wc.expected" "$W/gz.out"

# Several members (cat a.gz b.gz), cut into chunks that straddle them.
head -c 700000 "$W/a.txt" | gzip -c >"$W/multi.gz"
tail -c +700001 "$W/a.txt" | gzip -1 -c >>"$W/multi.gz"
"$MR_RUN" --map-cmd "awk -f $W/wc_map.awk" --reduce-cmd "awk -f $W/wc_reduce.awk" -j 2 \
    --chunk-size 100k -o "$W/multi.out" "$W/multi.gz" 2>"$W/multi.err"
it_status_ok "a multi-member .gz runs (awk word count)" $? "$W/multi.err"
pipeline "awk -f $W/wc_map.awk" "awk -f $W/wc_reduce.awk" "$W/a.txt" >"$W/multi.expected"
it_same "every member is read: the answer of the uncompressed file" "$W/multi.expected" \
    "$W/multi.out"

# bzip2 and xz, two streams each, as pbzip2 and xz -T write them.
for fmt in bzip2:bz2 xz:xz; do
    tool=${fmt%%:*} ext=${fmt##*:}
    if ! command -v "$tool" >/dev/null; then
        it_skip "a .$ext input is decompressed" "no $tool command to make one"
        continue
    fi
    head -n 9000 "$W/a.txt" | "$tool" -c >"$W/multi.$ext"
    tail -n +9001 "$W/a.txt" | "$tool" -c >>"$W/multi.$ext"
    "$MR_RUN" --map-cmd "$W/wc_map.py" --reduce-cmd "$W/wc_reduce.py" -j 2 --chunk-size 128k \
        -o "$W/$ext.out" "$W/multi.$ext" 2>"$W/$ext.err"
    it_status_ok "a two-stream .$ext input runs" $? "$W/$ext.err"
    it_same "and is decompressed whole: the pipeline's answer" "$W/wc.expected" "$W/$ext.out"
done
head -c 5000 "$W/multi.xz" >"$W/cut.xz"
"$MR_RUN" --map-cmd cat --ordered -o "$W/cutxz.out" "$W/cut.xz" 2>"$W/cutxz.err"
it_equal "a truncated .xz fails the job with status 1" 1 $?
it_mentions "naming the file" "$W/cutxz.err" "input $W/cut.xz: truncated xz data"

# A map-only (ordered) job keeps the records in order across chunks.
"$MR_RUN" --map-cmd "cat" --ordered -j 3 --chunk-size 64k -o "$W/cat.out" "$W/multi.gz" \
    "$W/b.txt" 2>"$W/cat.err"
it_status_ok "--map-cmd cat over a .gz and a plain file runs" $? "$W/cat.err"
cat "$W/a.txt" "$W/b.txt" >"$W/cat.expected"
it_same "the records come out whole and in order" "$W/cat.expected" "$W/cat.out"

# Corrupt and truncated files fail the job, naming the file and an offset.
size=$(wc -c <"$W/a.txt.gz")
cp "$W/a.txt.gz" "$W/corrupt.gz"
printf '\377\377\377\377' | dd of="$W/corrupt.gz" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$MR_RUN" --map-cmd cat --ordered -j 2 -o "$W/corrupt.out" "$W/corrupt.gz" 2>"$W/corrupt.err"
it_equal "a corrupt .gz fails the job with status 1" 1 $?
it_mentions "naming the file and the compressed byte offset" "$W/corrupt.err" \
    "input $W/corrupt.gz: corrupt gzip data at compressed byte offset"
it_check "and leaving no output" test ! -e "$W/corrupt.out"
head -c $((size - 100)) "$W/a.txt.gz" >"$W/cut.gz"
"$MR_RUN" --map-cmd cat --ordered -j 2 -o "$W/cut.out" "$W/cut.gz" 2>"$W/cut.err"
it_equal "a truncated .gz fails the job with status 1" 1 $?
it_mentions "naming the file and where it ends" "$W/cut.err" \
    "input $W/cut.gz: truncated gzip data: the file ends at compressed byte offset $((size - 100))"

## 2. Directory inputs and file lists.
# A directory as Hadoop leaves one: part files, _SUCCESS, a .crc, a _logs
# directory, a subdirectory; plus a compressed part.
mkdir -p "$W/in/_logs" "$W/in/sub"
head -n 8000 "$W/b.txt" >"$W/in/part-00001"
tail -n +8001 "$W/b.txt" >"$W/in/part-00000"
gzip -c "$W/a.txt" >"$W/in/part-00002.gz"
echo "not input" >"$W/in/_SUCCESS"
echo "not input" >"$W/in/.part-00000.crc"
echo "not input" >"$W/in/_logs/history"
echo "not input" >"$W/in/sub/deeper"
cat "$W/in/part-00000" "$W/in/part-00001" "$W/a.txt" >"$W/dir.all"
"$MR_RUN" --map-cmd cat --ordered -j 3 --chunk-size 64k -o "$W/dir.cat" "$W/in" 2>"$W/dir.err"
it_status_ok "a directory input runs" $? "$W/dir.err"
it_same "its visible files are read in name order (part-00000, 00001, 00002.gz)" "$W/dir.all" \
    "$W/dir.cat"
it_mentions "the subdirectory left out is named in a warning" "$W/dir.err" \
    "not read recursively: 1 subdirectory left out, such as $W/in/sub"
"$MR_RUN" --map-cmd "$W/wc_map.py" --reduce-cmd "$W/wc_reduce.py" -j 2 --chunk-size 256k \
    -o "$W/dir.out" "$W/in/" 2>"$W/dir2.err"
it_status_ok "a python word count over the directory runs" $? "$W/dir2.err"
pipeline "$W/wc_map.py" "$W/wc_reduce.py" "$W/dir.all" >"$W/dir.expected"
it_same "and gives the pipeline's answer over its files" "$W/dir.expected" "$W/dir.out"

# Names are literal (the shell globs, mr does not), in the order given.
cp "$W/in/part-00001" "$W/star*[1].txt"
mkdir -p "$W/empty"
"$MR_RUN" --map-cmd cat --ordered -j 2 -o "$W/list.out" "$W/star*[1].txt" "$W/empty" \
    "$W/in/part-00000" 2>"$W/list.err"
it_status_ok "a file list (a name with glob characters, an empty directory) runs" $? \
    "$W/list.err"
cat "$W/in/part-00001" "$W/in/part-00000" >"$W/list.expected"
it_same "each name is read as written, in the order given" "$W/list.expected" "$W/list.out"
"$MR_RUN" --map-cmd cat --ordered -o "$W/none.out" "$W/empty" </dev/null 2>"$W/none.err"
it_status_ok "an empty directory alone is an empty job (not stdin)" $? "$W/none.err"
it_check "with an empty output" test -e "$W/none.out" -a ! -s "$W/none.out"
# An output inside the input directory is still refused as one of its files.
cp "$W/in/part-00000" "$W/in/out"
"$MR_RUN" --map-cmd cat --ordered -o "$W/in/out" "$W/in" 2>"$W/self.err"
it_equal "an -o that is a file of an input directory is refused (status 2)" 2 $?
it_mentions "naming both" "$W/self.err" "-o $W/in/out and -i $W/in/out are the same file"
rm -f "$W/in/out"

## 3. The task environment.
# An inverted index as tutorials write it: the posting is the input file's
# name, read from mapreduce_map_input_file (or map_input_file, the old name).
cat >"$W/ii_map.py" <<'PY'
#!/usr/bin/env python3
import os, sys
path = os.environ.get("mapreduce_map_input_file", os.environ["map_input_file"])
name = os.path.basename(path)
for line in sys.stdin:
    for word in line.split():
        print("%s\t%s" % (word, name))
PY
cat >"$W/ii_reduce.py" <<'PY'
#!/usr/bin/env python3
import sys
cur, files = None, set()
def out():
    if cur is not None:
        print("%s\t%s" % (cur, ",".join(sorted(files))))
for line in sys.stdin:
    word, name = line.rstrip("\n").split("\t", 1)
    if word != cur:
        out()
        cur, files = word, set()
    files.add(name)
out()
PY
chmod +x "$W/ii_map.py" "$W/ii_reduce.py"
mkdir -p "$W/docs"
for i in 1 2 3 4; do
    it_gen_text $((40 + i)) 300000 "$W/docs/doc$i.txt" 1
done
gzip -c "$W/docs/doc4.txt" >"$W/docs/doc5.txt.gz"
"$MR_RUN" --map-cmd "$W/ii_map.py" --reduce-cmd "$W/ii_reduce.py" -j 3 --chunk-size 64k \
    -o "$W/ii.out" "$W/docs" 2>"$W/ii.err"
it_status_ok "an inverted index (python, mapreduce_map_input_file) runs over a directory" $? \
    "$W/ii.err"
# The known answer: each file mapped with its own name, as Hadoop would.
for f in "$W"/docs/doc[1-4].txt; do
    map_input_file=$f "$W/ii_map.py" <"$f"
done >"$W/ii.pairs"
map_input_file=$W/docs/doc5.txt.gz "$W/ii_map.py" <"$W/docs/doc4.txt" >>"$W/ii.pairs"
LC_ALL=C sort "$W/ii.pairs" | "$W/ii_reduce.py" >"$W/ii.expected"
it_same "every posting names the file its word came from (doc5.txt.gz too)" "$W/ii.expected" \
    "$W/ii.out"
it_check "no posting says unknown_file or -" sh -c "! grep -qE '\\t(unknown_file|-)\$' '$W/ii.out'"

# A reduce-side join in awk: the input file tags each record, and the tags
# sort the user (0) before its orders (1), as the reducer needs: its lines
# come in LC_ALL=C sort order, values included, as through
# `map | LC_ALL=C sort | reduce`.
printf '1\tada\n2\tgrace\n3\tbarbara\n' >"$W/users.tsv"
printf '1\tbook\n3\tlamp\n1\tpen\n4\tcup\n' >"$W/orders.tsv"
cat >"$W/join_map.sh" <<'SH'
#!/bin/sh
case "$map_input_file" in
*users*) awk -F'\t' '{print $1 "\t0\t" $2}' ;;
*) awk -F'\t' '{print $1 "\t1\t" $2}' ;;
esac
SH
cat >"$W/join_reduce.awk" <<'AWK'
BEGIN { FS = "\t" }
$1 != id { id = $1; name = "" }
$2 == "0" { name = $3 }
$2 == "1" && name != "" { print name "\t" $3 }
AWK
chmod +x "$W/join_map.sh"
"$MR_RUN" --map-cmd "$W/join_map.sh" --reduce-cmd "awk -f $W/join_reduce.awk" -j 2 \
    -o "$W/join.out" "$W/users.tsv" "$W/orders.tsv" 2>"$W/join.err"
it_status_ok "a reduce-side join (sh + awk, map_input_file) runs" $? "$W/join.err"
printf 'ada\tbook\nada\tpen\nbarbara\tlamp\n' >"$W/join.expected"
it_same "it joins users to their orders" "$W/join.expected" "$W/join.out"

# start and length are each chunk's bytes: the chunks tile the file.
"$MR_RUN" --map-cmd 'echo "$mapreduce_map_input_start $mapreduce_map_input_length $mapreduce_task_partition $mapreduce_task_id $mapreduce_task_attempt_id $mapreduce_job_id"; cat >/dev/null' \
    --ordered -j 3 --chunk-size 64k -o "$W/splits.out" "$W/a.txt" 2>"$W/splits.err"
it_status_ok "a command printing its split runs" $? "$W/splits.err"
it_check "the splits tile the file: each starts where the last ended, and they add up" \
    awk -v size="$(wc -c <"$W/a.txt")" '$1 != at { exit 1 } { at += $2 } END { exit at != size }' \
    "$W/splits.out"
it_check "mapreduce_task_partition counts the chunks from 0" \
    awk '$3 != NR - 1 { exit 1 }' "$W/splits.out"
it_check "task and attempt ids have Hadoop's form and the job's id" \
    awk '{ j = substr($6, 5); t = sprintf("task_%s_m_%06d", j, $3); a = t
           sub(/^task_/, "attempt_", a)
           if ($6 !~ /^job_[0-9]+_[0-9][0-9][0-9][0-9]$/ || $4 != t || $5 != a "_0") exit 1 }' \
    "$W/splits.out"
it_check "every task has the same job id" test "$(awk '{print $6}' "$W/splits.out" | sort -u | wc -l)" -eq 1

# The reduce command is task r_000000; --cmdenv reaches both commands.
"$MR_RUN" --map-cmd 'echo "$GREETING $mapreduce_task_ismap"; cat >/dev/null' \
    --reduce-cmd 'sort -u; echo "$GREETING $mapreduce_task_id $mapreduce_task_partition $mapred_task_is_map"' \
    --cmdenv GREETING=hello --cmdenv 'EMPTY=' -j 2 --chunk-size 64k -o "$W/env.out" "$W/a.txt" \
    2>"$W/env.err"
it_status_ok "--cmdenv runs" $? "$W/env.err"
it_check "--cmdenv's variable reaches the map commands" grep -qx "hello true	" "$W/env.out"
it_check "and the reduce command, task r_000000 of partition 0" \
    grep -qE '^hello task_[0-9]+_[0-9]{4}_r_000000 0 false$' "$W/env.out"
"$MR_RUN" --map-cmd cat --cmdenv '2BAD=x' "$W/a.txt" 2>"$W/cmdenv.err" >/dev/null
it_equal "a --cmdenv name that is not a variable name is refused (status 2)" 2 $?
it_mentions "naming it" "$W/cmdenv.err" "--cmdenv '2BAD=x': a variable name cannot start with a digit"

## 4. Counters and status.
cat >"$W/cnt_map.py" <<'PY'
#!/usr/bin/env python3
import os, sys
lines = words = 0
for line in sys.stdin:
    lines += 1
    for word in line.split():
        words += 1
        print("%s\t1" % word)
    sys.stderr.write("reporter:counter:WordCount,Words,%d\n" % len(line.split()))
sys.stderr.write("reporter:counter:WordCount,Lines,%d\n" % lines)
sys.stderr.write("reporter:status:mapped %d lines\n" % lines)
sys.stderr.write("an ordinary message\n")
# A failing first attempt (when asked) reports its counters, then dies:
# they must not count.
if os.environ.get("FAIL_FIRST") and os.environ["mapreduce_task_attempt_id"].endswith("_0"):
    sys.stdout.flush()
    sys.exit(3)
PY
cat >"$W/cnt_reduce.sh" <<'SH'
#!/bin/sh
awk -F'\t' '$1 != k { if (NR > 1) print k "\t" n; k = $1; n = 0; keys++ } { n += $2 }
    END { if (NR) print k "\t" n; print "reporter:counter:Reduce,Keys," keys > "/dev/stderr" }'
SH
chmod +x "$W/cnt_map.py" "$W/cnt_reduce.sh"
words=$(wc -w <"$W/a.txt")
lines=$(wc -l <"$W/a.txt")
keys=$(tr -s ' \t\r\n\f\v' '\n\n\n\n\n\n' <"$W/a.txt" | grep -v '^$' | LC_ALL=C sort -u | wc -l)
"$MR_RUN" --map-cmd "$W/cnt_map.py" --reduce-cmd "$W/cnt_reduce.sh" -j 3 --chunk-size 128k \
    --stats "$W/cnt.json" -o "$W/cnt.out" "$W/a.txt" 2>"$W/cnt.err"
it_status_ok "a word count reporting counters runs" $? "$W/cnt.err"
it_same "its answer is the pipeline's" "$W/wc.expected" "$W/cnt.out"
json_counter() { # FILE GROUP NAME
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counters"][sys.argv[2]][sys.argv[3]])' "$@"
}
it_equal "the map counters sum over every chunk (Words = wc -w)" "$words" \
    "$(json_counter "$W/cnt.json" WordCount Words)"
it_equal "Lines = wc -l" "$lines" "$(json_counter "$W/cnt.json" WordCount Lines)"
it_equal "the reduce command's counter arrives too (Keys)" "$keys" \
    "$(json_counter "$W/cnt.json" Reduce Keys)"
it_check "no reporter: line reaches stderr" sh -c "! grep -q '^reporter:' '$W/cnt.err'"
it_check "other stderr lines pass through" grep -q "^an ordinary message$" "$W/cnt.err"
it_mentions "the summary is printed at the end like Hadoop's" "$W/cnt.err" "Counters: " \
    "	WordCount" "		Words=$words" "		Lines=$lines" "	Reduce" "		Keys=$keys" \
    "	Map-Reduce Framework" "		Map input records=$lines"
"$MR_RUN" --map-cmd "$W/cnt_map.py" --reduce-cmd "$W/cnt_reduce.sh" -q -j 2 --chunk-size 128k \
    -o "$W/cntq.out" "$W/a.txt" 2>"$W/cntq.err"
it_check "-q prints no summary" sh -c "! grep -q 'Counters:' '$W/cntq.err'"

# reporter:status shows on the progress line.
seq 1 60 >"$W/n.txt"
"$MR_RUN" --progress --map-cmd 'while read -r l; do echo "reporter:status:at line $l" >&2; sleep 0.08; echo "$l"; done' \
    --ordered -j 2 --chunk-size 40 -o "$W/status.out" "$W/n.txt" 2>"$W/status.err"
it_status_ok "a mapper reporting its status runs with --progress" $? "$W/status.err"
it_check "its status shows on the progress line" grep -qE "  at line [0-9]+\$" \
    "$W/status.err"
it_check "and no reporter:status line reaches stderr" sh -c "! grep -q 'reporter:' '$W/status.err'"

# Every chunk's first attempt fails after reporting: retried, never doubled.
"$MR_RUN" --map-cmd "$W/cnt_map.py" --reduce-cmd "$W/cnt_reduce.sh" --cmdenv FAIL_FIRST=1 \
    -j 3 --chunk-size 128k --stats "$W/retry.json" -o "$W/retry.out" "$W/a.txt" 2>"$W/retry.err"
it_status_ok "a job whose every first attempt fails runs" $? "$W/retry.err"
it_same "with the pipeline's answer" "$W/wc.expected" "$W/retry.out"
it_check "every chunk was retried" python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(not (s["failed_attempts"] >= s["chunks"] > 1))' "$W/retry.json"
it_equal "and retries never double a counter (Words = wc -w)" "$words" \
    "$(json_counter "$W/retry.json" WordCount Words)"
it_equal "(Lines = wc -l)" "$lines" "$(json_counter "$W/retry.json" WordCount Lines)"

# With -R 3 a chunk is three RESULTs, one per reducer: its counters still
# count once (they go with partition 0's part), and each reducer runs its
# own reduce command, whose counters all count.
"$MR_RUN" --map-cmd "$W/cnt_map.py" --reduce-cmd "$W/cnt_reduce.sh" -R 3 -j 3 --chunk-size 128k \
    --stats "$W/cntr.json" -o "$W/cntr.out" "$W/a.txt" 2>"$W/cntr.err"
it_status_ok "the word count reporting counters runs with -R 3" $? "$W/cntr.err"
LC_ALL=C sort "$W/wc.expected" >"$W/wc.sorted"
LC_ALL=C sort "$W/cntr.out" >"$W/cntr.sorted"
it_same "its answer is the pipeline's (the parts in any order)" "$W/wc.sorted" "$W/cntr.sorted"
it_check "three reducers ran" python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["reducers"]) != 3)' "$W/cntr.json"
it_equal "with -R 3 a chunk's counters count once (Words = wc -w)" "$words" \
    "$(json_counter "$W/cntr.json" WordCount Words)"
it_equal "(Lines = wc -l)" "$lines" "$(json_counter "$W/cntr.json" WordCount Lines)"
it_equal "the three reduce commands' Keys add up to the distinct words" "$keys" \
    "$(json_counter "$W/cntr.json" Reduce Keys)"
"$MR_RUN" --map-cmd "$W/cnt_map.py" --reduce-cmd "$W/cnt_reduce.sh" --cmdenv FAIL_FIRST=1 -R 3 \
    -j 3 --chunk-size 128k --stats "$W/retryr.json" -o "$W/retryr.out" "$W/a.txt" \
    2>"$W/retryr.err"
it_status_ok "every first attempt failing with -R 3 runs" $? "$W/retryr.err"
it_equal "and retries never double a counter with -R 3 (Words = wc -w)" "$words" \
    "$(json_counter "$W/retryr.json" WordCount Words)"
# Each reduce command is its reducer's task: partition, task and attempt ids.
"$MR_RUN" --map-cmd "$W/wc_map.py" -R 3 -j 2 --chunk-size 128k \
    --reduce-cmd 'cat >/dev/null; echo "$mapreduce_task_partition $mapreduce_task_id $mapreduce_task_attempt_id $mapred_task_partition"' \
    -o "$W/renv.out" "$W/a.txt" 2>"$W/renv.err"
it_status_ok "three reduce commands printing their task runs" $? "$W/renv.err"
it_equal "each has its reducer's partition" "0 1 2" "$(awk '{print $1}' "$W/renv.out" | sort -n | xargs)"
it_check "and task r_00000P, attempt r_00000P_0, under both names" \
    awk '{ t = sprintf("_r_%06d", $1); if (NF != 4 || $4 != $1 || substr($2, length($2) - 8) != t ||
           substr($3, length($3) - 10) != t "_0") exit 1 } END { exit NR != 3 }' "$W/renv.out"

# A counter line Hadoop cannot parse is a warning; too many counters fail
# the job, as Hadoop's limit of 120 does.
"$MR_RUN" --map-cmd 'echo "reporter:counter:G,N" >&2; echo "reporter:counter:G,N,x" >&2; cat' \
    --ordered -o "$W/warn.out" "$W/b.txt" 2>"$W/warn.err"
it_status_ok "a malformed counter line does not fail the job" $? "$W/warn.err"
it_mentions "it is named in a warning" "$W/warn.err" \
    "warning: cannot parse counter line: reporter:counter:G,N" \
    "warning: cannot parse counter increment: reporter:counter:G,N,x"
"$MR_RUN" --map-cmd 'for i in $(seq 130); do echo "reporter:counter:G,c$i,1" >&2; done; cat' \
    --ordered --max-attempts 1 -o "$W/many.out" "$W/b.txt" 2>"$W/many.err"
it_equal "more than 120 counters fail the job (status 1)" 1 $?
it_mentions "naming the limit" "$W/many.err" "too many counters: G,c121" \
    "mapreduce.job.counters.max"

## 5. Fixes.
# The empty key keeps its TAB on the way to the reduce command.
printf 'a  b\n' >"$W/twospaces.txt"
"$MR_RUN" --map-cmd "tr ' ' '\\n' | awk '{print \$0 \"\\t\" 1}'" --reduce-cmd "cat" \
    -o "$W/empty.out" "$W/twospaces.txt" 2>"$W/empty.err"
it_status_ok "a mapper emitting an empty key runs" $? "$W/empty.err"
pipeline "tr ' ' '\\n' | awk '{print \$0 \"\\t\" 1}'" cat "$W/twospaces.txt" >"$W/empty.expected"
it_same "the reduce command reads <TAB>1 for it, as from the pipeline" "$W/empty.expected" \
    "$W/empty.out"
"$MR_RUN" --map-cmd "tr ' ' '\\n' | awk '{print \$0 \"\\t\" 1}'" --reduce-cmd "awk -f $W/wc_reduce.awk" \
    -o "$W/empty2.out" "$W/twospaces.txt" 2>"$W/empty2.err"
printf '\t1\na\t1\nb\t1\n' >"$W/empty2.expected"
it_same "and an awk reducer counts it under the empty key" "$W/empty2.expected" "$W/empty2.out"

# A mapper flushing every line gives the same answer (read in blocks).
"$MR_RUN" --map-cmd "awk '{ for (i = 1; i <= NF; i++) { print \$i \"\\t\" 1; fflush() } }'" \
    --reduce-cmd "$W/wc_reduce.py" -j 2 --chunk-size 256k -o "$W/flush.out" "$W/a.txt" \
    2>"$W/flush.err"
it_status_ok "an awk mapper that flushes every line runs" $? "$W/flush.err"
pipeline "awk '{ for (i = 1; i <= NF; i++) { print \$i \"\\t\" 1; fflush() } }'" \
    "$W/wc_reduce.py" "$W/a.txt" >"$W/flush.expected"
it_same "its answer is the pipeline's" "$W/flush.expected" "$W/flush.out"
# A slow command that prints a line now and then loses none of them.
"$MR_RUN" --map-cmd 'while read -r l; do echo "$l"; sleep 0.002; done' --ordered -j 2 \
    --chunk-size 100 -o "$W/slow.out" "$W/users.tsv" "$W/orders.tsv" 2>"$W/slow.err"
it_status_ok "a slow line-by-line mapper runs" $? "$W/slow.err"
cat "$W/users.tsv" "$W/orders.tsv" >"$W/slow.expected"
it_same "and every line arrives, in order" "$W/slow.expected" "$W/slow.out"

# Hadoop's single-dash options are named and pointed to mr-streaming.
"$MR_RUN" -input "$W/a.txt" -output "$W/h.out" -mapper cat -reducer wc 2>"$W/h.err"
it_equal "a Hadoop Streaming command line given to mr-run fails with status 2" 2 $?
it_mentions "naming -input and pointing to --input and mr-streaming" "$W/h.err" \
    "option '-input' is Hadoop Streaming's: mr-run spells it -i FILE" "mr-streaming"
it_check "and reading nothing (no 'nput' file, no output)" test ! -e "$W/h.out"
"$MR_RUN" --map-cmd cat -D mapreduce.job.reduces=3 "$W/a.txt" 2>"$W/d.err" >/dev/null
it_equal "-D is refused too (status 2)" 2 $?
it_mentions "naming it" "$W/d.err" "option '-D' is Hadoop Streaming's, not mr-run's"
"$MR_RUN" -mapper cat "$W/a.txt" 2>"$W/m.err" >/dev/null
it_mentions "-mapper is named, not read as -m apper" "$W/m.err" \
    "option '-mapper' is Hadoop Streaming's: mr-run spells it --map-cmd"

it_done
