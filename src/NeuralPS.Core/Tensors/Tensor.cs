using System.Runtime.CompilerServices;

namespace NeuralPS.Core.Tensors;

/// <summary>A dense, row-major float32 tensor. Storage is a managed array that may be longer than
/// the shape needs: a layer keeps its output/gradient buffers between batches and only re-shapes
/// them (<see cref="Reshape"/> / <see cref="Ensure"/>), so a steady-state training step allocates
/// nothing. Arrays are allocated on the pinned object heap so kernels can take raw pointers without
/// pinning on every call.</summary>
public sealed class Tensor
{
    private float[] _data;

    public Tensor(Shape shape)
    {
        Shape = shape;
        _data = Allocate(shape.Size);
    }

    public Tensor(params int[] dims) : this(new Shape(dims)) { }

    /// <summary>Wraps an existing array (no copy). The array must hold at least shape.Size elements.</summary>
    public Tensor(Shape shape, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length < shape.Size)
            throw new InvalidConfigurationException($"Tensor of shape {shape} needs {shape.Size} values but {data.Length} were given.");
        Shape = shape;
        _data = data;
    }

    public Shape Shape { get; private set; }

    /// <summary>Number of elements in the current shape.</summary>
    public int Size => Shape.Size;

    /// <summary>The underlying storage. Its length can exceed <see cref="Size"/>; use <see cref="Span"/>.</summary>
    public float[] Data => _data;

    public Span<float> Span => _data.AsSpan(0, Shape.Size);

    public ref float this[int index] => ref _data[index];

    /// <summary>Rows of the matrix view: dimension 0 (the batch).</summary>
    public int Rows => Shape.Rank == 0 ? 1 : Shape[0];

    /// <summary>Columns of the matrix view: the product of the remaining dimensions.</summary>
    public int Columns => Shape.Rank == 0 ? 1 : (Rows == 0 ? 0 : Size / Rows);

    /// <summary>Changes the shape in place, growing the storage only when it is too small.
    /// Contents are undefined afterwards when the storage had to grow.</summary>
    public void Reshape(Shape shape)
    {
        if (shape.Size > _data.Length) _data = Allocate(shape.Size);
        Shape = shape;
    }

    /// <summary>Returns <paramref name="t"/> re-shaped to <paramref name="shape"/>, creating it when null.</summary>
    public static Tensor Ensure(ref Tensor? t, Shape shape)
    {
        if (t is null) t = new Tensor(shape);
        else if (t.Shape != shape) t.Reshape(shape);
        return t;
    }

    public void Clear() => Span.Clear();

    public void Fill(float value) => Span.Fill(value);

    public Tensor Clone()
    {
        var t = new Tensor(Shape);
        Span.CopyTo(t.Span);
        return t;
    }

    public static Tensor FromArray(Shape shape, ReadOnlySpan<float> values)
    {
        if (values.Length != shape.Size)
            throw new InvalidConfigurationException($"Tensor of shape {shape} needs {shape.Size} values but {values.Length} were given.");
        var t = new Tensor(shape);
        values.CopyTo(t.Span);
        return t;
    }

    public float[] ToArray() => Span.ToArray();

    public override string ToString() => $"Tensor{Shape}";

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float[] Allocate(int n)
    {
        AllocationBudget.Take(Math.Max(n, 1));
        return GC.AllocateArray<float>(Math.Max(n, 1), pinned: true);
    }
}
