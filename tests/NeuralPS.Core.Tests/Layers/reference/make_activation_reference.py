#!/usr/bin/python3
"""Writes activation_reference.json: forward outputs and input gradients of PyTorch's activation modules in
float64, for ActivationReferenceTests.cs, and torch.erf on a grid for the float64 error function.

Run with Debian's PyTorch (apt-get install python3-torch):  /usr/bin/python3 make_activation_reference.py
Inputs and the output weighting r are drawn from a seeded generator and rounded to float32, so the float32
NeuralPS layer sees exactly the values PyTorch used; a few fixed points are added to every element-wise case:
the kinks (0, ±3), small magnitudes where expm1/log1p/erf lose accuracy when done naively, and far tails.
The objective is L = sum(y * r), so the input gradient is r ⊙ act'(x) (for Softmax the Jacobian product).
Names are NeuralPS's activation names; "settings" are the Activation layer's (alpha, beta, threshold, axis).
"""
import json
import os
import torch

torch.manual_seed(20261130)
FIXED = [0.0, 3.0, -3.0, 1e-3, -1e-3, 1e-4, -1e-4, 1e-6, -2.5e-5, 0.49, -0.51, 5.5, -5.5, -9.0, 9.0]


def f32(t):
    return t.float().double()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


def case(name, module, settings, shape=(3, 41), scale=6.0, fixed=FIXED):
    x = f32(torch.empty(*shape, dtype=torch.float64).uniform_(-scale, scale))
    if fixed:
        x.view(-1)[: len(fixed)] = torch.tensor(fixed, dtype=torch.float64).float().double()
    x.requires_grad_(True)
    y = module(x)
    r = f32(torch.empty_like(y).uniform_(-1, 1))
    (y * r).sum().backward()
    return {"activation": name, "settings": settings, "shape": list(shape), "input": flat(x),
            "outputWeights": flat(r), "output": flat(y), "inputGradient": flat(x.grad)}


nn = torch.nn
cases = [
    case("GELU", nn.GELU(approximate="none"), {}),
    case("GELUTanh", nn.GELU(approximate="tanh"), {}),
    case("ELU", nn.ELU(), {}),
    case("ELU", nn.ELU(alpha=0.5), {"alpha": 0.5}),
    case("SELU", nn.SELU(), {}),
    case("SiLU", nn.SiLU(), {}),
    case("Softplus", nn.Softplus(), {}),
    case("Softplus", nn.Softplus(beta=2.0, threshold=5.0), {"beta": 2.0, "threshold": 5.0}),
    case("HardSigmoid", nn.Hardsigmoid(), {}),
    # Hardswish' at exactly x = 3 differs inside PyTorch 1.13 itself: its vectorised CPU kernel gives 1, the scalar
    # one (a tensor shorter than a vector, e.g. torch.tensor([3.])) gives 1.5 = x/3 + 1/2. NeuralPS takes 1.5 (the
    # scalar definition, the left derivative); x = 3 is left out here, x = -3 (-0.5 in both) stays.
    case("HardSwish", nn.Hardswish(), {}, fixed=[v for v in FIXED if v != 3.0]),
    case("LeakyReLU", nn.LeakyReLU(0.2), {"alpha": 0.2}),
    case("Softmax", nn.Softmax(dim=-1), {}, shape=(4, 7), scale=4.0, fixed=None),
    case("Softmax", nn.Softmax(dim=1), {"axis": 1}, shape=(2, 3, 4, 5), scale=4.0, fixed=None),
    case("Softmax", nn.Softmax(dim=2), {"axis": 2}, shape=(2, 3, 4, 5), scale=4.0, fixed=None),
    case("Softmax", nn.Softmax(dim=-2), {"axis": -2}, shape=(2, 6, 3), scale=4.0, fixed=None),
]
grid = [i / 40 for i in range(-240, 241)] + [1e-8, -3e-5, 2.4999, 2.5, 2.5001, 4.75, -5.9]
erf = {"x": grid, "erf": flat(torch.erf(torch.tensor(grid, dtype=torch.float64))),
       "erfc": flat(torch.erfc(torch.tensor(grid, dtype=torch.float64)))}
doc = {"torch": torch.__version__, "generator": "make_activation_reference.py", "cases": cases, "erf": erf}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "activation_reference.json")
with open(path, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases and {len(grid)} erf points to {path}")
