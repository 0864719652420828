namespace NeuralPS.Core.Backends;

/// <summary>Element-wise activations. Used by the Activation layer and fused into GEMM / convolution
/// epilogues. Softmax is taken over one axis and is never fused into an epilogue.
/// Definitions (PyTorch's, checked against PyTorch 1.13 in float64 by reference/make_activation_reference.py;
/// α, β and the threshold are the layer's Alpha, Beta and Threshold):
/// <list type="bullet">
/// <item>ReLU max(0, x); LeakyReLU x &gt; 0 ? x : α·x (α default 0.01); Sigmoid 1/(1 + e^−x); Tanh.</item>
/// <item>GELU (exact, torch.nn.GELU(approximate='none'), ONNX Gelu approximate="none"): ½·x·(1 + erf(x/√2)).</item>
/// <item>GELUTanh (torch.nn.GELU(approximate='tanh'), ONNX Gelu approximate="tanh"):
/// ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Model files of format 1 (before GELU had two forms) computed this.</item>
/// <item>ELU (torch.nn.ELU(alpha), ONNX Elu): x &gt; 0 ? x : α·(e^x − 1), α default 1.</item>
/// <item>SELU (torch.nn.SELU, ONNX Selu with its default alpha/gamma): λ·(x &gt; 0 ? x : a·(e^x − 1)),
/// a = 1.6732632423543772, λ = 1.0507009873554805.</item>
/// <item>SiLU, also called Swish (torch.nn.SiLU; ONNX: x·Sigmoid(x)): x·σ(x).</item>
/// <item>Softplus (torch.nn.Softplus(beta, threshold), ONNX Softplus when β = 1 and the threshold is ignored):
/// β·x &gt; threshold ? x : log(1 + e^(β·x))/β, β default 1, threshold default 20.</item>
/// <item>HardSigmoid (torch.nn.Hardsigmoid): relu6(x + 3)/6 = clamp(x/6 + ½, 0, 1). ONNX HardSigmoid's defaults
/// (alpha 0.2, beta 0.5) are Keras' older definition; PyTorch's is ONNX HardSigmoid(alpha = 1/6, beta = 0.5).</item>
/// <item>HardSwish (torch.nn.Hardswish, ONNX HardSwish): x·relu6(x + 3)/6.</item>
/// <item>Softmax (torch.nn.Softmax(dim), ONNX Softmax(axis), opset ≥ 13 semantics): over the layer's Axis.</item>
/// </list>
/// The numbers are stable; model files store the names.</summary>
public enum ActivationKind
{
    None = 0,
    ReLU = 1,
    LeakyReLU = 2,
    Sigmoid = 3,
    Tanh = 4,
    Softmax = 5,
    GELU = 6,
    GELUTanh = 7,
    ELU = 8,
    SELU = 9,
    SiLU = 10,
    Softplus = 11,
    HardSigmoid = 12,
    HardSwish = 13,
}
