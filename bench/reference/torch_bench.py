#!/usr/bin/python3
"""One PyTorch CPU measurement in one process (the thread settings are per process, see torch_best.py).

  torch_bench.py train --model mlp --batch 64 --epochs 5 [--max-batches N --warmup W] [--threads 2]
  torch_bench.py infer [--model mlp,cnn] [--batch 1,1024] [--mode eager|script] [--seconds 2] [--threads 2]

Prints one JSON line per measurement (inference: one per model and batch size, in one process). Training mirrors NeuralPS.Bench: the whole data set preloaded as float32 tensors
in [0,1], DataLoader-free batching by a fresh random permutation per epoch, Adam(lr=1e-3),
cross-entropy on logits; seconds_per_epoch counts the training loop only (no data loading, no
evaluation). With --max-batches the epoch is partial: W untimed warm-up batches, then N timed batches
extrapolated to a full epoch (partial=true; test_accuracy is then that of the partly trained model).
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F

import fashion


def train(args):
    torch.manual_seed(args.seed)
    x_train, y_train = fashion.load("train")
    x_test, y_test = fashion.load("test")
    model = fashion.MODELS[args.model]()
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x_train = x_train.contiguous(memory_format=torch.channels_last)
        x_test = x_test.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=args.foreach)
    n = x_train.shape[0]
    batches_per_epoch = math.ceil(n / args.batch)

    def step(idx):
        xb = x_train[idx]
        yb = y_train[idx]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()

    model.train()
    epoch_seconds = []
    timed_batches = 0
    if args.max_batches:
        perm = torch.randperm(n)
        total = args.warmup + args.max_batches
        if total > batches_per_epoch:
            raise SystemExit(f"--warmup + --max-batches = {total} exceeds the {batches_per_epoch} batches of an epoch")
        for b in range(args.warmup):
            step(perm[b * args.batch:(b + 1) * args.batch])
        t0 = time.perf_counter()
        for b in range(args.warmup, total):
            step(perm[b * args.batch:(b + 1) * args.batch])
        elapsed = time.perf_counter() - t0
        timed_batches = args.max_batches
        epoch_seconds.append(elapsed * batches_per_epoch / args.max_batches)
    else:
        for _ in range(args.epochs):
            t0 = time.perf_counter()
            perm = torch.randperm(n)
            for i in range(0, n, args.batch):
                step(perm[i:i + args.batch])
            epoch_seconds.append(time.perf_counter() - t0)
            timed_batches += batches_per_epoch

    model.eval()
    correct = 0
    with torch.inference_mode():
        for i in range(0, x_test.shape[0], 1000):
            correct += (model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
    fashion.emit(
        workload=f"fashion-{args.model}", engine="pytorch", batch=args.batch,
        epochs=0 if args.max_batches else args.epochs, partial=bool(args.max_batches),
        batches_timed=timed_batches, test_accuracy=round(correct / x_test.shape[0], 4),
        seconds_per_epoch=round(statistics.fmean(epoch_seconds), 4),
        epoch_seconds=[round(s, 4) for s in epoch_seconds],
        peak_rss_mb=round(fashion.peak_rss_mb(), 1), foreach=bool(args.foreach),
        channels_last=bool(args.channels_last), **fashion.settings())


def infer(args):
    x_test, _ = fashion.load("test")
    for name in args.model.split(","):
        torch.manual_seed(args.seed)
        model = fashion.MODELS[name]().eval()
        if args.mode == "script":
            with torch.no_grad():
                model = torch.jit.optimize_for_inference(torch.jit.script(model))
        for b in (int(v) for v in str(args.batch).split(",")):
            infer_one(args, name, model, x_test, b)


def infer_one(args, name, model, x_test, b):
    n = x_test.shape[0]
    batches = [x_test[i:i + b] for i in range(0, n - b + 1, b)]
    if not batches:
        raise SystemExit(f"batch {b} is larger than the {n} test samples")
    with torch.inference_mode():
        for i in range(min(len(batches), 50 if b == 1 else 3)):
            model(batches[i])
        lat = []
        done = 0
        t_start = time.perf_counter()
        deadline = t_start + args.seconds
        while True:
            for xb in batches:
                t0 = time.perf_counter_ns()
                model(xb)
                lat.append(time.perf_counter_ns() - t0)
                done += b
                if (b > 1 or len(lat) % 16 == 0) and time.perf_counter() > deadline and len(lat) >= 3:
                    break
            else:
                continue
            break
        total = time.perf_counter() - t_start
    fashion.emit(
        workload=f"infer-{name}-b{b}", engine="pytorch", mode=args.mode, batch=b,
        samples_per_s=round(done / total, 1), latency_us=round(statistics.median(lat) / 1000.0, 2),
        calls=len(lat), peak_rss_mb=round(fashion.peak_rss_mb(), 1), **fashion.settings())


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("train", "infer"):
        s = sub.add_parser(name)
        if name == "train":
            s.add_argument("--model", choices=sorted(fashion.MODELS), default="mlp")
            s.add_argument("--batch", type=int, default=64)
        else:
            s.add_argument("--model", default="mlp,cnn", help="comma-separated: mlp, cnn")
            s.add_argument("--batch", default="1,1024", help="comma-separated batch sizes")
        s.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
        s.add_argument("--seed", type=int, default=1)
    t = sub.choices["train"]
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--max-batches", type=int, default=0)
    t.add_argument("--warmup", type=int, default=10)
    t.add_argument("--foreach", action="store_true", help="multi-tensor Adam (torch's foreach path)")
    t.add_argument("--channels-last", action="store_true")
    i = sub.choices["infer"]
    i.add_argument("--mode", choices=["eager", "script"], default="eager")
    i.add_argument("--seconds", type=float, default=2.0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    (train if args.cmd == "train" else infer)(args)


if __name__ == "__main__":
    main()
