"""Copies statsmodels' yearly sunspot numbers (1700-2008) as shipped in Debian's python3-statsmodels to
sunspots.csv, unchanged (header "YEAR","SUNACTIVITY" written as YEAR,SUNACTIVITY), and prints the source's
sha256.

    /usr/bin/python3 data/sunspots/make-sunspots.py /usr/lib/python3/dist-packages/statsmodels/datasets/sunspots/sunspots.csv data/sunspots/sunspots.csv
"""
import csv
import hashlib
import sys

src, dst = sys.argv[1], sys.argv[2]
raw = open(src, "rb").read()
rows = list(csv.reader(raw.decode("ascii").splitlines()))
assert rows[0] == ["YEAR", "SUNACTIVITY"], rows[0]
body = rows[1:]
assert all(len(r) == 2 for r in body)
with open(dst, "w", newline="\n") as out:
    out.write("YEAR,SUNACTIVITY\n")
    for year, value in body:
        out.write(f"{year},{value}\n")
print(f"{len(body)} years written to {dst}; source sha256 {hashlib.sha256(raw).hexdigest()}")
