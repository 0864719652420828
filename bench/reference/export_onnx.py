#!/usr/bin/python3
"""Exports the reference MLP and the seed CNN (fashion.py) to ONNX for ort_infer.mjs.

  export_onnx.py [--out bench/work]

Writes <out>/{mlp,cnn}.onnx (opset 13, dynamic batch axis, input "input" [batch,1,28,28] in [0,1],
output "logits" [batch,10]) and <out>/{mlp,cnn}.check.json (a few test images and PyTorch's logits
for them), so the ONNX Runtime side can prove it computes the same function before it is timed.
Weights are PyTorch's seeded default initialisation: speed does not depend on their values.
"""
import argparse
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402

import fashion  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "work"))
    p.add_argument("--check-samples", type=int, default=4)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    x_test, _ = fashion.load("test")
    sample = x_test[:args.check_samples]
    for name, make in fashion.MODELS.items():
        torch.manual_seed(1)
        model = make().eval()
        path = os.path.join(args.out, f"{name}.onnx")
        torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        with torch.no_grad():
            logits = model(sample)
        with open(os.path.join(args.out, f"{name}.check.json"), "w") as f:
            json.dump({"input_shape": list(sample.shape), "input": sample.flatten().tolist(),
                       "logits": logits.flatten().tolist()}, f)
        fashion.log(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
