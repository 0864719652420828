#!/usr/bin/env bash
# NeuralPS vs the references (PyTorch 1.13 CPU at its best thread setting, ONNX Runtime 1.30, OpenBLAS)
# on this machine, interleaved in ONE run so clock drift and the neighbours' load hit both sides alike.
#
#   bench/compare.sh [--quick] [--no-install] [--no-build] [--only gemm,mlp,infer,cnn,conv,rnn] [--reference-only]
#
# Prints a table (values, ratio NeuralPS/reference, the issue's target) with the machine's load, and
# writes one JSON line per workload and metric to bench/results/latest.jsonl, e.g.
#   {"workload":"fashion-mlp-b64","metric":"seconds_per_epoch","neuralps":1.1,"reference":2.3,
#    "reference_name":"pytorch","higher_is_better":false,"threads":2,...}
# The previous latest.jsonl/latest.txt are kept as bench/results/<their time>.{jsonl,txt}.
# Raw output of every tool: bench/work/compare-raw.tsv and bench/work/compare.log.
# --quick (< 3 minutes): partial epochs (timed batches after warm-up batches, extrapolated to an epoch),
# shorter inference timings, thread sweeps at OPENBLAS_NUM_THREADS=1 only.
# --reference-only: only the PyTorch / ONNX Runtime steps (records the reference side on its own).
set -uo pipefail

QUICK=0 INSTALL=1 BUILD=1 ONLY="gemm,mlp,infer,cnn,conv,rnn" REFONLY=0
while (($#)); do
  case "$1" in
    --quick) QUICK=1 ;;
    --no-install) INSTALL=0 ;;
    --no-build) BUILD=0 ;;
    --only) ONLY="$2"; shift ;;
    --reference-only) REFONLY=1; BUILD=0 ;;  # PyTorch / ONNX Runtime side only (no NeuralPS steps)
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench" WORK="$ROOT/bench/work" RESULTS="$ROOT/bench/results" REF="$ROOT/bench/reference"
PY=/usr/bin/python3   # only the system python sees Debian's python3-torch / python3-numpy
DATA=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
mkdir -p "$WORK" "$RESULTS"
RAW="$WORK/compare-raw.tsv" LOG="$WORK/compare.log"
: > "$RAW"; : > "$LOG"
START=$(date +%s)

# ---- install what is missing --------------------------------------------------------------------
if ((INSTALL)); then
  pkgs=()
  "$PY" -c 'import torch' 2>/dev/null || pkgs+=(python3-torch)
  "$PY" -c 'import numpy' 2>/dev/null || pkgs+=(python3-numpy)
  dpkg -s libopenblas0-pthread >/dev/null 2>&1 || pkgs+=(libopenblas0-pthread)
  [[ -e "$DATA/train-images-idx3-ubyte.gz" || -e "$DATA/train-images-idx3-ubyte" ]] || pkgs+=(dataset-fashion-mnist)
  if ((${#pkgs[@]})); then
    echo "installing ${pkgs[*]} ..." >&2
    SUDO=(); ((EUID == 0)) || SUDO=(sudo)
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 "${pkgs[@]}" >>"$LOG" 2>&1 \
      || { echo "apt-get install ${pkgs[*]} failed (see $LOG)" >&2; exit 1; }
  fi
  if [[ ! -d "$BENCH/node_modules/onnxruntime-node" ]]; then
    echo "installing onnxruntime-node into bench/node_modules ..." >&2
    (cd "$BENCH" && npm install --ignore-scripts --no-package-lock --no-audit --no-fund) >>"$LOG" 2>&1 \
      || echo "npm install onnxruntime-node failed (see $LOG); ONNX Runtime rows will be empty" >&2
  fi
fi

# ---- build --------------------------------------------------------------------------------------
DLL="$BENCH/NeuralPS.Bench/bin/Release/net10.0/NeuralPS.Bench.dll"
if ((BUILD)); then
  echo "building NeuralPS.Bench (Release) ..." >&2
  dotnet build "$BENCH/NeuralPS.Bench/NeuralPS.Bench.csproj" -c Release -nologo -v q >>"$LOG" 2>&1 \
    || { echo "build failed (see $LOG)" >&2; exit 1; }
fi
NPS=(dotnet "$DLL")

# ---- which kernels each side runs (written into every row of the report) -----------------------
# NeuralPS: its vector path (AVX-512 / AVX2 / 128-bit; DOTNET_EnableAVX512=0 or DOTNET_EnableAVX2=0 narrow it).
# OpenBLAS: its core (OPENBLAS_CORETYPE=Haswell holds it to AVX2). PyTorch: ATen's CPU capability
# (ATEN_CPU_CAPABILITY=avx2 holds it) and its BLAS. ONNX Runtime: MLAS picks its kernels from CPUID, with no
# setting to narrow them; see ORT_RUN below for how it is held to AVX2.
NPS_PATH=$( ((REFONLY)) && echo '{}' || "${NPS[@]}" path 2>>"$LOG" | grep '^{' || echo '{}')
OPENBLAS_CORE=$("$PY" -c 'import ctypes
for n in ("libopenblas.so.0", "libopenblas.so"):
    try:
        f = ctypes.CDLL(n).openblas_get_corename; f.restype = ctypes.c_char_p; print(f().decode()); break
    except OSError: pass' 2>>"$LOG")
TORCH_CAP=$("$PY" -c 'import re, torch
m = re.search(r"CPU capability usage: (\S+)", torch.__config__.show()); b = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
print((m.group(1) if m else "?") + "+" + (b.group(1) if b else "?"))' 2>>"$LOG")
ORT_KERNEL="mlas-cpuid($(grep -qw avx512f /proc/cpuinfo && echo avx512 || (grep -qw avx2 /proc/cpuinfo && echo avx2 || echo sse)))"
# ONNX Runtime held to AVX2: when NeuralPS runs a narrower path than AVX-512 on an AVX-512 CPU (or
# ORT_HOLD_AVX2=1), ort_hold_avx2.py writes a copy of onnxruntime-node whose MLAS skips its AVX-512 kernel
# selection (one jump made a no-op; see the script), and ort_infer.mjs loads that copy. GLIBC_TUNABLES keeps
# glibc's string functions off AVX-512 too, so the line's avx512_elapsed_ms (from /proc/self/arch_status)
# shows whether the timed runs used AVX-512 registers. ORT_HOLD_AVX2=0 never holds it.
ORT_RUN=(node)
hold=${ORT_HOLD_AVX2:-auto}
if [[ $hold == auto ]]; then
  hold=0
  if grep -qw avx512f /proc/cpuinfo; then
    if ((REFONLY)); then [[ ${DOTNET_EnableAVX512:-${DOTNET_EnableAVX512F:-1}} == 0 || ${DOTNET_EnableAVX2:-1} == 0 ]] && hold=1
    else [[ $NPS_PATH == *'"simd_path":"avx512"'* ]] || hold=1; fi
  fi
fi
if ((hold)) && wants infer; then
  if ORT_HELD=$("$PY" "$REF/ort_hold_avx2.py" --package "$BENCH/node_modules/onnxruntime-node" --out "$WORK/ort-avx2" 2>>"$LOG"); then
    ORT_RUN=(env "ORT_NODE_DIR=$ORT_HELD" "GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD" node)
    ORT_KERNEL="mlas-avx2(held: AVX-512 selection patched out of a copy)"
  else
    ORT_KERNEL="$ORT_KERNEL, could not be held (see $LOG)"
  fi
fi
KERNELS=$(printf '{"neuralps":%s,"openblas":"%s","pytorch":"%s","onnxruntime":"%s"}' "$NPS_PATH" "${OPENBLAS_CORE:-?}" "${TORCH_CAP:-?}" "$ORT_KERNEL")
echo "kernels: $KERNELS" >&2

# ONNX exports (re-exported when the model definitions change).
if wants infer && [[ ! -e "$WORK/cnn.onnx" || "$REF/fashion.py" -nt "$WORK/cnn.onnx" ]]; then
  "$PY" "$REF/export_onnx.py" --out "$WORK" >>"$LOG" 2>&1 || echo "ONNX export failed (see $LOG)" >&2
fi

# ---- measurements -------------------------------------------------------------------------------
# PyTorch runs with glibc's malloc kept from handing memory back to the kernel. By default glibc serves
# PyTorch's large tensors from fresh mmaps or trims the heap after freeing them, so every step page-faults
# its activations back in: ~6,000 minor faults per CNN step here, and epochs that read 11-15 s in one
# process and 22-74 s in the next (page faults are slow and uneven in this VM). Fixed thresholds make the
# heap reusable: 120k faults per run (start-up), 11.7-12.1 s at 2 threads, 19.0 s at 1, run after run.
# NeuralPS reuses its buffers and needs no such setting (123k faults per run, all start-up).
PT=(env "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824" "$PY")
load1() { cut -d' ' -f1 /proc/loadavg; }
mhz() { awk -F: '/^cpu MHz/ { s += $2; n++ } END { if (n) printf "%.0f", s / n; else print "null" }' /proc/cpuinfo; }

# step TAG command...: runs one measurement (killed after $STEP_TIMEOUT s); its JSON lines go to $RAW
# tagged with the step and the load and clock just before it; stderr goes to $LOG.
step() {
  local tag=$1 l m t0 rc out
  shift
  if ((REFONLY)) && [[ $tag == np-* || $tag == gemm || $tag == conv ]]; then return; fi
  l=$(load1); m=$(mhz); t0=$(date +%s)
  printf '  %-12s load %-5s %5s MHz  %s\n' "$tag" "$l" "$m" "$*" >&2
  echo "### $tag: $*" >>"$LOG"
  out=$(timeout --kill-after=10 "$STEP_TIMEOUT" "$@" 2>>"$LOG"); rc=$?
  while IFS= read -r line; do
    [[ $line == \{* ]] && printf '%s\t%s\t%s\t%s\n' "$tag" "$l" "$m" "$line" >>"$RAW"
  done <<<"$out"
  if ((rc != 0)); then
    printf '%s\t%s\t%s\t{"error":"exit code %d"}\n' "$tag" "$l" "$m" "$rc" >>"$RAW"
    echo "    failed with exit code $rc after $(( $(date +%s) - t0 )) s; see $LOG" >&2
  else
    echo "    done in $(( $(date +%s) - t0 )) s" >&2
  fi
}

if ((QUICK)); then
  # Warm-up batches let .NET's tiered JIT reach optimised code (30 calls + 100 ms); both sides get them.
  # The CNN needs ~100: a kernel called once per chunk or per step stays in tier-0 code longer, and the
  # background tier-1 compiles take one of the two cores meanwhile (measured on AVX2: 10 warm-up batches
  # gave 16.6-16.8 s/epoch, 60-200 gave 7.5-8.9 s, and DOTNET_TieredCompilation=0 made 10 enough).
  # 300 since 2026-12-01: with the step at ~5 ms, batches 101-160 still ran 15-34% slower than batches 301-500
  # (Dynamic PGO's instrumented code and its tier-1 recompiles on a background thread that competes with the
  # two training threads; DOTNET_TieredPGO=0 made 100 enough). Both sides get the same warm-up; the full run's
  # whole epoch counts NeuralPS's warm-up in its time.
  MLP_NP=(--epochs 1 --max-batches 200 --warmup 40); MLP_PT=(--max-batches 200 --warmup 40)
  CNN_NP=(--epochs 1 --max-batches 60 --warmup 300); CNN_PT=(--max-batches 60 --warmup 300)
  SWEEP=(--openblas 1 --reuse-probe) INFER_S=0.5 PROBE_S=0.4 QFLAG=(--quick) STEP_TIMEOUT=150
  RNN=(--samples 256 --epochs 2 --seconds 0.5)
else
  MLP_NP=(--epochs 5); MLP_PT=(--epochs 5)
  CNN_NP=(--epochs 1); CNN_PT=(--epochs 1)
  SWEEP=() INFER_S=2 PROBE_S=0.6 QFLAG=() STEP_TIMEOUT=1200
  RNN=(--samples 1024 --epochs 3 --seconds 2)
fi

echo "measuring ($( ((QUICK)) && echo quick || echo full ) run; NeuralPS then the reference, workload by workload):" >&2
echo "$(date -Is) load $(cut -d' ' -f1-3 /proc/loadavg)" >"$WORK/compare-start.txt"

wants gemm && step gemm "${NPS[@]}" gemm "${QFLAG[@]}"

if wants mlp; then
  for b in 64 128; do
    step np-mlp-b$b "${NPS[@]}" mlp --batch $b "${MLP_NP[@]}"
    step pt-mlp-b$b "${PT[@]}" "$REF/torch_best.py" "${SWEEP[@]}" -- train --model mlp --batch $b "${MLP_PT[@]}"
  done
fi

if wants infer; then
  step np-infer "${NPS[@]}" infer --model mlp,cnn --batch 1,1024 --seconds $INFER_S
  step pt-infer "${PT[@]}" "$REF/torch_best.py" "${SWEEP[@]}" --probe-seconds $PROBE_S -- infer --model mlp,cnn --batch 1,1024 --seconds $INFER_S
  for m in mlp cnn; do
    for b in 1 1024; do
      step ort-$m-b$b "${ORT_RUN[@]}" "$REF/ort_infer.mjs" --model "$WORK/$m.onnx" --batch $b --seconds $INFER_S
    done
  done
fi

if wants cnn; then
  step np-cnn "${NPS[@]}" cnn --batch 64 "${CNN_NP[@]}"
  step pt-cnn "${PT[@]}" "$REF/torch_best.py" "${SWEEP[@]}" -- train --model cnn --batch 64 "${CNN_PT[@]}"
fi

# Recurrent training (issue 12): LSTM and GRU, batch 64, 100 steps, 128 units, 2 layers, and a character-level
# LSTM (64 token ids -> Embedding 32 -> 1 layer of 256 units over 100 steps). PyTorch runs at 1 and 2 threads,
# each in its own process; the report keeps its faster setting per workload.
if wants rnn; then
  for w in "lstm" "gru" "lstm --vocabulary 64 --layers 1 --units 256"; do
    read -r cell extra <<<"$w"
    tag=$cell; [[ -n $extra ]] && tag=char$cell
    # shellcheck disable=SC2086
    step np-$tag "${NPS[@]}" $cell "${RNN[@]}" $extra
    for t in 1 2; do
      # shellcheck disable=SC2086
      step pt-$tag-t$t env OMP_NUM_THREADS=$t "${PT[@]}" "$REF/rnn_bench.py" $cell --threads $t "${RNN[@]}" $extra
    done
  done
fi

# Conv forward/backward GFLOP/s for the seed CNN's two conv shapes (the conv helper's command).
wants conv && step conv "${NPS[@]}" conv "${QFLAG[@]}"

# ---- report -------------------------------------------------------------------------------------
STAMP=""
if [[ -e "$RESULTS/latest.jsonl" ]]; then
  STAMP=$(date -r "$RESULTS/latest.jsonl" +%Y%m%dT%H%M%S)
  mv "$RESULTS/latest.jsonl" "$RESULTS/$STAMP.jsonl"
  [[ -e "$RESULTS/latest.txt" ]] && mv "$RESULTS/latest.txt" "$RESULTS/$STAMP.txt"
fi
"$PY" "$REF/report.py" "$RAW" --out "$RESULTS/latest.jsonl" --quick "$QUICK" --kernels "$KERNELS" \
  --started "$(cat "$WORK/compare-start.txt")" --seconds $(( $(date +%s) - START )) | tee "$RESULTS/latest.txt"
[[ -n $STAMP ]] && echo "(previous results kept as bench/results/$STAMP.jsonl)"
exit 0
