#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses: tests/fuzz/corpus/NAME/.

Each corpus holds a handful of small valid inputs (one of each shape the
harness's code under test takes) and near misses (one byte or one rule
away from valid), so that libFuzzer starts from the interesting places
instead of finding msgpack's grammar by chance.  The files are committed;
run this again only to change them (it rewrites the files it names and
leaves others, such as crashes added as regressions, alone).

Usage: tests/fuzz/seeds.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_VERSION = 4


class Bin(bytes):
    """A msgpack binary (a plain bytes is packed as a string)."""


def pack(v):
    """A minimal msgpack encoder: what mr's frames use."""
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v <= 0x7F:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack(">b", v)
        if v >= 0:
            for marker, fmt, top in ((0xCC, ">B", 0xFF), (0xCD, ">H", 0xFFFF),
                                     (0xCE, ">I", 0xFFFFFFFF), (0xCF, ">Q", 2**64 - 1)):
                if v <= top:
                    return bytes([marker]) + struct.pack(fmt, v)
        for marker, fmt, low in ((0xD0, ">b", -0x80), (0xD1, ">h", -0x8000),
                                 (0xD2, ">i", -2**31), (0xD3, ">q", -2**63)):
            if v >= low:
                return bytes([marker]) + struct.pack(fmt, v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, Bin):
        n = len(v)
        head = bytes([0xC4, n]) if n <= 0xFF else b"\xc5" + struct.pack(">H", n)
        return head + v
    if isinstance(v, (str, bytes)):
        b = v.encode() if isinstance(v, str) else v
        n = len(b)
        if n <= 31:
            return bytes([0xA0 | n]) + b
        return (bytes([0xD9, n]) if n <= 0xFF else b"\xda" + struct.pack(">H", n)) + b
    if isinstance(v, list):
        n = len(v)
        head = bytes([0x90 | n]) if n <= 15 else b"\xdc" + struct.pack(">H", n)
        return head + b"".join(pack(x) for x in v)
    if isinstance(v, dict):
        head = bytes([0x80 | len(v)])
        return head + b"".join(pack(k) + pack(x) for k, x in v.items())
    raise TypeError(v)


def write(corpus, name, data):
    d = os.path.join(HERE, "corpus", corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame_seeds():
    c = "fuzz_frame"
    for name, v in (("nil", None), ("true", True), ("fixint", 7), ("negative", -5),
                    ("uint64", 2**64 - 1), ("int64", -2**63), ("double", 1.5),
                    ("str8", "x" * 40), ("bin16", Bin(b"\0" * 300)),
                    ("map", {"a": 1, "b": [None, False]}),
                    ("depth4", [[[[1, 2]]]]), ("depth5", [[[[[1]]]]]),
                    ("header", [PROTO_VERSION, 1, 3, 4242])):
        write(c, name, pack(v))
    write(c, "float32", b"\xca\x3f\xc0\x00\x00")
    write(c, "ext8", b"\xc7\x03\x01abc")
    write(c, "fixext4", b"\xd6\xffabcd")
    write(c, "forged-array32", b"\xdd\xff\xff\xff\xff\xc0")
    write(c, "forged-map16", b"\xde\xff\xff\x01\x02")
    write(c, "truncated-str", b"\xd9\x10abc")
    write(c, "trailing", pack([1, 2]) + b"\x00")
    write(c, "c1", b"\xc1")


# Every type's fields in the canonical wire order of proto/wire/proto_msg.h.
DIGEST = Bin(bytes(range(32)))
TOKEN = Bin(bytes(range(100, 116)))
MESSAGES = {
    "ready": [1, 3, 4242],
    "task": [2, 17, 1, 1048576, [5, 9, 200], 0, 65536, TOKEN, 0],
    "task-inline": [2, 0, 0, 0, [], 0xFFFFFFFF, 12, TOKEN, 2],
    "result": [3, 17, 0, 3, 1000, 420, 0, 1000, TOKEN, Bin(b"")],
    "result-lines": [3, 2**40, 2, 9, 5, 5, 1, 0, TOKEN, Bin(b"WordCount\tWords\t12\n")],
    "ack": [4, 17, 0, 3, 420, True, 1000, 0, Bin(b"G\tN\t-1\n")],
    "ack-reducer-2": [4, 17, 0, 3, 420, False, 1000, 2, Bin(b"")],
    "fail": [5, 17, 3, 2, 98890, -11, "mapper 4 was killed by signal 11", TOKEN],
    "fail-whole-chunk": [5, 1, 0, 1, 2**64 - 1, -90, "output over the cap", TOKEN],
    "finish": [6, 39],
    "done": [7, 4773, 4773, 0, "", 1, 4773, 1048576, 3, 250, Bin(b"Reduce\tKeys\t3\n")],
    "done-error": [7, 0, 0, -28, "output out.tsv: No space left on device", 0, 0, 0, 0, 0,
                   Bin(b"")],
    "stop": [8],
    "hello": [9, 31337, "worker1.example", DIGEST],
    "welcome": [10, 5, "--arg BOOM", 40001, 40002, 1, 7, [40002]],
    "welcome-3-reducers": [10, 5, "", 40001, 40002, 0, 2, [40002, 40003, 40004]],
    "refuse": [11, -71, "plugin differs"],
    "heartbeat": [12, 5],
    "listen": [13, 40002, 0],
}


def proto_msg_seeds():
    c = "fuzz_proto_msg"
    for name, fields in MESSAGES.items():
        write(c, name, pack([PROTO_VERSION] + fields))
    near = {
        "version-1": [1, 1, 3, 4242],
        "unknown-type": [PROTO_VERSION, 14, 1],
        "ready-short": [PROTO_VERSION, 1, 3],
        "ready-negative-pid": [PROTO_VERSION, 1, 3, -1],
        "text-481": [PROTO_VERSION, 11, -1, "t" * 481],
        "text-480": [PROTO_VERSION, 11, -1, "t" * 480],
        "skip-not-ascending": [PROTO_VERSION, 2, 1, 0, 0, [9, 5], 0, 1, TOKEN, 0],
        "skip-257": [PROTO_VERSION, 2, 1, 0, 0, list(range(257)), 0, 1, TOKEN, 0],
        "port-65536": [PROTO_VERSION, 13, 65536],
        "mode-3": [PROTO_VERSION, 10, 5, "", 1, 2, 3, 0],
        "flags-8": [PROTO_VERSION, 10, 5, "", 1, 2, 0, 8],
        "digest-31": [PROTO_VERSION, 9, 1, "h", Bin(bytes(31))],
        "token-15": [PROTO_VERSION, 5, 1, 0, 1, 0, -1, "x", Bin(bytes(15))],
        "fresh-int": [PROTO_VERSION, 4, 1, 0, 1, 1, 1, 0, 0, Bin(b"")],
        "reducer-64": [PROTO_VERSION, 4, 1, 0, 1, 1, True, 0, 64, Bin(b"")],
        "counters-2049": [PROTO_VERSION, 7, 0, 0, 0, "", 0, 0, 0, 0, 0, Bin(bytes(2049))],
        "counters-str": [PROTO_VERSION, 4, 1, 0, 1, 1, True, 0, 0, "G\tN\t1\n"],
        "not-array": {"version": PROTO_VERSION},
    }
    for name, v in near.items():
        write(c, name, pack(v))
    write(c, "truncated-ready", pack([PROTO_VERSION, 1, 3, 4242])[:-1])


def pairs_seeds():
    c = "fuzz_proto_pairs"

    def array32(items):
        return b"\xdd" + struct.pack(">I", len(items)) + b"".join(pack(Bin(x)) for x in items)

    write(c, "empty-fixarray", b"\x90")
    write(c, "empty-array32", array32([]))
    write(c, "one-pair", array32([b"the", b"\x01\0\0\0\0\0\0\0"]))
    write(c, "three-pairs", array32([b"a", b"1", b"", b"", b"cat", b"dog"]))
    write(c, "fixarray", pack([Bin(b"k"), Bin(b"v")]))
    write(c, "array16", b"\xdc\x00\x02" + pack(Bin(b"k")) + pack(Bin(b"v")))
    write(c, "bin16-value", array32([b"long", b"v" * 300]))
    write(c, "bin32-key", b"\x92\xc6\x00\x00\x00\x01k\xc4\x00")
    write(c, "odd-count", array32([b"a", b"b", b"c"]))
    write(c, "one-binary", pack([Bin(b"k")]))
    write(c, "string-key", pack(["k", Bin(b"v")]))
    write(c, "forged-count", b"\xdd\x7f\xff\xff\xfe" + pack(Bin(b"k")) + pack(Bin(b"v")))
    write(c, "trailing-byte", array32([b"k", b"v"]) + b"\x00")
    write(c, "truncated-bin", array32([b"key", b"value"])[:-2])


def split_seeds():
    c = "fuzz_split"
    # Header: chunk size - 1; how (bit 0: NUL; bits 1-3: input i is a pipe;
    # bits 4-5: inputs - 1; bit 6: non-blocking; bit 7: release pages);
    # guided; feedback; two cut points; the piece size of non-blocking
    # pipes.  Then the records.
    def seed(name, size, how, records, guided=0, feedback=0, cuts=(0, 0), piece=0):
        write(c, name, bytes([size - 1, how, guided, feedback, *cuts, piece]) + records)

    lines = b"the quick brown fox\njumps over\nthe lazy dog\n\nend"
    seed("lines-file", 16, 0x00, lines)
    seed("lines-pipe", 16, 0x02, lines)
    seed("long-record", 4, 0x00, b"a" * 40 + b"\nb\n")
    seed("nul-records", 8, 0x01, b"one\0two\0three\0")
    seed("three-inputs", 10, 0x2A, lines + b"\n" + lines, cuts=(60, 140))
    seed("guided", 4, 0x80, b"ab\n" * 60, guided=0x45, feedback=0xFA)
    seed("nonblocking-pipe", 5, 0x42, b"x\nyy\nzzz\n")
    seed("pieces-pipe", 6, 0x42, b"a" * 20 + b"\n" + lines, piece=3)
    seed("pieces-two-pipes", 6, 0x56, lines + lines, cuts=(128, 128), piece=7)
    seed("no-terminator", 6, 0x00, b"abcdefghij")
    seed("empty", 6, 0x10, b"")
    seed("exact-size", 4, 0x02, b"abc\nabc\nabc\n")


def run_seeds():
    c = "fuzz_run"
    import zlib

    def block(records):
        payload = b"".join(struct.pack("<II", len(k), len(v)) + k + v for k, v in records)
        head = struct.pack("<II", len(payload), len(records))
        return head + struct.pack("<I", zlib.crc32(head + payload)) + payload

    def footer(n):
        body = struct.pack("<IQ", 0, n)
        return body + struct.pack("<I", zlib.crc32(body))

    header = b"MRRUN\0" + struct.pack("<H", 1)
    one = [(b"apple", b"3"), (b"pear", b"")]
    write(c, "empty", header + footer(0))
    write(c, "one-block", header + block(one) + footer(2))
    write(c, "two-blocks", header + block(one) + block([(b"pear", b"x"), (b"zz", b"y")]) + footer(4))
    write(c, "empty-key", header + block([(b"", b"v"), (b"a", b"")]) + footer(2))
    write(c, "count-counts", header + block([(b"k", struct.pack("<Q", 7))]) + footer(1))
    write(c, "no-footer", header + block(one))
    write(c, "wrong-count", header + block(one) + footer(3))
    write(c, "out-of-order", header + block([(b"b", b""), (b"a", b"")]) + footer(2))
    write(c, "bad-crc", header + block(one)[:-1] + b"!" + footer(2))
    write(c, "huge-length", header + struct.pack("<III", 0x7FFFFFF0, 1, 0) + footer(1))


if __name__ == "__main__":
    frame_seeds()
    proto_msg_seeds()
    pairs_seeds()
    split_seeds()
    run_seeds()
