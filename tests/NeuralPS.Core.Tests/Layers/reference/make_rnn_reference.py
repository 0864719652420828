#!/usr/bin/python3
"""Writes rnn_reference.json: forward outputs and gradients of torch.nn.RNN / LSTM / GRU in float64 on
fixed weights and inputs, for RecurrentReferenceTests.cs.

Run with Debian's PyTorch (apt-get install python3-torch):  /usr/bin/python3 make_rnn_reference.py
Inputs, weights and the output weighting r are drawn from a seeded generator and rounded to float32,
so the float32 NeuralPS layer sees exactly the values PyTorch used. The objective is L = sum(y * r);
y is the output sequence (batch_first) or, for the last step, h_n as (batch, directions * units).
"""
import json
import os
import torch

torch.manual_seed(20261130)
CELLS = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
BATCH, TIME, FEATURES, UNITS = 2, 5, 3, 4


def f32(t):
    return t.float().double()


def case(cell, sequences, bidirectional, batch=BATCH, time=TIME):
    module = CELLS[cell](FEATURES, UNITS, num_layers=1, batch_first=True, bidirectional=bidirectional).double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(torch.empty_like(p).uniform_(-0.8, 0.8)))
    x = f32(torch.empty(batch, time, FEATURES, dtype=torch.float64).uniform_(-1.5, 1.5)).requires_grad_(True)
    out, state = module(x)
    h_n = state[0] if cell == "LSTM" else state
    y = out if sequences else h_n.permute(1, 0, 2).reshape(batch, -1)
    r = f32(torch.empty_like(y).uniform_(-1, 1))
    (y * r).sum().backward()
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    params = {}
    for name, p in module.named_parameters():
        short = name.replace("_l0", "")  # PyTorch's weight_ih_l0_reverse -> weight_ih_reverse
        params[short] = {"shape": list(p.shape), "value": flat(p), "grad": flat(p.grad)}
    return {
        "cell": cell, "returnSequences": sequences, "bidirectional": bidirectional,
        "batch": batch, "time": time, "features": FEATURES, "units": UNITS,
        "input": flat(x), "outputWeights": flat(r), "output": flat(y), "inputGradient": flat(x.grad),
        "parameters": params,
    }


cases = []
for cell in CELLS:
    for sequences in (False, True):
        for bidirectional in (False, True):
            cases.append(case(cell, sequences, bidirectional))
    cases.append(case(cell, True, True, batch=1, time=1))
doc = {"torch": torch.__version__, "generator": "make_rnn_reference.py", "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn_reference.json")
with open(path, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {path}")
