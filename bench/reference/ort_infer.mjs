// ONNX Runtime (npm onnxruntime-node 1.30, CPU execution provider) inference reference.
//
//   node bench/reference/ort_infer.mjs --model bench/work/mlp.onnx --batch 1 [--seconds 2] [--threads 1,2]
//
// Checks the model against PyTorch's logits in <model>.check.json (written by export_onnx.py), then
// for each intra-op thread count times session.run over the Fashion-MNIST test images (batch 1:
// latency; batch 1024: throughput) and prints one JSON line for the fastest setting, with the sweep.
// Batch-1 latency includes Node's async call overhead (onnxruntime-node has no synchronous run).
// ORT_NODE_DIR=<dir>: load onnxruntime-node from that package folder instead (ort_hold_avx2.py writes one
// whose MLAS never takes its AVX-512 kernels). The line's "avx512_elapsed_ms" is the kernel's
// /proc/self/arch_status figure: -1 when this process never used AVX-512 registers, else ms since it last did.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { basename, resolve } from 'node:path';

const ort = process.env.ORT_NODE_DIR
  ? createRequire(import.meta.url)(resolve(process.env.ORT_NODE_DIR))
  : await import('onnxruntime-node');

function avx512ElapsedMs() {
  try { return Number(/AVX512_elapsed_ms:\s*(-?\d+)/.exec(readFileSync('/proc/self/arch_status', 'utf8'))[1]); }
  catch { return null; }
}

function parseArgs(argv) {
  const a = { model: null, batch: 1, seconds: 2, threads: '1,2', data: '/usr/share/datasets/fashion-mnist' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a)) throw new Error(`unknown option ${argv[i]}`);
    a[k] = argv[++i];
  }
  if (!a.model) throw new Error('--model <file.onnx> is required');
  a.batch = Number(a.batch); a.seconds = Number(a.seconds);
  return a;
}

function testImages(dir) {
  let buf;
  try { buf = gunzipSync(readFileSync(`${dir}/t10k-images-idx3-ubyte.gz`)); }
  catch { buf = readFileSync(`${dir}/t10k-images-idx3-ubyte`); }
  const n = buf.readUInt32BE(4), rows = buf.readUInt32BE(8), cols = buf.readUInt32BE(12);
  const x = new Float32Array(n * rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = buf[16 + i] / 255;
  return { n, size: rows * cols, x };
}

async function check(session, modelPath) {
  const c = JSON.parse(readFileSync(modelPath.replace(/\.onnx$/, '.check.json'), 'utf8'));
  const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(c.input), c.input_shape) });
  const got = out.logits.data;
  let maxErr = 0;
  for (let i = 0; i < c.logits.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - c.logits[i]));
  if (!(maxErr < 1e-3)) throw new Error(`${modelPath}: ONNX Runtime differs from PyTorch by ${maxErr}`);
  return maxErr;
}

async function measure(modelPath, threads, batch, seconds, data) {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential',
    intraOpNumThreads: threads, interOpNumThreads: 1,
  });
  const maxErr = await check(session, modelPath);
  const feeds = [];
  for (let s = 0; s + batch <= data.n; s += batch)
    feeds.push({ input: new ort.Tensor('float32', data.x.subarray(s * data.size, (s + batch) * data.size), [batch, 1, 28, 28]) });
  for (let i = 0; i < Math.min(feeds.length, batch === 1 ? 200 : 3); i++) await session.run(feeds[i]);
  const lat = [];
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let done = 0;
  outer: for (;;) {
    for (const f of feeds) {
      const t0 = process.hrtime.bigint();
      await session.run(f);
      const t1 = process.hrtime.bigint();
      lat.push(Number(t1 - t0) / 1000);
      done += batch;
      if (t1 > deadline && lat.length >= 3) break outer;
    }
  }
  const total = Number(process.hrtime.bigint() - start) / 1e9;
  await session.release();
  lat.sort((p, q) => p - q);
  return { samples_per_s: done / total, latency_us: lat[lat.length >> 1], calls: lat.length, max_abs_diff_vs_pytorch: maxErr };
}

const args = parseArgs(process.argv.slice(2));
const data = testImages(args.data);
const sweep = [];
let best = null;
for (const t of args.threads.split(',').map(Number)) {
  const r = await measure(args.model, t, args.batch, args.seconds, data);
  sweep.push({ threads: t, value: Math.round((args.batch === 1 ? r.latency_us : r.samples_per_s) * 100) / 100 });
  const better = !best || (args.batch === 1 ? r.latency_us < best.r.latency_us : r.samples_per_s > best.r.samples_per_s);
  if (better) best = { t, r };
}
const name = basename(args.model, '.onnx');
console.log(JSON.stringify({
  workload: `infer-${name}-b${args.batch}`, engine: 'onnxruntime', batch: args.batch,
  samples_per_s: Math.round(best.r.samples_per_s * 10) / 10, latency_us: Math.round(best.r.latency_us * 100) / 100,
  calls: best.r.calls, threads: best.t, max_abs_diff_vs_pytorch: best.r.max_abs_diff_vs_pytorch,
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10, ort_version: '1.30.0',
  ort_dir: process.env.ORT_NODE_DIR ?? 'onnxruntime-node', avx512_elapsed_ms: avx512ElapsedMs(), sweep,
}));
