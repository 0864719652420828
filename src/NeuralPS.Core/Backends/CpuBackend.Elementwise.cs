using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using NeuralPS.Core.Backends.Cpu;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

// Element-wise primitives on the CPU. The work here is memory-bound and small next to the GEMMs of a
// step (a 64×256 activation is 64 KiB), so it runs on the calling thread: waking the second core would
// cost more than it saves, and single-threaded reductions keep every loss bit-reproducible.
// TensorPrimitives does the vectorised exp/tanh/sigmoid/max/sum; ElementwiseKernels holds the few
// loops it has no single call for.
public sealed partial class CpuBackend
{
    public void ActivationForward(Tensor x, Tensor y, ActivationKind activation, float alpha = 0.01f, float beta = 1f, float threshold = 20f)
    {
        SameSize(x, y, "activation input", "activation output");
        if (activation == ActivationKind.Softmax)
        {
            Softmax(x, y);
            return;
        }
        if (!ActivationKernels.IsElementwise(activation))
            throw new InvalidConfigurationException($"Unknown activation {activation}.");
        ActivationKernels.Forward(activation, x.Span, y.Span, alpha, beta, threshold);
    }

    public void ActivationBackward(Tensor? x, Tensor y, Tensor dy, Tensor dx, ActivationKind activation, float alpha = 0.01f, float beta = 1f, float threshold = 20f)
    {
        SameSize(y, dy, "activation output", "output gradient");
        SameSize(y, dx, "activation output", "input gradient");
        if (x is not null) SameSize(x, y, "activation input", "activation output");
        else if (IBackend.ActivationNeedsInput(activation, alpha))
            throw new InvalidOperationException($"The {activation} derivative (alpha {alpha}) needs the activation's input.");
        ReadOnlySpan<float> ys = y.Span, dys = dy.Span;
        Span<float> dxs = dx.Span;
        switch (activation)
        {
            case ActivationKind.None:
                if (!ReferenceEquals(dy, dx)) dys.CopyTo(dxs);
                break;
            case ActivationKind.ReLU:
                // y > 0 exactly when x > 0, so the output serves as well as the input.
                ElementwiseKernels.SignSelectBackward(ys, dys, dxs, 0f);
                break;
            case ActivationKind.LeakyReLU:
                // With alpha > 0 the output has the input's sign; otherwise only x tells the branch.
                ElementwiseKernels.SignSelectBackward(alpha > 0f ? ys : x!.Span, dys, dxs, alpha);
                break;
            case ActivationKind.Sigmoid:
                ElementwiseKernels.SigmoidBackward(ys, dys, dxs);
                break;
            case ActivationKind.Tanh:
                ElementwiseKernels.TanhBackward(ys, dys, dxs);
                break;
            case ActivationKind.Softmax:
            {
                int cols = LastDimension(y);
                for (int r = 0; r < ys.Length; r += cols)
                    ElementwiseKernels.SoftmaxBackwardRow(ys.Slice(r, cols), dys.Slice(r, cols), dxs.Slice(r, cols));
                break;
            }
            default:
                if (!ActivationKernels.IsElementwise(activation))
                    throw new InvalidConfigurationException($"Unknown activation {activation}.");
                ActivationKernels.BackwardFromInput(activation, x!.Span, dys, dxs, alpha, beta, threshold);
                break;
        }
    }

    public void Softmax(Tensor x, Tensor y)
    {
        SameSize(x, y, "softmax input", "softmax output");
        int cols = LastDimension(x);
        ReadOnlySpan<float> xs = x.Span;
        Span<float> ys = y.Span;
        for (int r = 0; r < xs.Length; r += cols)
            ElementwiseKernels.SoftmaxRow(xs.Slice(r, cols), ys.Slice(r, cols));
    }

    public void Softmax(Tensor x, Tensor y, int axis)
    {
        SameSize(x, y, "softmax input", "softmax output");
        var (outer, n, inner) = SoftmaxAxis(x.Shape, axis);
        if (inner == 1)
        {
            Softmax(x, y);
            return;
        }
        ReadOnlySpan<float> xs = x.Span;
        Span<float> ys = y.Span;
        // Along a strided axis the n slices of one block are whole rows of length inner, so every step is a
        // vectorised pass over a row: max, exp(x − max), sum, scale.
        float[] rented = System.Buffers.ArrayPool<float>.Shared.Rent(2 * inner);
        try
        {
            Span<float> max = rented.AsSpan(0, inner), sum = rented.AsSpan(inner, inner);
            int block = n * inner;
            for (int o = 0; o < outer; o++)
            {
                int b = o * block;
                xs.Slice(b, inner).CopyTo(max);
                for (int k = 1; k < n; k++) TensorPrimitives.Max(max, xs.Slice(b + k * inner, inner), max);
                sum.Clear();
                for (int k = 0; k < n; k++)
                {
                    var yk = ys.Slice(b + k * inner, inner);
                    TensorPrimitives.Subtract(xs.Slice(b + k * inner, inner), max, yk);
                    TensorPrimitives.Exp(yk, yk);
                    TensorPrimitives.Add(sum, yk, sum);
                }
                for (int k = 0; k < n; k++)
                {
                    var yk = ys.Slice(b + k * inner, inner);
                    TensorPrimitives.Divide(yk, sum, yk);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int axis)
    {
        SameSize(y, dy, "softmax output", "output gradient");
        SameSize(y, dx, "softmax output", "input gradient");
        var (outer, n, inner) = SoftmaxAxis(y.Shape, axis);
        ReadOnlySpan<float> ys = y.Span, dys = dy.Span;
        Span<float> dxs = dx.Span;
        if (inner == 1)
        {
            for (int r = 0; r < ys.Length; r += n)
                ElementwiseKernels.SoftmaxBackwardRow(ys.Slice(r, n), dys.Slice(r, n), dxs.Slice(r, n));
            return;
        }
        float[] rented = System.Buffers.ArrayPool<float>.Shared.Rent(2 * inner);
        try
        {
            Span<float> dot = rented.AsSpan(0, inner), prod = rented.AsSpan(inner, inner);
            int block = n * inner;
            for (int o = 0; o < outer; o++)
            {
                int b = o * block;
                dot.Clear();
                for (int k = 0; k < n; k++)
                {
                    TensorPrimitives.Multiply(dys.Slice(b + k * inner, inner), ys.Slice(b + k * inner, inner), prod);
                    TensorPrimitives.Add(dot, prod, dot);
                }
                for (int k = 0; k < n; k++)
                {
                    var dxk = dxs.Slice(b + k * inner, inner);
                    TensorPrimitives.Subtract(dys.Slice(b + k * inner, inner), dot, dxk);
                    TensorPrimitives.Multiply(dxk, ys.Slice(b + k * inner, inner), dxk);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    // (elements before the axis, the axis' length, elements after it) for an axis of the full shape.
    private static (int Outer, int N, int Inner) SoftmaxAxis(Shape shape, int axis)
    {
        int rank = shape.Rank;
        int a = axis < 0 ? axis + rank : axis;
        if (rank == 0 || a < 0 || a >= rank)
            throw new ShapeMismatchException($"Softmax axis {axis} is outside the dimensions of {shape}.");
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= shape[i];
        for (int i = a + 1; i < rank; i++) inner *= shape[i];
        int n = shape[a];
        if (n == 0) throw new ShapeMismatchException($"Softmax over an empty axis {axis} of {shape}.");
        return (outer, n, inner);
    }

    public double SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor? dLogits)
    {
        int batch = logits.Rows, classes = logits.Columns;
        if (labels.Length != batch)
            throw new ShapeMismatchException($"Cross-entropy got {batch} rows of logits {logits.Shape} but {labels.Length} labels.");
        if (dLogits is not null) SameSize(logits, dLogits, "logits", "logit gradient");
        if (batch == 0) return 0;
        double total = 0;
        float invBatch = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)classes)
                throw new InvalidConfigurationException($"Label {label} in row {r} is outside 0..{classes - 1}: the network outputs {classes} class scores.");
            ReadOnlySpan<float> z = logits.Data.AsSpan(r * classes, classes);
            float max = TensorPrimitives.Max(z);
            float zLabel = z[label]; // read before dLogits is written: it may be the logits tensor itself
            double sumExp;
            if (dLogits is not null)
            {
                // e = exp(z − max) lands in dLogits, then becomes (e/Σe − onehot)/batch in place.
                Span<float> d = dLogits.Data.AsSpan(r * classes, classes);
                TensorPrimitives.Subtract(z, max, d);
                TensorPrimitives.Exp(d, d);
                float sum = TensorPrimitives.Sum(d);
                sumExp = sum;
                TensorPrimitives.Multiply(d, invBatch / sum, d);
                d[label] -= invBatch;
            }
            else
            {
                sumExp = 0;
                for (int j = 0; j < classes; j++) sumExp += Math.Exp(z[j] - max);
            }
            // −log softmax[label] = log Σ exp(z − max) − (z[label] − max): finite for any finite logits.
            total += Math.Log(sumExp) - ((double)zLabel - max);
        }
        return total / batch;
    }

    public double SoftmaxCrossEntropy(Tensor logits, Tensor targets, Tensor? dLogits)
    {
        SameSize(logits, targets, "logits", "targets");
        if (dLogits is not null) SameSize(logits, dLogits, "logits", "logit gradient");
        int batch = logits.Rows, classes = logits.Columns;
        if (batch == 0) return 0;
        double total = 0;
        float invBatch = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<float> z = logits.Data.AsSpan(r * classes, classes);
            ReadOnlySpan<float> t = targets.Data.AsSpan(r * classes, classes);
            float max = TensorPrimitives.Max(z);
            double sumExp = 0, sumT = 0, dot = 0;
            for (int j = 0; j < classes; j++)
            {
                sumExp += Math.Exp(z[j] - max);
                sumT += t[j];
                dot += t[j] * ((double)z[j] - max);
            }
            double logSum = Math.Log(sumExp);
            // −Σ t·log p = Σt·logΣexp(z − max) − Σ t·(z − max)
            total += sumT * logSum - dot;
            if (dLogits is not null)
            {
                Span<float> d = dLogits.Data.AsSpan(r * classes, classes);
                for (int j = 0; j < classes; j++)
                    d[j] = (float)((Math.Exp(z[j] - max - logSum) * sumT - t[j]) * invBatch);
            }
        }
        return total / batch;
    }

    public double BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Tensor? dLogits)
    {
        SameSize(logits, targets, "logits", "targets");
        if (dLogits is not null) SameSize(logits, dLogits, "logits", "logit gradient");
        ReadOnlySpan<float> z = logits.Span, t = targets.Span;
        int n = z.Length;
        if (n == 0) return 0;
        Span<float> d = dLogits is null ? Span<float>.Empty : dLogits.Span;
        double total = 0;
        double invN = 1.0 / n;
        for (int i = 0; i < n; i++)
        {
            double zi = z[i], ti = t[i];
            // max(z,0) − z·t + log(1 + e^−|z|): never exponentiates a positive number.
            double e = Math.Exp(-Math.Abs(zi));
            total += Math.Max(zi, 0) - zi * ti + Math.Log(1 + e);
            if (!d.IsEmpty)
            {
                double sigmoid = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
                d[i] = (float)((sigmoid - ti) * invN);
            }
        }
        return total * invN;
    }

    public double MeanSquaredError(Tensor output, Tensor targets, Tensor? dOutput)
    {
        SameSize(output, targets, "output", "targets");
        if (dOutput is not null) SameSize(output, dOutput, "output", "output gradient");
        ReadOnlySpan<float> y = output.Span, t = targets.Span;
        int n = y.Length;
        if (n == 0) return 0;
        Span<float> d = dOutput is null ? Span<float>.Empty : dOutput.Span;
        double total = 0;
        float scale = 2f / n;
        for (int i = 0; i < n; i++)
        {
            float diff = y[i] - t[i];
            total += (double)diff * diff;
            if (!d.IsEmpty) d[i] = scale * diff;
        }
        return total / n;
    }

    public void DropoutForward(Tensor x, Tensor mask, Tensor y, float rate, NeuralRandom random)
    {
        SameSize(x, mask, "dropout input", "dropout mask");
        SameSize(x, y, "dropout input", "dropout output");
        if (!(rate >= 0f && rate < 1f))
            throw new InvalidConfigurationException($"Dropout rate must be in [0, 1) but is {rate}.");
        Span<float> m = mask.Span;
        float keep = 1f / (1f - rate);
        // Compare 24-bit uniforms with the rate scaled to the same grid: P(drop) = rate to 2^-24.
        uint threshold = (uint)Math.Round(rate * (1 << 24));
        // The same mask as random.FillDropoutMask, with y = x ⊙ mask computed part by part while the mask is in cache.
        random.FillDropoutMask(m, threshold, keep, x.Span, y.Span);
    }

    public void Multiply(Tensor a, Tensor b, Tensor result)
    {
        SameSize(a, b, "left operand", "right operand");
        SameSize(a, result, "operand", "result");
        TensorPrimitives.Multiply(a.Span, b.Span, result.Span);
    }

    public void Add(Tensor a, Tensor b, Tensor result)
    {
        SameSize(a, b, "left operand", "right operand");
        SameSize(a, result, "operand", "result");
        TensorPrimitives.Add(a.Span, b.Span, result.Span);
    }

    public void Scale(Tensor x, float scale, Tensor result)
    {
        SameSize(x, result, "operand", "result");
        TensorPrimitives.Multiply(x.Span, scale, result.Span);
    }

    public void Copy(Tensor source, Tensor destination)
    {
        if (destination.Size < source.Size)
            throw new ShapeMismatchException($"Cannot copy a tensor of shape {source.Shape} into one of shape {destination.Shape}.");
        source.Span.CopyTo(destination.Data);
    }

    private static void SameSize(Tensor a, Tensor b, string aName, string bName)
    {
        if (a.Size != b.Size)
            throw new ShapeMismatchException($"The {aName} {a.Shape} and the {bName} {b.Shape} must have the same number of elements.");
    }

    private static int LastDimension(Tensor t)
    {
        int cols = t.Shape.Rank == 0 ? 1 : t.Shape[t.Shape.Rank - 1];
        if (cols == 0) throw new ShapeMismatchException($"Softmax over an empty last dimension of {t.Shape}.");
        return cols;
    }
}
