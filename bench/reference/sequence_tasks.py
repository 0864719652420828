#!/usr/bin/python3
"""PyTorch side of issue 12's real tasks, on the same data, split and settings as the NeuralPS tests:

  sunspots  GRU(16) -> Linear(1) on 12-year windows of data/sunspots (first 80% of the years for training,
            standardised with the training years' mean/std), Adam lr 0.01, batch 16, 60 epochs, MSE;
            prints the test RMSE (years 1947-2008) and persistence's (SeriesWindowsTests).
  fashion   sequential Fashion-MNIST (28 rows as 28 steps): LSTM(48) or GRU(48) -> Linear(10) on the first
            2000 images of data/fashion-mnist's training sample, tested on the first 500 test images, Adam
            lr 0.005, batch 32, 8 epochs (SequenceTrainingTests).

  /usr/bin/python3 bench/reference/sequence_tasks.py [--seeds 3] [--first-seed 1] [--tasks sunspots,fashion]
"""
import argparse
import gzip
import json
import math
import os
import struct

import numpy as np
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
p = argparse.ArgumentParser()
p.add_argument("--seeds", type=int, default=3)
p.add_argument("--first-seed", type=int, default=1)
p.add_argument("--tasks", default="sunspots,fashion")
a = p.parse_args()
torch.set_num_threads(1)


def train(model, x, y, loss_fn, lr, batch, epochs, seed):
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()


class Head(nn.Module):
    def __init__(self, rnn, units, outputs):
        super().__init__()
        self.rnn, self.head = rnn, nn.Linear(units, outputs)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1, :])


def sunspots(seed):
    rows = open(os.path.join(ROOT, "data", "sunspots", "sunspots.csv")).read().split()[1:]
    series = np.array([float(r.split(",")[1]) for r in rows], dtype=np.float32)
    split, window = int(math.floor(0.8 * len(series))), 12
    mean, std = series[:split].mean(), series[:split].std()
    scaled = (series - mean) / std
    xs = np.stack([scaled[i:i + window] for i in range(len(series) - window)])[:, :, None]
    ys = scaled[window:][:, None]
    train_n = split - window
    torch.manual_seed(seed)
    model = Head(nn.GRU(1, 16, batch_first=True), 16, 1)
    train(model, torch.tensor(xs[:train_n]), torch.tensor(ys[:train_n]), nn.MSELoss(), 0.01, 16, 60, seed)
    with torch.no_grad():
        f = model(torch.tensor(xs[train_n:])).numpy()[:, 0] * std + mean
    actual = series[split:]
    persistence = series[split - 1:-1]
    return float(np.sqrt(((f - actual) ** 2).mean())), float(np.sqrt(((persistence - actual) ** 2).mean()))


def idx(name, limit):
    with gzip.open(os.path.join(ROOT, "data", "fashion-mnist", name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    return arr[:limit]


def fashion(cell, seed):
    xtr = torch.tensor(idx("train-images-idx3-ubyte.gz", 2000).astype(np.float32) / 255)
    ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz", 2000).astype(np.int64))
    xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 500).astype(np.float32) / 255)
    yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 500).astype(np.int64))
    torch.manual_seed(seed)
    rnn = (nn.LSTM if cell == "LSTM" else nn.GRU)(28, 48, batch_first=True)
    model = Head(rnn, 48, 10)
    train(model, xtr, ytr, nn.CrossEntropyLoss(), 0.005, 32, 8, seed)
    with torch.no_grad():
        return float((model(xte).argmax(1) == yte).float().mean())


tasks = set(a.tasks.split(","))
results = {}
for seed in range(a.first_seed, a.first_seed + a.seeds):
    if "sunspots" in tasks:
        rmse, persistence = sunspots(seed)
        results.setdefault("sunspots_gru_rmse", []).append(round(rmse, 2))
        results["sunspots_persistence_rmse"] = round(persistence, 2)
    if "fashion" in tasks:
        results.setdefault("fashion_rows_lstm_accuracy", []).append(round(fashion("LSTM", seed), 4))
        results.setdefault("fashion_rows_gru_accuracy", []).append(round(fashion("GRU", seed), 4))
for key in [k for k in results if isinstance(results[k], list)]:
    results[key + "_mean_std"] = [round(float(np.mean(results[key])), 4), round(float(np.std(results[key], ddof=1)), 4) if len(results[key]) > 1 else 0.0]
results["seeds"] = list(range(a.first_seed, a.first_seed + a.seeds))
results["torch"] = torch.__version__
print(json.dumps(results))
