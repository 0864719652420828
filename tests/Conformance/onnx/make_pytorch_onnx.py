#!/usr/bin/python3
"""PyTorch -> ONNX reference models for NeuralPS' ONNX importer (tests/NeuralPS.Onnx.Tests/PyTorchImportTests.cs).

  /usr/bin/python3 tests/Conformance/onnx/make_pytorch_onnx.py [--out tests/Conformance/onnx]

Trains six small models with Debian's PyTorch (python3-torch 1.13, CPU) on the data shipped in data/,
exports each with torch.onnx.export (opset 17, dynamic batch axis, eval mode: BatchNorm is folded into the
convolution before it, as PyTorch's exporter does), and writes beside it the test inputs and PyTorch's
outputs for them (<name>.check.json: input_shape, input, output_shape, output; float32 values):

  iris_mlp     Linear(4,16)+ReLU, Linear(16,3) on raw Iris measurements (data/iris), 300 Adam steps
  fashion_cnn  Conv(1,8,3)+ReLU, MaxPool 2, Conv(8,16,3)+ReLU, MaxPool 2, Dropout, Flatten, Linear(400,32)+ReLU,
               Linear(32,10) on Fashion-MNIST pixels in [0,1] (data/fashion-mnist, 1000 training images, 2 epochs)
  fashion_resnet  stem Conv(1,8,3,pad 1)+BN+ReLU; residual block 8->8 (identity skip); residual block 8->16,
               stride 2 (1x1 stride-2 Conv+BN projection); AdaptiveAvgPool(1), x.view(x.size(0), -1), Linear(16,10)
  sunspot_lstm LSTM(1,16, batch_first) -> h_n[-1] -> Linear(16,1) on 12-year windows of data/sunspots / 100
  sunspot_gru  GRU(1,8, batch_first, bidirectional) -> every step's output -> Linear(16,1) per step
  iris_gelu    Linear(4,16)+GELU, Linear(16,16)+GELU, Linear(16,3): PyTorch 1.13 writes the exact GELU at opset 17
               as Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5), which the importer folds back into one GELU

Everything is seeded; the files total well under 1 MB. The torch.onnx exporter needs no `onnx` package.
"""
import argparse
import csv
import gzip
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DATA = os.path.join(ROOT, "data")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion(split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(DATA, "fashion-mnist", f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / np.float32(255)
    y = read_idx(os.path.join(DATA, "fashion-mnist", f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x).reshape(-1, 1, 28, 28), torch.from_numpy(y)


def iris():
    with open(os.path.join(DATA, "iris", "iris.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    names = sorted({r["Species"] for r in rows})
    x = torch.tensor([[float(r[c]) for c in ("SepalLength", "SepalWidth", "PetalLength", "PetalWidth")] for r in rows])
    y = torch.tensor([names.index(r["Species"]) for r in rows])
    return x, y


def sunspot_windows(count=None, steps=12):
    with open(os.path.join(DATA, "sunspots", "sunspots.csv"), newline="") as f:
        values = [float(r["SUNACTIVITY"]) / 100 for r in csv.DictReader(f)]
    n = (len(values) - steps - 1) if count is None else count
    x = torch.tensor([values[i:i + steps] for i in range(n)], dtype=torch.float32).unsqueeze(-1)
    y = torch.tensor([values[i + steps] for i in range(n)], dtype=torch.float32).unsqueeze(-1)
    return x, y


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.block1 = Block(8, 8, 1)
        self.block2 = Block(8, 16, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.block2(self.block1(self.stem(x))))
        return self.fc(x.view(x.size(0), -1))  # exported as Shape/Gather/Unsqueeze/Concat -> Reshape


class LastStateLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(1, 16, batch_first=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        _, (h, _) = self.rnn(x)
        return self.fc(h[-1])


class SequenceGru(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(1, 8, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(16, 1)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(y)


def train(model, x, y, loss_fn, epochs, batch=64, lr=1e-2):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    model.eval()
    return float(loss)


def export(model, name, sample, out):
    path = os.path.join(out, f"{name}.onnx")
    torch.onnx.export(model, sample[:2], path, opset_version=17, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    with torch.no_grad():
        y = model(sample)
    with open(os.path.join(out, f"{name}.check.json"), "w") as f:
        json.dump({"input_shape": list(sample.shape), "input": [float(v) for v in sample.flatten().tolist()],
                   "output_shape": list(y.shape), "output": [float(v) for v in y.flatten().tolist()]}, f)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path):,} bytes)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    ce = nn.CrossEntropyLoss()
    mse = nn.MSELoss()

    torch.manual_seed(1)
    x, y = iris()
    mlp = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    train(mlp, x, y, ce, epochs=120, batch=32)
    export(mlp, "iris_mlp", x, args.out)

    xf, yf = fashion("train")
    xt, _ = fashion("test")
    torch.manual_seed(2)
    cnn = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Dropout(0.25), nn.Flatten(), nn.Linear(16 * 5 * 5, 32), nn.ReLU(), nn.Linear(32, 10))
    train(cnn, xf, yf, ce, epochs=2, lr=3e-3)
    export(cnn, "fashion_cnn", xt[:16], args.out)

    torch.manual_seed(3)
    res = ResNet()
    train(res, xf, yf, ce, epochs=1, lr=3e-3)
    export(res, "fashion_resnet", xt[:8], args.out)

    xs, ys = sunspot_windows()
    torch.manual_seed(4)
    lstm = LastStateLstm()
    train(lstm, xs, ys, mse, epochs=20, batch=32)
    export(lstm, "sunspot_lstm", xs[:20], args.out)

    torch.manual_seed(5)
    gru = SequenceGru()
    train(gru, xs, ys.unsqueeze(1).expand(-1, 12, -1), mse, epochs=10, batch=32)
    export(gru, "sunspot_gru", xs[:20], args.out)

    torch.manual_seed(6)
    gelu = nn.Sequential(nn.Linear(4, 16), nn.GELU(), nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 3))
    train(gelu, x, y, ce, epochs=120, batch=32)
    export(gelu, "iris_gelu", x, args.out)


if __name__ == "__main__":
    main()
