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
    public void ActivationForward(Tensor x, Tensor y, ActivationKind activation, float alpha = 0.01f)
    {
        SameSize(x, y, "activation input", "activation output");
        ReadOnlySpan<float> xs = x.Span;
        Span<float> ys = y.Span;
        switch (activation)
        {
            case ActivationKind.None:
                if (!ReferenceEquals(x, y)) xs.CopyTo(ys);
                break;
            case ActivationKind.ReLU:
                TensorPrimitives.Max(xs, 0f, ys);
                break;
            case ActivationKind.LeakyReLU:
                ElementwiseKernels.LeakyRelu(xs, ys, alpha);
                break;
            case ActivationKind.Sigmoid:
                TensorPrimitives.Sigmoid(xs, ys);
                break;
            case ActivationKind.Tanh:
                TensorPrimitives.Tanh(xs, ys);
                break;
            case ActivationKind.GELU:
                ElementwiseKernels.Gelu(xs, ys);
                break;
            case ActivationKind.Softmax:
                Softmax(x, y);
                break;
            default:
                throw new InvalidConfigurationException($"Unknown activation {activation}.");
        }
    }

    public void ActivationBackward(Tensor? x, Tensor y, Tensor dy, Tensor dx, ActivationKind activation, float alpha = 0.01f)
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
            case ActivationKind.GELU:
                ElementwiseKernels.GeluBackward(x!.Span, dys, dxs);
                break;
            case ActivationKind.Softmax:
            {
                int cols = LastDimension(y);
                for (int r = 0; r < ys.Length; r += cols)
                    ElementwiseKernels.SoftmaxBackwardRow(ys.Slice(r, cols), dys.Slice(r, cols), dxs.Slice(r, cols));
                break;
            }
            default:
                throw new InvalidConfigurationException($"Unknown activation {activation}.");
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
        for (int i = 0; i < m.Length; i++)
            m[i] = (uint)(random.NextUInt64() >> 40) < threshold ? 0f : keep;
        TensorPrimitives.Multiply(x.Span, m, y.Span);
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
