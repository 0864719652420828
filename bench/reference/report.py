#!/usr/bin/python3
"""Turns bench/compare.sh's raw measurements into bench/results/latest.jsonl and the printed table.

  report.py RAW.tsv --out latest.jsonl [--quick 0|1] [--started "..."] [--seconds N]

RAW.tsv lines: step tag, 1-minute load, mean CPU MHz, one JSON object (a tool's output line).
Tags: np-* NeuralPS.Bench, pt-* torch_best.py, ort-* ort_infer.mjs, gemm/conv: lines that already
compare NeuralPS with a reference ({"workload","metric","neuralps","reference",...}), passed through.
Ratio = NeuralPS / reference for every metric; the target column says which way is good.
"""
import argparse
import datetime
import json
import os
import re
import sys

# (workload regex, metric, reference) -> (comparison, ratio target): issues 3 and 4, tightened by issue 11
# (which holds on every vector path): seed CNN epoch <= 0.4x PyTorch, CNN batch 1024 >= 1.0x and MLP batch-1
# latency <= 0.5x ONNX Runtime, SGEMM >= 1.0x OpenBLAS for squares from 256.
TARGETS = [
    (r"fashion-mlp-b\d+$", "seconds_per_epoch", "pytorch", "<=", 0.7),
    (r"fashion-cnn-b\d+$", "seconds_per_epoch", "pytorch", "<=", 0.4),
    (r"(char)?(lstm|gru)-b\d+-", "seconds_per_epoch", "pytorch", "<=", 0.7),  # issue 12
    (r"infer-mlp-b1024$", "samples_per_s", "onnxruntime", ">=", 1.0),
    (r"infer-cnn-b1024$", "samples_per_s", "onnxruntime", ">=", 1.0),
    (r"infer-mlp-b1$", "latency_us", "pytorch", "<=", 1 / 3),
    (r"infer-mlp-b1$", "latency_us", "onnxruntime", "<=", 0.5),
    (r"sgemm-(256|512|1024|2048|4096)$", "gflops", "openblas", ">=", 1.0),
    (r"sgemm-(dw-|dx-)?\d+x\d+x\d+$", "gflops", "openblas", ">=", 0.9),
]


def target_for(workload, metric, reference_name):
    for pattern, m, ref, op, value in TARGETS:
        if m == metric and ref == reference_name and re.match(pattern, workload):
            return op, value
    return None


def read_raw(path):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t", 3)
            if len(parts) != 4:
                continue
            tag, load, mhz, text = parts
            try:
                obj = json.loads(text)
            except json.JSONDecodeError:
                continue
            rows.append((tag, num(load), num(mhz), obj))
    return rows


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


RNN = re.compile(r"(char)?(lstm|gru)-b\d+-")


def key_of(tag, obj):
    """Workload key shared by the two sides: fashion-<model>-b<batch> for training, the tool's own
    infer-<model>-b<batch> for inference."""
    w = obj.get("workload", "")
    if w.startswith("infer-") or RNN.match(w):
        return w
    m = re.match(r"(np|pt)-(mlp|cnn|resnet)", tag)
    model = m.group(2) if m else w.replace("fashion-", "")
    return f"fashion-{model}-b{obj.get('batch', 64)}"


def metrics_for(key):
    if RNN.match(key):
        return [("seconds_per_epoch", False), ("inference_samples_per_second", True)]
    if key.startswith("infer-"):
        if key.endswith("-b1"):
            return [("latency_us", False), ("samples_per_s", True)]
        return [("samples_per_s", True)]
    return [("seconds_per_epoch", False), ("peak_rss_mb", False), ("test_accuracy", True)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("raw")
    p.add_argument("--out", required=True)
    p.add_argument("--quick", type=int, default=0)
    p.add_argument("--started", default="")
    p.add_argument("--seconds", type=int, default=0)
    p.add_argument("--kernels", default="{}", help="JSON from compare.sh: NeuralPS's path and each reference's kernel")
    a = p.parse_args()
    try:
        kernels = json.loads(a.kernels)
    except json.JSONDecodeError:
        kernels = {}
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")

    neuralps, refs, passthrough, errors, order = {}, {}, [], [], []
    for tag, load, mhz, obj in read_raw(a.raw):
        if "error" in obj:
            errors.append(f"{tag}: {obj['error']}")
            continue
        if "metric" in obj and "neuralps" in obj:
            obj.setdefault("load1", load)
            obj.setdefault("cpu_mhz", mhz)
            passthrough.append(obj)
            continue
        key = key_of(tag, obj)
        if key not in order:
            order.append(key)
        entry = (obj, load, mhz)
        if tag.startswith("np-"):
            neuralps[key] = entry
        elif tag.startswith("pt-"):
            # Several PyTorch thread settings of one recurrent workload: keep its best epoch time.
            best = refs.get((key, "pytorch"))
            if best is None or not RNN.match(key) or obj.get("seconds_per_epoch", 1e30) < best[0].get("seconds_per_epoch", 1e30):
                refs[(key, "pytorch")] = entry
        elif tag.startswith("ort-"):
            refs[(key, "onnxruntime")] = entry

    lines = []
    for obj in passthrough:
        nv, rv = obj.get("neuralps"), obj.get("reference")
        if obj.get("ratio") is None and nv and rv:
            obj["ratio"] = round(nv / rv, 4)
        t = target_for(obj["workload"], obj["metric"], obj.get("reference_name", ""))
        if t and "target" not in obj:
            obj["target"] = f"{t[0]}{t[1]:.2f}"
            if obj.get("ratio") is not None:
                obj["target_met"] = obj["ratio"] <= t[1] if t[0] == "<=" else obj["ratio"] >= t[1]
        lines.append(obj)
    nps_threads = os.cpu_count()
    for key in order:
        np_entry = neuralps.get(key)
        for ref_name in ("pytorch", "onnxruntime"):
            ref_entry = refs.get((key, ref_name))
            if ref_entry is None and not (np_entry and ref_name == "pytorch"):
                continue
            for metric, higher in metrics_for(key):
                nv = np_entry[0].get(metric) if np_entry else None
                rv = ref_entry[0].get(metric) if ref_entry else None
                if nv is None and rv is None:
                    continue
                partial = any(e and e[0].get("partial") for e in (np_entry, ref_entry))
                if metric == "test_accuracy" and partial:
                    continue  # a partial epoch's accuracy means nothing
                if metric == "peak_rss_mb" and ref_name != "pytorch":
                    continue
                ref_obj = ref_entry[0] if ref_entry else {}
                line = {
                    "workload": key, "metric": metric, "neuralps": nv, "reference": rv,
                    "reference_name": ref_name, "higher_is_better": higher,
                    "threads": (np_entry[0].get("threads") if np_entry else None) or nps_threads,
                    "ratio": round(nv / rv, 4) if nv and rv else None,
                }
                t = target_for(key, metric, ref_name)
                if t:
                    line["target"] = f"{t[0]}{t[1]:.2f}"
                    if line["ratio"] is not None:
                        line["target_met"] = line["ratio"] <= t[1] if t[0] == "<=" else line["ratio"] >= t[1]
                line["reference_setting"] = ref_obj.get("selected") or (
                    {"threads": ref_obj["threads"]} if "threads" in ref_obj else None)
                loads = [e[1] for e in (np_entry, ref_entry) if e and e[1] is not None]
                mhzs = [e[2] for e in (np_entry, ref_entry) if e and e[2] is not None]
                line["load1"] = max(loads) if loads else None
                line["cpu_mhz"] = round(sum(mhzs) / len(mhzs)) if mhzs else None
                line["partial"] = partial
                lines.append(line)

    nps = kernels.get("neuralps") or {}
    for line in lines:
        line["quick"] = bool(a.quick)
        line["time"] = now
        line.setdefault("neuralps_path", line.get("simd_path") or nps.get("simd_path"))
        line["reference_kernel"] = reference_kernel(line.get("reference_name", ""), kernels)
    with open(a.out, "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")

    print_table(lines, errors, a, now)


def reference_kernel(name, kernels):
    """The kernel family the reference ran: OpenBLAS's core, PyTorch's ATen capability + BLAS, ONNX Runtime's MLAS."""
    if name.startswith("openblas"):
        return "openblas-" + str(kernels.get("openblas", "?"))
    if name in kernels and isinstance(kernels[name], str):
        return kernels[name]
    return None


def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return str(v).lower()
    v = float(v)
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.3f}"
    return f"{v:.4f}"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def print_table(lines, errors, a, now):
    with open("/proc/loadavg") as f:
        load_end = " ".join(f.read().split()[:3])
    print(f"NeuralPS vs references — {'quick' if a.quick else 'full'} run, {a.seconds} s")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; started {a.started}; ended {now} load {load_end}")
    print("ratio = NeuralPS / reference (times and latency: lower is better; GFLOP/s and samples/s: higher)")
    head = ("workload", "metric", "thr", "NeuralPS", "path", "reference", "vs", "ref kernel", "ratio", "target", "met", "load", "MHz")
    rows = [head]
    for l in lines:
        rows.append((l["workload"], l["metric"], str(l.get("threads", "")), fmt(l.get("neuralps")), l.get("neuralps_path") or "?",
                     fmt(l.get("reference")), l.get("reference_name", ""), l.get("reference_kernel") or "?", fmt(l.get("ratio")), l.get("target", ""),
                     {True: "yes", False: "NO"}.get(l.get("target_met"), ""),
                     fmt(l.get("load1")), fmt(l.get("cpu_mhz"))))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    for n, r in enumerate(rows):
        print("  ".join(str(c).ljust(w) if i in (0, 1, 4, 6, 7) else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    settings = sorted({(l["workload"], json.dumps(l["reference_setting"], sort_keys=True))
                       for l in lines if l.get("reference_setting")})
    if settings:
        print("reference settings (fastest of the sweep):")
        for w, s in settings:
            print(f"  {w}: {s}")
    if errors:
        print("steps that failed (their rows show n/a):")
        for e in errors:
            print(f"  {e}")


if __name__ == "__main__":
    sys.exit(main())
