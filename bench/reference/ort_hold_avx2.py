#!/usr/bin/env python3
"""Hold ONNX Runtime to its AVX2 kernels on an AVX-512 CPU (for bench/compare.sh on the AVX2 path).

    python3 bench/reference/ort_hold_avx2.py --package bench/node_modules/onnxruntime-node --out bench/work/ort-avx2

ONNX Runtime has no setting that narrows its kernels: MLAS's platform set-up (onnxruntime/core/mlas/lib/
platform.cpp, MLAS_PLATFORM::MLAS_PLATFORM) reads CPUID and XCR0 and, when AVX512F is there and the OS saves
its state, replaces the AVX2/FMA3 SGEMM, convolution, pooling and activation kernels with AVX-512 ones. This
script copies the package's dist/ and its linux-x64 binaries to <out>/node_modules/onnxruntime-node and, in
the copy of libonnxruntime.so.1, turns the conditional jump into that AVX-512 block into a no-op. The copy
then selects exactly what it selects on an AVX2-only CPU (the code before the block ran already); the
original package is not touched.

The patch site is the compiled form of `(xcr0 & 0xE0) == 0xE0` followed by the jump:
    48 f7 d0        not  rax          (rax = xcr0)
    a8 e0           test al, 0xe0
    0f 84 rel32     je   <AVX-512 kernel selection>
and the 6-byte `je` becomes a 6-byte NOP (66 0f 1f 44 00 00). The script refuses (exit 3) unless the pattern
occurs exactly once. ort_infer.mjs reports /proc/self/arch_status's AVX512_elapsed_ms, which shows whether the
process used AVX-512 registers during the timing (run it with GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,... so
glibc's own string functions do not use them either).

Prints the path to pass as ORT_NODE_DIR.
"""
import argparse
import hashlib
import os
import shutil
import sys

PATTERN = bytes.fromhex("48f7d0a8e00f84")
NOP6 = bytes.fromhex("660f1f440000")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", required=True, help="the onnxruntime-node package folder")
    ap.add_argument("--out", required=True, help="folder for the patched copy")
    a = ap.parse_args()

    src_lib = os.path.join(a.package, "bin", "napi-v6", "linux", "x64", "libonnxruntime.so.1")
    if not os.path.isfile(src_lib):
        print(f"ort_hold_avx2: {src_lib} not found", file=sys.stderr)
        return 2
    data = bytearray(open(src_lib, "rb").read())
    at = data.find(PATTERN)
    if at < 0 or data.find(PATTERN, at + 1) >= 0:
        print(f"ort_hold_avx2: the AVX-512 check was found {0 if at < 0 else 'more than once'} time(s) in "
              f"{src_lib}; this ONNX Runtime build cannot be held to AVX2 by this script", file=sys.stderr)
        return 3
    jump = at + len(PATTERN) - 2
    data[jump:jump + 6] = NOP6

    pkg = os.path.join(a.out, "node_modules", "onnxruntime-node")
    stamp = os.path.join(pkg, "HELD-TO-AVX2.txt")
    digest = hashlib.sha256(data).hexdigest()
    if os.path.isfile(stamp) and digest in open(stamp).read():
        print(os.path.abspath(pkg))
        return 0
    shutil.rmtree(a.out, ignore_errors=True)
    shutil.copytree(os.path.join(a.package, "dist"), os.path.join(pkg, "dist"))
    shutil.copy2(os.path.join(a.package, "package.json"), pkg)
    dst_bin = os.path.join(pkg, "bin", "napi-v6", "linux", "x64")
    shutil.copytree(os.path.dirname(src_lib), dst_bin)
    with open(os.path.join(dst_bin, "libonnxruntime.so.1"), "wb") as f:
        f.write(data)
    # dist/ requires onnxruntime-common; resolve it from the original package's node_modules.
    common = os.path.join(os.path.dirname(os.path.abspath(a.package)), "onnxruntime-common")
    os.symlink(common, os.path.join(a.out, "node_modules", "onnxruntime-common"))
    with open(stamp, "w") as f:
        f.write(f"Copy of {os.path.abspath(a.package)} whose libonnxruntime.so.1 has the jump at file offset "
                f"{jump:#x} (MLAS's AVX-512 kernel selection) replaced by a NOP; written by {__file__}.\n"
                f"sha256 of the patched library: {digest}\n")
    print(os.path.abspath(pkg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
