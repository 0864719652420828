#!/usr/bin/python3
"""PyTorch at its best setting: sweeps torch intra-op threads x OPENBLAS_NUM_THREADS (x inference mode),
each in its own process (OpenBLAS reads its thread count when the library loads), keeps the fastest.

  torch_best.py [--threads 1,2] [--openblas 1,2] [--modes eager,script] [--reuse-probe] -- <torch_bench.py args>

e.g.  torch_best.py -- train --model mlp --batch 64 --epochs 5
      torch_best.py --reuse-probe -- train --model cnn --batch 64 --max-batches 40 --warmup 5
      torch_best.py -- infer --model cnn --batch 1024

The probe of a training workload is a partial epoch (--probe-batches timed after --probe-warmup), of
an inference workload --probe-seconds of calls. Then the workload runs once more with the winning
setting (unless --reuse-probe, or the workload already is a partial epoch: then the probe is the
result). Every probe goes to stderr; stdout gets one JSON line: the result plus "sweep" (each
setting's probe value) and "selected" (the winning setting).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(bench_args, torch_threads, openblas_threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(openblas_threads), OMP_NUM_THREADS=str(torch_threads))
    cmd = [sys.executable, os.path.join(HERE, "torch_bench.py")] + bench_args + ["--threads", str(torch_threads)]
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"failed: OPENBLAS_NUM_THREADS={openblas_threads} {' '.join(cmd)}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def score(result):
    """Lower is better."""
    if "seconds_per_epoch" in result:
        return result["seconds_per_epoch"]
    if result["batch"] == 1:
        return result["latency_us"]
    return -result["samples_per_s"]


def value(result):
    for key in ("seconds_per_epoch", "latency_us"):
        if key in result and (key != "latency_us" or result["batch"] == 1):
            return result[key]
    return result["samples_per_s"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--openblas", default="1,2")
    p.add_argument("--modes", default="eager,script", help="inference only")
    p.add_argument("--probe-batches", type=int, default=0, help="default: 150 (mlp), 20 (cnn)")
    p.add_argument("--probe-warmup", type=int, default=0, help="default: 20 (mlp), 4 (cnn)")
    p.add_argument("--probe-seconds", type=float, default=0.6)
    p.add_argument("--reuse-probe", action="store_true", help="report the best probe instead of running again")
    p.add_argument("bench", nargs=argparse.REMAINDER)
    args = p.parse_args()
    bench = args.bench[1:] if args.bench[:1] == ["--"] else args.bench
    if not bench or bench[0] not in ("train", "infer"):
        p.error("give the torch_bench.py arguments after --, starting with train or infer")
    training = bench[0] == "train"
    cnn = "cnn" in bench
    if training:
        partial = "--max-batches" in bench
        probe = bench if partial else bench + [
            "--epochs", "1",
            "--max-batches", str(args.probe_batches or (20 if cnn else 150)),
            "--warmup", str(args.probe_warmup or (4 if cnn else 20))]
        modes = [None]
    else:
        partial = False
        probe = bench + ["--seconds", str(args.probe_seconds)]
        modes = args.modes.split(",")

    sweep = []
    best = None
    for t in [int(v) for v in args.threads.split(",")]:
        for ob in [int(v) for v in args.openblas.split(",")]:
            for mode in modes:
                extra = [] if mode is None else ["--mode", mode]
                r = run(probe + extra, t, ob)
                sys.stderr.write("probe " + json.dumps(r, separators=(",", ":")) + "\n")
                sweep.append({"torch_threads": t, "openblas_threads": ob, **({"mode": mode} if mode else {}),
                              "value": value(r)})
                if best is None or score(r) < score(best[0]):
                    best = (r, t, ob, extra)
    result, t, ob, extra = best
    if not (partial or args.reuse_probe):
        result = run(bench + extra, t, ob)
    result["selected"] = {"torch_threads": t, "openblas_threads": ob, **({"mode": extra[1]} if extra else {})}
    result["sweep"] = sweep
    print(json.dumps(result, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
