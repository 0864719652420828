"""Shared pieces of the PyTorch reference: Fashion-MNIST loading, the two models, JSON and RSS helpers.

Imported by the scripts in this folder; it imports torch, so set OPENBLAS_NUM_THREADS before
importing it (the scripts take care of that: the thread sweep runs each setting in its own process).
"""
import gzip
import json
import os
import resource
import struct
import sys

import numpy as np
import torch
from torch import nn

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _find(stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(DATA_DIR, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{stem}(.gz) not found in {DATA_DIR} (apt-get install dataset-fashion-mnist)")


def load(split):
    """(features float32 [N,1,28,28] scaled to [0,1], labels int64 [N]) as torch tensors in memory."""
    prefix = "train" if split == "train" else "t10k"
    x = _read_idx(_find(f"{prefix}-images-idx3-ubyte"))
    y = _read_idx(_find(f"{prefix}-labels-idx1-ubyte"))
    xf = x.astype(np.float32)
    xf /= np.float32(255.0)  # in place: no second copy inflating peak RSS
    xt = torch.from_numpy(xf).reshape(-1, 1, 28, 28)
    yt = torch.from_numpy(y.astype(np.int64))
    return xt, yt


def mlp():
    """784-256(ReLU)-10, PyTorch's default (Kaiming-uniform) initialisation."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def cnn():
    """Issue 4's seed CNN: Conv(32,3)+ReLU, MaxPool2, Conv(64,3)+ReLU, MaxPool2, Dropout .25,
    Flatten, Dense 128+ReLU, Dropout .5, Dense 10 (valid padding: 28-26-13-11-5)."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))


MODELS = {"mlp": mlp, "cnn": cnn}


def peak_rss_mb():
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def settings():
    return {
        "torch_threads": torch.get_num_threads(),
        "openblas_threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0),
        "torch_version": torch.__version__,
    }


def emit(**fields):
    print(json.dumps(fields, separators=(",", ":")), flush=True)


def log(msg):
    print(msg, file=sys.stderr, flush=True)
