#!/usr/bin/env bash
# it_keyorder.sh - the key comparator and the key-field partitioner
# (--key-compare, --partition-fields, proto/fold/keycmp.c) against an
# oracle mr did not compute: GNU sort in the C locale, on random
# binary-ish keys (NUL bytes, bytes above 0x7f, blanks, signs, dots,
# 40-digit and 10,000-digit numbers), through spills and several
# mappers; then hostile option strings.
source "$(dirname "$0")/lib/it.sh"
it_init
W=$IT_WORK
TAB=$(printf '\t')

# Lines "f1<TAB>f2<TAB>value", the key being the first two fields
# (--key-fields 2), so that GNU sort's -t TAB fields 1 and 2 are the key's
# and its last-resort comparison of whole lines is mr's tie-break (the key,
# a TAB, the value).  0x80 is left out: GNU sort takes it for a thousands
# separator in the C locale (its NON_CHAR is CHAR_MAX + 1), which sort -n
# documents nowhere and Hadoop does not do.
cat >"$W/gen.py" <<'PY'
import random, sys
rnd = random.Random(int(sys.argv[1]))
n = int(sys.argv[2])
long_digits = int(sys.argv[3]) if len(sys.argv) > 3 else 40
TEXT = [b"\x00", b"\x01", b"\x08", b"\x0b", b" ", b"-", b".", b"0", b"1", b"9", b"a", b"A", b"z",
        b"\x7f", b"\x81", b"\xfe", b"\xff", b","]
def digits(k):
    return bytes(rnd.choice(b"0123456789") for _ in range(k))
def text():
    return b"".join(rnd.choice(TEXT) for _ in range(rnd.randint(0, 6)))
def number():
    if rnd.random() < 0.1:
        return text()
    s = b" " * rnd.randint(0, 2) + (b"-" if rnd.random() < 0.4 else b"")
    s += b"0" * rnd.randint(0, 2) + digits(rnd.choice([0, 1, 1, 2, 3, long_digits]))
    if rnd.random() < 0.4:
        s += b"." + digits(rnd.randint(0, 4)) + b"0" * rnd.randint(0, 2)
    if rnd.random() < 0.1:
        s += rnd.choice([b"e5", b"x", b"-3", b" 7", b".5"])
    return s
out = sys.stdout.buffer
pool = []
for i in range(n):
    if pool and rnd.random() < 0.2:
        f1, f2 = rnd.choice(pool)  # the same key again: ties broken by the value
    else:
        f1 = number() if rnd.random() < 0.5 else text()
        f2 = number() if rnd.random() < 0.5 else text()
        pool.append((f1, f2))
    v = rnd.choice([b"v", b"w", b"\x01", b"10", b"9", b""]) + str(rnd.randint(0, 3)).encode()
    out.write(f1 + b"\t" + f2 + b"\t" + v + b"\n")
PY

# sort(1)'s options for a --key-compare string: a global -n, -r or -nr
# covers the whole key (fields 1 and 2 here), and only there, since sort's
# global -r would also reverse its last-resort comparison.
s_sort_opts() {
    case "$1" in
    -n) printf '%s' "-k1,2n" ;;
    -r) printf '%s' "-k1,2r" ;;
    -nr) printf '%s' "-k1,2nr" ;;
    *) printf '%s' "$1" ;;
    esac
}

# 1. The reduce command's input order is sort's, spec by spec.
seed=1
for spec in "-k1,1" "-k2,2n" "-k1,1nr -k2,2" "-k2,2r -k1,1n" "-n" "-r" "-nr" "-k1,2n" \
    "-k2,2nr -k1,1r" "-k1,1n -k2,2n"; do
    seed=$((seed + 1))
    python3 "$W/gen.py" "$seed" 2500 >"$W/in.txt"
    # shellcheck disable=SC2046 # the options are words
    LC_ALL=C sort -t "$TAB" $(s_sort_opts "$spec") "$W/in.txt" >"$W/expected.txt"
    "$MR_RUN" --map-cmd cat --key-fields 2 --reduce-cmd cat -R 1 -j 2 --chunk-size 8k \
        --key-compare "$spec" -o "$W/got.txt" "$W/in.txt" 2>"$W/err"
    it_status_ok "--key-compare '$spec' on random keys runs" $? "$W/err"
    it_same "--key-compare '$spec': the reduce command reads LC_ALL=C sort's order (seed $seed)" \
        "$W/expected.txt" "$W/got.txt"
done

# 2. Through spilled runs and their merge: the encoded keys go to disk.
python3 "$W/gen.py" 99 40000 >"$W/big.txt"
LC_ALL=C sort -t "$TAB" -k2,2nr -k1,1 "$W/big.txt" >"$W/expected.txt"
"$MR_RUN" --map-cmd cat --key-fields 2 --reduce-cmd cat -R 1 -j 2 --chunk-size 64k --memory 1M \
    --stats "$W/stats.json" --key-compare "-k2,2nr -k1,1" -o "$W/got.txt" "$W/big.txt" 2>"$W/err"
it_status_ok "a spilling job under --key-compare runs" $? "$W/err"
runs=$(python3 -c 'import json,sys; print(sum(r.get("runs", 0) for r in json.load(open(sys.argv[1]))["reducers"]))' \
    "$W/stats.json" 2>&1)
it_check "--memory 1M spilled runs ($runs)" test "$runs" -gt 0 2>/dev/null
it_same "spilled runs merge in sort's order" "$W/expected.txt" "$W/got.txt"

# 3. Numbers of 10,000 digits: the digit count is part of the encoding.
python3 "$W/gen.py" 7 300 10000 >"$W/long.txt"
LC_ALL=C sort -t "$TAB" -k1,1n -k2,2nr "$W/long.txt" >"$W/expected.txt"
"$MR_RUN" --map-cmd cat --key-fields 2 --reduce-cmd cat -R 1 -j 2 --chunk-size 256k \
    --key-compare "-k1,1n -k2,2nr" -o "$W/got.txt" "$W/long.txt" 2>"$W/err"
it_status_ok "keys with 10,000-digit numbers run" $? "$W/err"
it_same "10,000-digit numbers sort as sort -n sorts them" "$W/expected.txt" "$W/got.txt"

# 4. -R 3 split by field 1 only: every field-1 value in exactly one part,
# each part in sort's order, nothing lost or doubled.
python3 "$W/gen.py" 5 6000 >"$W/in.txt"
mkdir -p "$W/parts"
"$MR_RUN" --map-cmd cat --key-fields 2 --reduce-cmd cat -R 3 -j 2 --chunk-size 8k \
    --key-compare "-k1,1 -k2,2n" --partition-fields "-k1,1" --output-parts "$W/parts" \
    "$W/in.txt" 2>"$W/err"
it_status_ok "-R 3 --partition-fields -k1,1 runs" $? "$W/err"
LC_ALL=C sort "$W/in.txt" >"$W/expected.txt"
cat "$W"/parts/part-* | LC_ALL=C sort >"$W/got.txt"
it_same "-R 3: the parts hold every line once" "$W/expected.txt" "$W/got.txt"
for p in "$W"/parts/part-*; do
    LC_ALL=C sort -t "$TAB" -k1,1 -k2,2n "$p" | cmp -s - "$p" || break
done
it_check "-R 3: each part is in sort's order" cmp -s <(LC_ALL=C sort -t "$TAB" -k1,1 -k2,2n "$p") "$p"
for p in "$W"/parts/part-*; do
    cut -f1 "$p" | LC_ALL=C sort -u
done | LC_ALL=C sort | uniq -d >"$W/split.txt"
it_check "-R 3: no field-1 value is split over two reducers" test ! -s "$W/split.txt"

# 5. Hostile option strings: refused before any child starts, naming the
# option, and no output file; the largest field number is a field past
# every key's last (all empty: the ties keep sort's order).
printf 'b\t1\na\t2\n' >"$W/two.txt"
for spec in "-k0" "-k4294967296" "-k99999999999999999999" "-k1,0" "-k2,1" "-k1.2" "-k1b" "-k" \
    "$(printf -- '-k1 %.0s' $(seq 17))"; do
    "$MR_RUN" --map-cmd cat --reduce-cmd cat --key-compare "$spec" -o "$W/bad.txt" "$W/two.txt" \
        >/dev/null 2>"$W/err"
    rc=$?
    it_check "--key-compare '${spec:0:24}' is refused (exit $rc)" test "$rc" -ne 0
    it_mentions "--key-compare '${spec:0:24}': the error names the comparator" "$W/err" \
        "key comparator option"
    it_check "--key-compare '${spec:0:24}': no output file" test ! -e "$W/bad.txt"
    "$MR_RUN" --map-cmd cat --reduce-cmd cat -R 2 --partition-fields "$spec" -o "$W/bad.txt" \
        "$W/two.txt" >/dev/null 2>"$W/err"
    rc=$?
    it_check "--partition-fields '${spec:0:24}' is refused (exit $rc)" test "$rc" -ne 0
done
"$MR_RUN" --map-cmd cat --reduce-cmd cat --key-compare "-k4294967295 -k4294967295,4294967295nr" \
    -o "$W/far.txt" "$W/two.txt" 2>"$W/err"
it_status_ok "--key-compare -k4294967295 runs" $? "$W/err"
printf 'a\t2\nb\t1\n' >"$W/expected.txt"
it_same "-k4294967295: every key ties, and the lines keep sort's order" "$W/expected.txt" \
    "$W/far.txt"
"$MR_RUN" --map-cmd cat --reduce-cmd cat --key-field-separator "" -o "$W/bad.txt" "$W/two.txt" \
    >/dev/null 2>"$W/err"
rc=$?
it_check "--key-field-separator '' is refused (exit $rc)" test "$rc" -ne 0
it_no_children "no mr-mapper or mr-reducer outlives mr-run"
it_no_runtime_dir "no runtime directory is left behind"
it_done
