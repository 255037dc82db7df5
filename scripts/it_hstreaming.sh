#!/usr/bin/env bash
# it_hstreaming.sh - Hadoop Streaming command lines run unchanged by
# mr-streaming (issue 12): programs written for Hadoop Streaming in Python,
# awk and shell (word count, max temperature over NCDC-like records, a
# two-field key, map-only, a directory with a .gz, an inverted index on
# mapreduce_map_input_file, a reducer printing several lines per key), each
# at -numReduceTasks 0, 1 and 3 and compared with
# `cat input | map | LC_ALL=C sort | reduce`; the output directory as Hadoop
# leaves it; refusals; two command lines from Hadoop's own Streaming
# documentation, run as they are printed there; and the reduce input order
# (KeyFieldBasedComparator, KeyFieldBasedPartitioner, values in
# LC_ALL=C sort order).
source "$(dirname "$0")/lib/it.sh"
it_init
W=$IT_WORK
HS=$MR_BIN/mr-streaming
export PYTHONIOENCODING=latin-1 # the generated text holds stray high bytes
SPLIT="-D mapreduce.input.fileinputformat.split.maxsize=65536" # several map tasks

# textout: what Hadoop's TextOutputFormat makes of a command's lines: a line
# without a TAB is all key and gets one.
textout() {
    awk '{ if (index($0, "\t")) print; else print $0 "\t" }'
}

# check_job NAME REDUCES EXPECTED_ONE: checks $W/NAME.REDUCES, the output
# directory of a job run with -numReduceTasks REDUCES, against
# EXPECTED_ONE, the pipeline's answer in TextOutputFormat's form: with 0
# and 1 reducer part-00000 is byte for byte the pipeline's answer; with 3 the
# three parts hold its lines (each key in one part).
check_job() {
    local name=$1 r=$2 expected=$3 dir=$W/$1.$2 parts
    parts=$(cd "$dir" 2>/dev/null && ls | tr '\n' ' ')
    local want="_SUCCESS part-00000 "
    [ "$r" = 3 ] && want="_SUCCESS part-00000 part-00001 part-00002 "
    it_equal "$name -numReduceTasks $r: the directory holds $want" "$want" "$parts"
    if [ "$r" = 3 ]; then
        LC_ALL=C sort "$expected" >"$W/$name.sorted"
        cat "$dir"/part-* | LC_ALL=C sort >"$W/$name.3.sorted"
        it_same "$name -numReduceTasks 3: the parts hold the pipeline's lines" \
            "$W/$name.sorted" "$W/$name.3.sorted"
    else
        it_same "$name -numReduceTasks $r: part-00000 is the pipeline's answer" "$expected" \
            "$dir/part-00000"
    fi
}

# A corpus, as it_streaming.sh makes one.
it_gen_text 21 400000 "$W/a.txt" 1
it_gen_text 22 300000 "$W/b.txt" 1

## 1. Word count, in Python (as Michael Noll's tutorial writes it) and awk.
cat >"$W/mapper.py" <<'PY'
#!/usr/bin/env python3
import sys
for line in sys.stdin:
    for word in line.strip().split():
        print('%s\t%s' % (word, 1))
PY
cat >"$W/reducer.py" <<'PY'
#!/usr/bin/env python3
import sys
current_word, current_count, word = None, 0, None
for line in sys.stdin:
    word, count = line.strip().split('\t', 1)
    count = int(count)
    if current_word == word:
        current_count += count
    else:
        if current_word:
            print('%s\t%s' % (current_word, current_count))
        current_count, current_word = count, word
if current_word == word:
    print('%s\t%s' % (current_word, current_count))
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
chmod +x "$W/mapper.py" "$W/reducer.py"
cd "$W" || exit 1
cat a.txt | ./mapper.py | LC_ALL=C sort | ./reducer.py | textout >"$W/wc.expected"
cat a.txt | ./mapper.py | textout >"$W/wc.map.expected"
for r in 1 3; do
    "$HS" $SPLIT -files mapper.py,reducer.py -input a.txt -output "$W/wc.$r" \
        -mapper mapper.py -reducer reducer.py -numReduceTasks $r 2>"$W/wc.$r.err"
    it_status_ok "python word count -numReduceTasks $r runs" $? "$W/wc.$r.err"
    check_job wc $r "$W/wc.expected"
done
# Map-only: the mapper's lines, in input order.
"$HS" $SPLIT -file mapper.py -input a.txt -output "$W/wc.0" -mapper mapper.py \
    -reducer reducer.py -numReduceTasks 0 2>"$W/wc.0.err"
it_status_ok "python word count -numReduceTasks 0 runs (map-only)" $? "$W/wc.0.err"
check_job wc 0 "$W/wc.map.expected"
if [ -d "$W/wc.3" ]; then
    it_check "with 3 reducers every word is in one part only" \
        sh -c "! cat '$W'/wc.3/part-* | cut -f1 | LC_ALL=C sort | uniq -d | grep -q ."
fi
# awk, with a combiner (the reducer again) and the key count from -D.
cat a.txt b.txt | awk -f wc_map.awk | LC_ALL=C sort | awk -f wc_reduce.awk | textout \
    >"$W/awk.expected"
for r in 1 3; do
    "$HS" -D mapreduce.job.reduces=$r -D mapreduce.job.name="awk word count" $SPLIT \
        -input a.txt -input b.txt -output "$W/awk.$r" -mapper "awk -f wc_map.awk" \
        -combiner "awk -f wc_reduce.awk" -reducer "awk -f wc_reduce.awk" 2>"$W/awk.$r.err"
    it_status_ok "awk word count with a combiner, mapreduce.job.reduces=$r, runs" $? \
        "$W/awk.$r.err"
    check_job awk $r "$W/awk.expected"
done

## 2. Max temperature over NCDC-like records (fixed columns: the year at
# 16-19, the air temperature at 88-92 in tenths of a degree, +9999 when
# missing, its quality code at 93).
python3 - "$W/ncdc" <<'PY'
import os, random, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rnd = random.Random(7)
for f in range(3):
    with open(os.path.join(out, "19%02d" % (f + 1)), "w") as w:
        for i in range(4000):
            year = 1901 + rnd.randrange(12)
            temp = rnd.randrange(-400, 400)
            q = rnd.choice("0145912")
            t = "+9999" if rnd.random() < 0.03 else "%+05d" % temp
            rec = ("0029" + "%06d" % rnd.randrange(999999) + "99999" + "%04d" % year
                   + "0101" + "0600" + "4" + "+64333" + "+023450" + "FM-12" + "+0005"
                   + "99999" + "V020" + "320" + "1" + "N" + "0072" + "1" + "00450" + "1"
                   + "C" + "N" + "010000" + "1" + "N" + "9" + t + q + "-01391" + "1")
            w.write(rec + "\n")
PY
cat >"$W/max_map.awk" <<'AWK'
{ year = substr($0, 16, 4); temp = substr($0, 88, 5); q = substr($0, 93, 1)
  if (temp != "+9999" && q ~ /[01459]/) print year "\t" temp + 0 }
AWK
cat >"$W/max_reduce.sh" <<'SH'
#!/bin/sh
# Max temperature per year, in shell: the reducer reads year<TAB>temp lines.
last= max=
while IFS="$(printf '\t')" read -r year temp; do
    if [ "$year" != "$last" ]; then
        [ -n "$last" ] && printf '%s\t%s\n' "$last" "$max"
        last=$year max=$temp
    elif [ "$temp" -gt "$max" ]; then
        max=$temp
    fi
done
[ -n "$last" ] && printf '%s\t%s\n' "$last" "$max"
SH
chmod +x "$W/max_reduce.sh"
cat ncdc/19* | awk -f max_map.awk | LC_ALL=C sort | ./max_reduce.sh | textout >"$W/max.expected"
cat ncdc/19* | awk -f max_map.awk | textout >"$W/max.map.expected"
for r in 0 1 3; do
    "$HS" -D mapred.max.split.size=100000 -input 'ncdc/19*' -output "$W/max.$r" \
        -mapper "awk -f max_map.awk" -reducer max_reduce.sh -file max_reduce.sh \
        -numReduceTasks $r 2>"$W/max.$r.err"
    it_status_ok "max temperature (awk + sh, a glob input) -numReduceTasks $r runs" $? \
        "$W/max.$r.err"
    check_job max $r "$W/max.$([ $r = 0 ] && echo map.)expected"
done

## 3. A two-field key: the highest temperature per station and day, the
# key being station<TAB>day (stream.num.map.output.key.fields=2).
python3 - "$W/stations.txt" <<'PY'
import random, sys
rnd = random.Random(11)
with open(sys.argv[1], "w") as w:
    for i in range(20000):
        w.write("st%02d,2026-01-%02d,%d\n" % (rnd.randrange(30), 1 + rnd.randrange(28),
                                             rnd.randrange(-300, 400)))
PY
cat >"$W/day_map.py" <<'PY'
#!/usr/bin/env python3
import sys
for line in sys.stdin:
    station, day, temp = line.strip().split(",")
    print("%s\t%s\t%s" % (station, day, temp))
PY
cat >"$W/day_reduce.awk" <<'AWK'
BEGIN { FS = OFS = "\t" }
$1 != s || $2 != d { if (NR > 1) print s, d, m; s = $1; d = $2; m = $3 + 0 }
$3 + 0 > m { m = $3 + 0 }
END { if (NR) print s, d, m }
AWK
chmod +x "$W/day_map.py"
cat stations.txt | ./day_map.py | LC_ALL=C sort -t "$(printf '\t')" -k1,2 |
    awk -f day_reduce.awk | textout >"$W/day.expected"
cat stations.txt | ./day_map.py | textout >"$W/day.map.expected"
for r in 0 1 3; do
    "$HS" -D stream.num.map.output.key.fields=2 -D mapreduce.map.output.compress=true $SPLIT \
        -input stations.txt -output "$W/day.$r" -mapper day_map.py -reducer "awk -f day_reduce.awk" \
        -numReduceTasks $r 2>"$W/day.$r.err"
    it_status_ok "a two-field key (python + awk) -numReduceTasks $r runs" $? "$W/day.$r.err"
    check_job day $r "$W/day.$([ $r = 0 ] && echo map.)expected"
done
if [ -d "$W/day.3" ]; then
    it_check "every station-day appears once across the 3 parts" \
        sh -c "! cat '$W'/day.3/part-* | cut -f1,2 | LC_ALL=C sort | uniq -d | grep -q ."
fi
# Keys split at a separator of their own: station.day, and the reducer
# reads key<TAB>value, as Hadoop gives it (stream.reduce.input.field.separator
# is TAB unless set).
cat >"$W/dot_reduce.awk" <<'AWK'
BEGIN { FS = "\t" }
{ print $1 "|" $2 }
AWK
"$HS" -D stream.map.output.field.separator=, -D stream.num.map.output.key.fields=2 \
    -input stations.txt -output "$W/dot.1" -mapper cat -reducer "awk -f dot_reduce.awk" \
    2>"$W/dot.err"
it_status_ok "stream.map.output.field.separator=, with 2 key fields runs" $? "$W/dot.err"
awk -F, '{ print $1 "," $2 "\t" $3 }' stations.txt | LC_ALL=C sort | awk -f dot_reduce.awk |
    textout >"$W/dot.expected"
it_same "the key is up to the second comma, and the reducer reads key<TAB>value" \
    "$W/dot.expected" "$W/dot.1/part-00000"

## 4. A directory with a .gz and Hadoop's own leftovers, and an inverted
# index reading mapreduce_map_input_file.
mkdir -p "$W/docs/_logs"
it_gen_text 31 120000 "$W/docs/doc1.txt" 1
it_gen_text 32 120000 "$W/docs/doc2.txt" 1
it_gen_text 33 120000 "$W/doc3.txt" 1
gzip -c "$W/doc3.txt" >"$W/docs/doc3.txt.gz"
echo "not input" >"$W/docs/_SUCCESS"
echo "not input" >"$W/docs/.doc1.txt.crc"
echo "not input" >"$W/docs/_logs/history"
cat >"$W/ii_map.py" <<'PY'
#!/usr/bin/env python3
import os, sys
name = os.path.basename(os.environ["mapreduce_map_input_file"])
for line in sys.stdin:
    for word in line.split():
        print("%s\t%s" % (word, name))
PY
cat >"$W/ii_reduce.py" <<'PY'
#!/usr/bin/env python3
import sys
cur, files = None, []
def out():
    if cur is not None:
        print("%s\t%s" % (cur, " ".join(sorted(set(files)))))
for line in sys.stdin:
    word, name = line.rstrip("\n").split("\t", 1)
    if word != cur:
        out()
        cur, files = word, []
    files.append(name)
out()
PY
chmod +x "$W/ii_map.py" "$W/ii_reduce.py"
for f in doc1.txt doc2.txt; do
    mapreduce_map_input_file=docs/$f ./ii_map.py <"docs/$f"
done >"$W/ii.pairs"
mapreduce_map_input_file=docs/doc3.txt.gz ./ii_map.py <doc3.txt >>"$W/ii.pairs"
LC_ALL=C sort "$W/ii.pairs" | ./ii_reduce.py | textout >"$W/ii.expected"
textout <"$W/ii.pairs" >"$W/ii.map.expected"
for r in 0 1 3; do
    "$HS" $SPLIT -input docs -output "$W/ii.$r" -mapper ii_map.py -reducer ii_reduce.py \
        -numReduceTasks $r 2>"$W/ii.$r.err"
    it_status_ok "an inverted index (python, mapreduce_map_input_file) over a directory with a .gz, -numReduceTasks $r, runs" \
        $? "$W/ii.$r.err"
    check_job ii $r "$W/ii.$([ $r = 0 ] && echo map.)expected"
done
it_check "postings name the .gz file and never _SUCCESS or a .crc" \
    sh -c "grep -q 'doc3.txt.gz' '$W/ii.1/part-00000' && ! grep -qE '_SUCCESS|\\.crc' '$W/ii.1/part-00000'"

## 5. A reducer printing several lines per key (a header, then each value),
# in shell + awk; its lines without a TAB get one, as TextOutputFormat
# writes them.
cat >"$W/group_reduce.sh" <<'SH'
#!/bin/sh
awk -F'\t' '$1 != k { k = $1; print "== " k } { print "   " $2 }'
SH
chmod +x "$W/group_reduce.sh"
awk '{ print length($0) % 7 "\t" $1 }' b.txt >"$W/grp.map"
LC_ALL=C sort "$W/grp.map" | ./group_reduce.sh | textout >"$W/grp.expected"
textout <"$W/grp.map" >"$W/grp.map.expected"
for r in 0 1 3; do
    "$HS" $SPLIT -input b.txt -output "$W/grp.$r" -mapper "awk '{ print length(\$0) % 7 \"\\t\" \$1 }'" \
        -reducer group_reduce.sh -numReduceTasks $r 2>"$W/grp.$r.err"
    it_status_ok "a multi-line reducer -numReduceTasks $r runs" $? "$W/grp.$r.err"
    [ $r = 3 ] || check_job grp $r "$W/grp.$([ $r = 0 ] && echo map.)expected"
done
# With 3 reducers the groups spread over the parts: each part is whole groups.
cat "$W"/grp.3/part-* >"$W/grp.3.all" 2>/dev/null
LC_ALL=C sort "$W/grp.expected" >"$W/grp.sorted"
LC_ALL=C sort "$W/grp.3.all" >"$W/grp.3.sorted"
it_same "a multi-line reducer -numReduceTasks 3: the parts hold the pipeline's lines" \
    "$W/grp.sorted" "$W/grp.3.sorted"
it_equal "each group is in one part, whole" "$(grep -c '^== ' "$W/grp.expected")" \
    "$(grep -c '^== ' "$W/grp.3.all")"

## 6. The output directory, as Hadoop leaves one and refuses one.
"$HS" -input a.txt -output "$W/wc.1" -mapper cat 2>"$W/exists.err"
it_equal "an existing -output is refused (status 2)" 2 $?
it_mentions "naming it" "$W/exists.err" "output directory $W/wc.1 already exists"
it_check "and left as it was" test -s "$W/wc.1/part-00000" -a -e "$W/wc.1/_SUCCESS"
it_check "_SUCCESS is empty" test ! -s "$W/wc.1/_SUCCESS"
"$HS" -D mapreduce.map.maxattempts=1 -input a.txt -output "$W/fail.1" -mapper "exit 3" \
    2>"$W/fail.err"
it_equal "a failing job exits 1" 1 $?
it_check "and leaves no output directory (so the same command can run again)" \
    test ! -e "$W/fail.1"
"$HS" -input a.txt -output "$W/new/deeper/out/" -mapper cat -numReduceTasks 0 2>"$W/deep.err"
it_status_ok "an -output under directories that do not exist yet runs (Hadoop makes them)" $? \
    "$W/deep.err"
it_check "and holds part-00000 and _SUCCESS" test -e "$W/new/deeper/out/part-00000" \
    -a -e "$W/new/deeper/out/_SUCCESS"
"$HS" -lazyOutput -input stations.txt -output "$W/lazy.3" -mapper "head -n 1 | cut -c1-4" \
    -numReduceTasks 3 2>"$W/lazy.err"
it_status_ok "-lazyOutput runs" $? "$W/lazy.err"
it_check "-lazyOutput keeps no empty part" sh -c "for f in '$W'/lazy.3/part-*; do test -s \"\$f\" || exit 1; done"

# -file ships a program: from another directory, `-mapper mapper.py` is the
# shipped file, as in the task directory Hadoop makes.
mkdir -p "$W/elsewhere"
(cd "$W/elsewhere" && "$HS" -file "$W/mapper.py" -file "$W/reducer.py" -input ../a.txt \
    -output out -mapper mapper.py -reducer reducer.py -verbose) 2>"$W/ship.err"
it_status_ok "-file's programs run by their base names from another directory" $? "$W/ship.err"
it_same "with the pipeline's answer" "$W/wc.expected" "$W/elsewhere/out/part-00000"
it_mentions "-verbose prints the mr-run command line" "$W/ship.err" "--map-cmd $W/mapper.py" \
    "--output-parts out/_temporary"

## 7. Refusals that name what they refuse.
"$HS" -input a.txt -output "$W/u.1" -mapper cat -frobnicate 2>"$W/u.err"
it_equal "an unknown option is an error (status 2)" 2 $?
it_mentions "naming it" "$W/u.err" "unknown option '-frobnicate'"
it_check "nothing is made" test ! -e "$W/u.1"
"$HS" -D mapreduce.job.output.key.comparator.class=org.example.MyComparator -input a.txt \
    -output "$W/u.1" -mapper cat 2>"$W/cmp.err"
it_equal "a comparator class of one's own is refused (status 2)" 2 $?
it_mentions "saying which it takes" "$W/cmp.err" \
    "org.example.MyComparator: not supported yet: only KeyFieldBasedComparator"
"$HS" -input a.txt -output "$W/u.1" -mapper cat -partitioner org.example.MyPartitioner \
    2>"$W/part.err"
it_mentions "a partitioner of one's own is refused, not ignored" "$W/part.err" \
    "-partitioner org.example.MyPartitioner: not supported yet: only KeyFieldBasedPartitioner"
"$HS" -D mapreduce.job.output.key.comparator.class=org.apache.hadoop.mapred.lib.KeyFieldBasedComparator \
    -D mapreduce.partition.keycomparator.options=-k1.2n -input a.txt -output "$W/u.1" \
    -mapper cat 2>"$W/kpos.err"
it_mentions "a character position in -k is refused, naming the key" "$W/kpos.err" \
    "keycomparator.options: key comparator option -k1.2n"
"$HS" -D mapreduce.reduce.shuffle.merge.percent=0.5 -input a.txt -output "$W/u.1" -mapper cat \
    2>"$W/key.err"
it_mentions "an unknown Hadoop key is refused, named" "$W/key.err" \
    "-D mapreduce.reduce.shuffle.merge.percent: a Hadoop setting mr-streaming does not know"
"$HS" -input a.txt -output "$W/u.1" -mapper cat -inputformat SequenceFileInputFormat \
    2>"$W/fmt.err"
it_mentions "only TextInputFormat" "$W/fmt.err" "not supported yet: only TextInputFormat"
"$HS" -input "$W/nothing*" -output "$W/u.1" -mapper cat 2>"$W/glob.err"
it_mentions "a glob matching nothing is an error" "$W/glob.err" "matches 0 files"
"$HS" -help >"$W/help.out" 2>&1
it_status_ok "-help exits 0" $? "$W/help.out"
it_mentions "and lists the keys accepted without effect" "$W/help.out" \
    "mapreduce.map.output.compress" "mapreduce.job.queuename" "mapreduce.map.memory.mb"
# A job key of its own reaches the commands, as Hadoop exports it.
"$HS" -D my.limit=5 -cmdenv GREETING=hi -input stations.txt -output "$W/env.0" \
    -mapper 'head -n 1 >/dev/null; echo "$my_limit $GREETING $mapreduce_task_ismap"' \
    -numReduceTasks 0 -D mapreduce.input.fileinputformat.split.maxsize=1000000 2>"$W/env.err"
it_equal "-D my.limit=5 is my_limit in the commands, -cmdenv too" "5 hi true	" \
    "$(cat "$W/env.0/part-00000" 2>/dev/null)"

## 8. Two command lines from Hadoop's Streaming documentation, run as
# printed there after `hadoop jar hadoop-streaming.jar`: the first example
# of https://hadoop.apache.org/docs/r2.7.2/hadoop-streaming/HadoopStreaming.html
# and the key-field example of https://hadoop.apache.org/docs/stable1/streaming.html
# ("Customizing How Lines are Split into Key/Value Pairs").
mkdir -p "$W/tut/myInputDirs" "$W/tut2/myInputDirs"
cp a.txt "$W/tut/myInputDirs/part-0"
cp b.txt "$W/tut/myInputDirs/part-1"
cd "$W/tut" || exit 1
"$HS" -input myInputDirs -output myOutputDir -mapper /bin/cat -reducer /usr/bin/wc \
    2>"$W/tut.err"
it_status_ok "the documentation's first example (-mapper /bin/cat -reducer /usr/bin/wc) runs" \
    $? "$W/tut.err"
cat myInputDirs/* | textout | LC_ALL=C sort | wc | textout >"$W/tut.expected"
it_same "and gives wc of the sorted key<TAB>value lines" "$W/tut.expected" \
    myOutputDir/part-00000
python3 - myInputDirs/ips <<'PY' # addresses and more, as the example's keys
import random, sys
rnd = random.Random(5)
with open(sys.argv[1], "w") as w:
    for i in range(5000):
        w.write(".".join(str(rnd.randrange(4)) for _ in range(rnd.choice([3, 4, 6, 8]))) + "\n")
PY
cp myInputDirs/ips "$W/tut2/myInputDirs/ips"
cd "$W/tut2" || exit 1
"$HS" \
-input myInputDirs \
-output myOutputDir \
-mapper org.apache.hadoop.mapred.lib.IdentityMapper \
-reducer org.apache.hadoop.mapred.lib.IdentityReducer \
-D stream.map.output.field.separator=. \
-D stream.num.map.output.key.fields=4 2>"$W/tut2.err"
it_status_ok "the documentation's key-field example (Identity classes, separator ., 4 key fields) runs" $? \
    "$W/tut2.err"
# The key is up to the fourth dot; a line with fewer is all key.
awk '{ n = split($0, f, "."); if (n <= 4) { print $0 "\t"; next }
       k = f[1] "." f[2] "." f[3] "." f[4]; print k "\t" substr($0, length(k) + 2) }' \
    myInputDirs/ips | LC_ALL=C sort >"$W/tut2.expected"
it_same "and its parts hold key<TAB>value, sorted by the four-field key" \
    "$W/tut2.expected" myOutputDir/part-00000
cd "$W" || exit 1

## 9. Reduce input order: every run the same.  The secondary sort (key
# year<TAB>temp, partitioned on the year, compared -k1,1n -k2,2nr, the
# reducer printing each year's first line: its maximum), numeric reverse,
# and a plain `mr-run --map-cmd --reduce-cmd` whose values reach the
# command as `LC_ALL=C sort` orders the lines, spilled too.
python3 - "$W/years.txt" <<'PY'
import random, sys
rnd = random.Random(13)
with open(sys.argv[1], "w") as w:
    for i in range(60000):
        w.write("%d %d st%d\n" % (1901 + rnd.randrange(40), rnd.randrange(-400, 400),
                                   rnd.randrange(30)))
PY
cat >"$W/ss_map.awk" <<'AWK'
{ print $1 "\t" $2 "\t" $3 }
AWK
cat >"$W/ss_reduce.awk" <<'AWK'
BEGIN { FS = OFS = "\t" }
$1 != y { print $1, $2; y = $1 }
AWK
# Hadoop's answer, without sort: each year's maximum.
awk '{ if (!($1 in m) || $2 + 0 > m[$1]) m[$1] = $2 + 0 }
     END { for (y in m) print y "\t" m[y] }' years.txt | LC_ALL=C sort >"$W/ss.expected"
SS=(-D stream.num.map.output.key.fields=2
    -D mapreduce.job.output.key.comparator.class=org.apache.hadoop.mapred.lib.KeyFieldBasedComparator
    -D "mapreduce.partition.keycomparator.options=-k1,1n -k2,2nr"
    -D mapreduce.partition.keypartitioner.options=-k1,1
    -partitioner org.apache.hadoop.mapred.lib.KeyFieldBasedPartitioner $SPLIT)
for run in 1 3 3b; do
    r=${run%b}
    "$HS" "${SS[@]}" -input years.txt -output "$W/ss.$run" -mapper "awk -f ss_map.awk" \
        -reducer "awk -f ss_reduce.awk" -numReduceTasks $r 2>"$W/ss.$run.err"
    it_status_ok "the secondary sort -numReduceTasks $r ($run) runs" $? "$W/ss.$run.err"
    cat "$W/ss.$run"/part-* | LC_ALL=C sort >"$W/ss.$run.sorted"
    it_same "and prints each year's maximum, Hadoop's answer (one line per year)" \
        "$W/ss.expected" "$W/ss.$run.sorted"
done
it_check "two runs at 3 reducers give the same parts, byte for byte" \
    sh -c "for p in 00000 00001 00002; do cmp -s '$W/ss.3/part-'\$p '$W/ss.3b/part-'\$p || exit 1; done"
# The whole order, identity reducer: GNU sort's -k1,1n -k2,2nr, ties by the
# whole line (sort's last resort), as the reducer breaks them.
awk -f ss_map.awk years.txt | LC_ALL=C sort -t "$(printf '\t')" -k1,1n -k2,2nr | textout \
    >"$W/ssid.expected"
"$HS" "${SS[@]}" -input years.txt -output "$W/ssid.1" -mapper "awk -f ss_map.awk" \
    -reducer cat 2>"$W/ssid.err"
it_status_ok "the secondary sort with the identity reducer runs" $? "$W/ssid.err"
it_same "and its lines are in LC_ALL=C sort -t TAB -k1,1n -k2,2nr order" "$W/ssid.expected" \
    "$W/ssid.1/part-00000"
# Numeric reverse on one key field (mapred's names), with negatives,
# fractions, leading zeros and text (0 to sort -n).
python3 - "$W/nums.txt" <<'PY'
import random, sys
rnd = random.Random(17)
forms = [lambda: "%d" % rnd.randrange(-999, 999), lambda: "%.2f" % rnd.uniform(-50, 50),
         lambda: "%05d" % rnd.randrange(999), lambda: rnd.choice(["x", "-", "", "1e3"])]
with open(sys.argv[1], "w") as w:
    for i in range(20000):
        w.write("%s\tv%d\n" % (rnd.choice(forms)(), rnd.randrange(50)))
PY
LC_ALL=C sort -t "$(printf '\t')" -k1,1nr nums.txt | textout >"$W/nr.expected"
"$HS" -D mapred.output.key.comparator.class=org.apache.hadoop.mapred.lib.KeyFieldBasedComparator \
    -D mapred.text.key.comparator.options=-k1,1nr $SPLIT -input nums.txt -output "$W/nr.1" \
    -mapper cat -reducer cat 2>"$W/nr.err"
it_status_ok "a numeric reverse comparator (-k1,1nr) runs" $? "$W/nr.err"
it_same "and gives LC_ALL=C sort -t TAB -k1,1nr's order" "$W/nr.expected" "$W/nr.1/part-00000"
# mr-run's own flags: values in LC_ALL=C sort order, keys with a byte below
# TAB (where key-then-value order is not the lines' order), at -R 1 and 3,
# and spilled under a small --memory.
cat >"$W/vo_map.py" <<'PY'
#!/usr/bin/env python3
import sys
for line in sys.stdin:
    words = line.split()
    if len(words) >= 2:
        key = words[0] + ("\x01" if len(line) % 3 == 0 else "")
        print("%s\t%s" % (key, " ".join(words[1:])))
PY
chmod +x "$W/vo_map.py"
cat a.txt b.txt | ./vo_map.py | LC_ALL=C sort >"$W/vo.expected"
for r in 1 3; do
    mkdir -p "$W/vo.$r/parts"
    "$MR_BIN/mr-run" --map-cmd ./vo_map.py --reduce-cmd cat -R $r --chunk-size 65536 \
        --memory 1M --stats "$W/vo.$r.stats" --output-parts "$W/vo.$r/parts" a.txt b.txt \
        2>"$W/vo.$r.err"
    it_status_ok "mr-run --map-cmd --reduce-cmd -R $r --memory 1M runs" $? "$W/vo.$r.err"
    it_check "and spilled runs" grep -q '"runs": [1-9]' "$W/vo.$r.stats"
    cat "$W/vo.$r/parts"/part-* | LC_ALL=C sort >"$W/vo.$r.sorted"
    it_same "-R $r: the command read every line" "$W/vo.expected" "$W/vo.$r.sorted"
    it_check "-R $r: each reducer's command read its lines in LC_ALL=C sort order" \
        sh -c "for p in '$W/vo.$r/parts'/part-*; do LC_ALL=C sort -c \"\$p\" || exit 1; done"
done
it_same "-R 1: byte for byte map | LC_ALL=C sort" "$W/vo.expected" "$W/vo.1/parts/part-00000"
# Lines that rarely repeat (the store's arena, past its sample of 16384):
# 90,000 pairs, nearly all distinct, some twice, keys with a byte below TAB.
python3 - "$W/dp.txt" <<'PY'
import random, sys
rnd = random.Random(29)
with open(sys.argv[1], "w") as w:
    for i in range(90000):
        n = rnd.randrange(200000)
        w.write("k%d%s\t%d\n" % (n % 5000, "\x01" if n % 7 == 0 else "", n))
PY
LC_ALL=C sort dp.txt >"$W/dp.expected"
for m in 0 1M; do
    mem=()
    [ "$m" = 0 ] || mem=(--memory "$m")
    "$MR_BIN/mr-run" --map-cmd cat --reduce-cmd cat -R 1 "${mem[@]}" dp.txt >"$W/dp.$m" \
        2>"$W/dp.$m.err"
    it_status_ok "distinct pairs through --reduce-cmd cat (memory $m) run" $? "$W/dp.$m.err"
    it_same "and reach it byte for byte as LC_ALL=C sort orders them" "$W/dp.expected" "$W/dp.$m"
done

it_no_runtime_dir "no runtime directory left behind"
it_no_children "no mapper or reducer left running"
it_done
