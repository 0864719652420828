#!/usr/bin/python3
"""Cuts small, valid idx samples of Fashion-MNIST from the full files installed by Debian's
dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist/*.gz): the first TRAIN_COUNT
training and the first TEST_COUNT test images with their labels. The samples keep the original
idx headers (magic, dimensions) with the item count changed, and the bytes of the images/labels
are copied unchanged. Output is gzip with mtime 0, so re-running the script gives identical files.

Usage (from the repository root):
    /usr/bin/python3 data/fashion-mnist/make-sample.py [/usr/share/datasets/fashion-mnist]
"""
import gzip
import os
import struct
import sys

TRAIN_COUNT = 1000
TEST_COUNT = 500


def cut(source_dir: str, out_dir: str, name: str, count: int) -> None:
    with gzip.open(os.path.join(source_dir, name + ".gz"), "rb") as f:
        raw = f.read()
    zero1, zero2, dtype, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero1 != 0 or zero2 != 0 or dtype != 0x08:
        sys.exit(f"{name}: not an unsigned-byte idx file")
    dims = list(struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim]))
    if dims[0] < count:
        sys.exit(f"{name}: has only {dims[0]} items")
    item = 1
    for d in dims[1:]:
        item *= d
    header_len = 4 + 4 * ndim
    body = raw[header_len:header_len + count * item]
    header = raw[:4] + struct.pack(">" + "I" * ndim, count, *dims[1:])
    out_path = os.path.join(out_dir, name + ".gz")
    with open(out_path, "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
            gz.write(header + body)
    print(f"wrote {out_path}: {count} of {dims[0]} items, item shape {dims[1:]}")


def main() -> None:
    source_dir = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out_dir = os.path.dirname(os.path.abspath(__file__))
    for split, count in (("train", TRAIN_COUNT), ("t10k", TEST_COUNT)):
        cut(source_dir, out_dir, f"{split}-images-idx3-ubyte", count)
        cut(source_dir, out_dir, f"{split}-labels-idx1-ubyte", count)


if __name__ == "__main__":
    main()
