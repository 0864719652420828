#!/usr/bin/python3
"""PyTorch at its best setting: sweeps torch intra-op threads x OPENBLAS_NUM_THREADS (x inference mode:
eager or TorchScript frozen with optimize_for_inference), each setting in its own process (OpenBLAS
reads its thread count when the library loads), and keeps the fastest per workload.

  torch_best.py [--threads 1,2] [--openblas 1,2] [--modes eager,script] [--reuse-probe] -- <torch_bench.py args>

e.g.  torch_best.py -- train --model mlp --batch 64 --epochs 5
      torch_best.py -- train --model cnn --batch 64 --max-batches 40 --warmup 5
      torch_best.py --reuse-probe -- infer --model mlp,cnn --batch 1,1024 --seconds 1

The probe of a training workload is a partial epoch (--probe-batches timed after --probe-warmup); of
inference, --probe-seconds of calls. Then each workload runs once more at its winning setting, unless
--reuse-probe is given or the workload already is a partial epoch (then the probe is the result).
Probes go to stderr; stdout gets one JSON line per workload: the result plus "selected" (the winning
setting) and "sweep" (every setting's probe value: seconds per epoch, batch-1 latency in us, or
samples/s).
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
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def value(result):
    if "seconds_per_epoch" in result:
        return result["seconds_per_epoch"]
    return result["latency_us"] if result["batch"] == 1 else result["samples_per_s"]


def score(result):
    """Lower is better."""
    v = value(result)
    return -v if "seconds_per_epoch" not in result and result["batch"] != 1 else v


def replace_opt(args, name, val):
    args = list(args)
    if name in args:
        args[args.index(name) + 1] = val
    else:
        args += [name, val]
    return args


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
    final_needed = not args.reuse_probe
    if training:
        cnn = "cnn" in bench
        if "--max-batches" in bench:
            probe, final_needed = bench, False
        else:
            probe = bench + ["--max-batches", str(args.probe_batches or (20 if cnn else 150)),
                             "--warmup", str(args.probe_warmup or (4 if cnn else 20))]
        modes = [None]
    else:
        probe = replace_opt(bench, "--seconds", str(args.probe_seconds))
        modes = args.modes.split(",")

    sweep = {}   # workload -> list of {setting, value}
    best = {}    # workload -> (result, setting)
    order = []
    for t in [int(v) for v in args.threads.split(",")]:
        for ob in [int(v) for v in args.openblas.split(",")]:
            for mode in modes:
                setting = {"torch_threads": t, "openblas_threads": ob, **({"mode": mode} if mode else {})}
                for r in run(probe + ([] if mode is None else ["--mode", mode]), t, ob):
                    sys.stderr.write("probe " + json.dumps(r, separators=(",", ":")) + "\n")
                    w = r["workload"] + ("" if not training else f"-b{r['batch']}")
                    if w not in sweep:
                        sweep[w] = []
                        order.append(w)
                    sweep[w].append({**setting, "value": value(r)})
                    if w not in best or score(r) < score(best[w][0]):
                        best[w] = (r, setting)

    for w in order:
        result, setting = best[w]
        if final_needed:
            final = bench
            if not training:
                final = replace_opt(replace_opt(final, "--model", w.split("-")[1]), "--batch", str(result["batch"]))
            final = final + (["--mode", setting["mode"]] if "mode" in setting else [])
            result = run(final, setting["torch_threads"], setting["openblas_threads"])[-1]
        result["selected"] = setting
        result["sweep"] = sweep[w]
        print(json.dumps(result, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
