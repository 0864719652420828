#!/usr/bin/python3
"""Writes sequence_loss_reference.json: per-step losses of PyTorch on fixed values in float64, for
SequenceLossTests.cs.

Run with Debian's PyTorch (apt-get install python3-torch):  /usr/bin/python3 make_sequence_loss_reference.py
- "crossEntropy": logits (batch, time, classes) and labels (batch, time) with -1 on padded steps;
  torch.nn.CrossEntropyLoss(ignore_index=-1) on the logits reshaped to (batch*time, classes), its value and
  d loss / d logits.
- "meanSquaredError": outputs and targets (batch, time, k); torch.nn.MSELoss() and its gradient.
Values are drawn from a seeded generator and rounded to float32, so the float32 NeuralPS loss sees exactly
the values PyTorch used.
"""
import json
import os
import torch

torch.manual_seed(20261130)


def f32(t):
    return t.float().double()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


def cross_entropy(batch, time, classes, lengths):
    z = f32(torch.empty(batch, time, classes, dtype=torch.float64).uniform_(-4, 4)).requires_grad_(True)
    labels = torch.randint(0, classes, (batch, time))
    for b, n in enumerate(lengths):
        labels[b, n:] = -1
    loss = torch.nn.CrossEntropyLoss(ignore_index=-1)(z.reshape(-1, classes), labels.reshape(-1))
    loss.backward()
    return {"batch": batch, "time": time, "classes": classes, "output": flat(z),
            "labels": [int(v) for v in labels.reshape(-1)], "loss": float(loss), "gradient": flat(z.grad)}


def mean_squared_error(batch, time, k):
    y = f32(torch.empty(batch, time, k, dtype=torch.float64).uniform_(-2, 2)).requires_grad_(True)
    t = f32(torch.empty(batch, time, k, dtype=torch.float64).uniform_(-2, 2))
    loss = torch.nn.MSELoss()(y, t)
    loss.backward()
    return {"batch": batch, "time": time, "k": k, "output": flat(y), "targets": flat(t),
            "loss": float(loss), "gradient": flat(y.grad)}


cases = {
    "crossEntropy": [
        cross_entropy(3, 5, 7, [5, 2, 4]),
        cross_entropy(4, 6, 3, [1, 6, 3, 5]),
        cross_entropy(1, 1, 2, [1]),
    ],
    "meanSquaredError": [mean_squared_error(2, 4, 3), mean_squared_error(3, 5, 1)],
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sequence_loss_reference.json"), "w") as f:
    json.dump({"torch": torch.__version__, **cases}, f, indent=1)
