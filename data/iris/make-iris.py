#!/usr/bin/python3
"""Builds data/iris/iris.csv from scikit-learn's copy of Fisher's Iris data, as shipped by Debian's
python3-sklearn package (sklearn/datasets/data/iris.csv).

sklearn's file has a special first line "150,4,setosa,versicolor,virginica" (row count, feature
count, class names) and numeric labels 0/1/2 in the last column. This script rewrites it as a plain
CSV with a header and species names, keeping every value exactly as written in the source
(the numbers are copied as text, never re-formatted).

Usage (from the repository root):
    cd /tmp && apt-get download python3-sklearn && dpkg-deb -x python3-sklearn_*.deb x
    /usr/bin/python3 data/iris/make-iris.py /tmp/x/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv
"""
import csv
import hashlib
import os
import sys

HEADER = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species"]


def main(source: str) -> None:
    with open(source, newline="") as f:
        rows = list(csv.reader(f))
    first = rows[0]
    count, features, names = int(first[0]), int(first[1]), first[2:]
    if features != 4 or names != ["setosa", "versicolor", "virginica"]:
        sys.exit(f"unexpected sklearn header: {first}")
    data = [r for r in rows[1:] if r]
    if len(data) != count:
        sys.exit(f"header says {count} rows but the file has {len(data)}")
    out_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "iris.csv")
    with open(out_path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for r in data:
            if len(r) != features + 1:
                sys.exit(f"bad row: {r}")
            w.writerow(r[:features] + [names[int(r[features])]])
    with open(source, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"wrote {out_path}: {len(data)} rows from {source} (sha256 {digest})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
