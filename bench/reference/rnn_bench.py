#!/usr/bin/python3
"""PyTorch side of `NeuralPS.Bench lstm|gru`: the same stacked LSTM/GRU (batch_first, last step's output
into Linear(units, 10)), Adam, cross-entropy, on seeded random inputs; prints one JSON line with the
seconds per training epoch (mean of the epochs after the first) and inference samples/s.

  /usr/bin/python3 bench/reference/rnn_bench.py lstm [--threads N] [--batch 64] [--steps 100] [--units 128]
      [--layers 2] [--features 32] [--samples 1024] [--epochs 2] [--seconds 2] [--vocabulary V]

With --vocabulary V (a character-level model) the inputs are token ids and nn.Embedding(V, features) comes first.
"""
import argparse
import json
import os
import time

p = argparse.ArgumentParser()
p.add_argument("cell", choices=["lstm", "gru"])
for name, default in [("threads", 0), ("batch", 64), ("steps", 100), ("units", 128), ("layers", 2),
                      ("features", 32), ("samples", 1024), ("epochs", 2), ("vocabulary", 0)]:
    p.add_argument("--" + name, type=int, default=default)
p.add_argument("--seconds", type=float, default=2.0)
a = p.parse_args()
if a.threads:
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
import torch  # noqa: E402
from torch import nn  # noqa: E402

if a.threads:
    torch.set_num_threads(a.threads)
torch.manual_seed(1)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        rnn = nn.LSTM if a.cell == "lstm" else nn.GRU
        self.rnn = rnn(a.features, a.units, num_layers=a.layers, batch_first=True)
        self.head = nn.Linear(a.units, 10)
        self.embed = nn.Embedding(a.vocabulary, a.features) if a.vocabulary else None

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        out, _ = self.rnn(x)
        return self.head(out[:, -1, :])


model = Model()
x = torch.randint(0, a.vocabulary, (a.samples, a.steps)) if a.vocabulary else torch.rand(a.samples, a.steps, a.features) * 2 - 1
y = torch.randint(0, 10, (a.samples,))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
times = []
for epoch in range(a.epochs):
    start = time.perf_counter()
    order = torch.randperm(a.samples)
    for i in range(0, a.samples, a.batch):
        idx = order[i:i + a.batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    times.append(time.perf_counter() - start)
model.eval()
xb = x[:a.batch]
runs = 0
with torch.no_grad():
    model(xb)
    start = time.perf_counter()
    while time.perf_counter() - start < a.seconds:
        model(xb)
        runs += 1
    elapsed = time.perf_counter() - start
print(json.dumps({
    "workload": ("char" if a.vocabulary else "") + f"{a.cell}-b{a.batch}-t{a.steps}-u{a.units}-l{a.layers}" + (f"-v{a.vocabulary}" if a.vocabulary else ""), "engine": "pytorch", "torch": torch.__version__,
    "batch": a.batch, "samples": a.samples, "seconds_per_epoch": round(sum(times[1:]) / len(times[1:]), 4),
    "epoch_seconds": [round(t, 4) for t in times], "inference_samples_per_second": round(runs * a.batch / elapsed, 1),
    "threads": torch.get_num_threads(), "load1": os.getloadavg()[0],
}))
