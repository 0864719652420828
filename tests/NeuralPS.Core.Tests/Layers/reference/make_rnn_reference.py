#!/usr/bin/python3
"""Writes rnn_reference.json: forward outputs and gradients of torch.nn.RNN / LSTM / GRU in float64 on
fixed weights and inputs, for RecurrentReferenceTests.cs.

Run with Debian's PyTorch (apt-get install python3-torch):  /usr/bin/python3 make_rnn_reference.py
Inputs, weights and the output weighting r are drawn from a seeded generator and rounded to float32,
so the float32 NeuralPS layer sees exactly the values PyTorch used. The objective is L = sum(y * r);
y is the output sequence (batch_first) or, for the last step, h_n as (batch, directions * units).
Cases with "lengths" pack the batch (torch.nn.utils.rnn.pack_padded_sequence, enforce_sorted=False): steps
past a sample's length are zeros in the input, zeros in the sequence output, and h_n is the state after the
sample's last step — what NeuralPS's MaskZeroSteps must give.
"""
import json
import os
import torch

torch.manual_seed(20261130)
CELLS = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
BATCH, TIME, FEATURES, UNITS = 2, 5, 3, 4


def f32(t):
    return t.float().double()


def case(cell, sequences, bidirectional, batch=BATCH, time=TIME, lengths=None):
    module = CELLS[cell](FEATURES, UNITS, num_layers=1, batch_first=True, bidirectional=bidirectional).double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(torch.empty_like(p).uniform_(-0.8, 0.8)))
    x = f32(torch.empty(batch, time, FEATURES, dtype=torch.float64).uniform_(-1.5, 1.5))
    if lengths is not None:
        for b, n in enumerate(lengths):
            x[b, n:, :] = 0
    x.requires_grad_(True)
    if lengths is None:
        out, state = module(x)
    else:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, state = module(packed)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=time)
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
        "cell": cell, "returnSequences": sequences, "bidirectional": bidirectional, "lengths": lengths,
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
    for sequences in (False, True):
        cases.append(case(cell, sequences, True, batch=3, lengths=[5, 2, 4]))
doc = {"torch": torch.__version__, "generator": "make_rnn_reference.py", "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn_reference.json")
with open(path, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {path}")
