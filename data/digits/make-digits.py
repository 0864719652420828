"""Rewrites scikit-learn's digits.csv.gz (1797 rows: 64 pixel values 0..16, then the digit; no header) as
digits.csv in the Kaggle MNIST CSV layout: a header `label,pixel0,...,pixel63`, then per image its digit
followed by its 64 pixels, row-major (8 rows of 8). Values are copied as text, unchanged.

    /usr/bin/python3 data/digits/make-digits.py <.../sklearn/datasets/data/digits.csv.gz> data/digits/digits.csv
"""
import gzip
import sys

src, dst = sys.argv[1], sys.argv[2]
with gzip.open(src, "rt", newline="") as f:
    rows = [line.strip().split(",") for line in f if line.strip()]
assert all(len(r) == 65 for r in rows), "expected 64 pixels and a label per row"
with open(dst, "w", newline="\n") as out:
    out.write(",".join(["label"] + [f"pixel{i}" for i in range(64)]) + "\n")
    for r in rows:
        out.write(",".join([r[64]] + r[:64]) + "\n")
print(f"{len(rows)} images written to {dst}")
