"""Ordered map with Python's multiprocessing: Pool(N).imap(upper, lines,
chunksize=4096), written in input order."""
import multiprocessing
import sys


def upper(line):
    return line.upper()


def main():
    path, jobs = sys.argv[1], int(sys.argv[2])
    out = sys.stdout.buffer
    with open(path, "rb") as f, multiprocessing.Pool(jobs) as pool:
        for line in pool.imap(upper, f, chunksize=4096):
            out.write(line)


if __name__ == "__main__":
    main()
