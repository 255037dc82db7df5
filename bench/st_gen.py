#!/usr/bin/env python3
"""st_gen.py KIND MB: bench/run's seeded Streaming inputs, about MB megabytes.

text: lines of words drawn from a Zipf-like vocabulary of 50,000 words.
ncdc: NCDC-like fixed-column weather records (the year at columns 16-19,
the air temperature at 88-92 in tenths of a degree, +9999 when missing, its
quality code at 93), as the max-temperature examples read them.
"""
import random
import sys

kind, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(12)
out = sys.stdout
limit = mb * 1000 * 1000
written = 0
if kind == "text":
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = ["".join(rnd.choice(letters) for _ in range(rnd.randrange(2, 10)))
             for _ in range(50000)]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    while written < limit:
        words = rnd.choices(vocab, weights, k=4096)
        lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
        block = "\n".join(lines) + "\n"
        out.write(block)
        written += len(block)
elif kind == "ncdc":
    while written < limit:
        recs = []
        for _ in range(2000):
            year = 1901 + rnd.randrange(50)
            t = "+9999" if rnd.random() < 0.03 else "%+05d" % rnd.randrange(-400, 400)
            recs.append("0029%06d99999%04d010106004+64333+023450FM-12+000599999V0203201N"
                        "00721004501CN0100001N9%s%s-013911"
                        % (rnd.randrange(999999), year, t, rnd.choice("0145912")))
        block = "\n".join(recs) + "\n"
        out.write(block)
        written += len(block)
else:
    sys.exit("st_gen.py: KIND is text or ncdc")
