"""Word count with Python's multiprocessing: Pool(N).imap_unordered over
1 MiB chunks cut on newlines, a Counter per chunk, merged in the parent.
What a Python user would write; bench/run compares mr against it."""
import collections
import multiprocessing
import re
import sys

WORD = re.compile(rb"[A-Za-z]+")


def chunks(path, size=1 << 20):
    with open(path, "rb") as f:
        rest = b""
        while True:
            block = f.read(size)
            if not block:
                if rest:
                    yield rest
                return
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]


def count(block):
    return collections.Counter(WORD.findall(block))


def main():
    path, jobs = sys.argv[1], int(sys.argv[2])
    total = collections.Counter()
    with multiprocessing.Pool(jobs) as pool:
        for part in pool.imap_unordered(count, chunks(path)):
            total.update(part)
    out = sys.stdout.buffer
    for word, n in total.items():
        out.write(word + b"\t" + str(n).encode() + b"\n")


if __name__ == "__main__":
    main()
