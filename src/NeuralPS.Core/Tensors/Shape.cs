using System.Collections;

namespace NeuralPS.Core.Tensors;

/// <summary>An immutable list of dimensions. Layer shapes exclude the batch dimension (as in Keras);
/// tensors that flow through a network carry the batch as dimension 0.</summary>
public readonly struct Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[]? _dims;

    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (int d in dims)
        {
            if (d < 0) throw new InvalidConfigurationException($"Shape {Format(dims)} has a negative dimension.");
        }
        _dims = (int[])dims.Clone();
    }

    public int Rank => _dims?.Length ?? 0;
    public int Count => Rank;
    public int this[int index] => (_dims ?? Array.Empty<int>())[index];

    /// <summary>The most elements one tensor may hold: 2^30 float32 values (4 GiB). Far above any
    /// network this engine trains on a CPU, and low enough that every size, offset and workspace derived
    /// from a shape (a batch of it, im2col columns) is computed well inside a long and refused with a
    /// clear message, instead of wrapping around.</summary>
    public const int MaxElements = 1 << 30;

    /// <summary>Number of elements (product of the dimensions; 1 for a scalar shape). The product is
    /// checked after every factor, so no combination of dimensions can wrap around; a shape above
    /// <see cref="MaxElements"/> is an <see cref="InvalidConfigurationException"/>.</summary>
    public int Size
    {
        get
        {
            long n = ElementCount(_dims ?? Array.Empty<int>());
            if (n > MaxElements)
                throw new InvalidConfigurationException($"Shape {this} has more than {MaxElements:N0} elements (the most one tensor may hold).");
            return (int)n;
        }
    }

    /// <summary>The product of <paramref name="dims"/>, saturated at <see cref="MaxElements"/> + 1 (so it
    /// never wraps; any value above <see cref="MaxElements"/> means "too large").</summary>
    public static long ElementCount(ReadOnlySpan<int> dims)
    {
        long n = 1;
        foreach (int d in dims)
        {
            if (d == 0) return 0;
            n *= d; // both factors are at most 2^31, so this cannot overflow a long
            if (n > MaxElements) n = MaxElements + 1L;
        }
        return n;
    }

    /// <summary>Whether <see cref="Size"/> can be taken without an exception.</summary>
    public bool IsWithinLimit => ElementCount(_dims ?? Array.Empty<int>()) <= MaxElements;

    public int[] ToArray() => (int[])(_dims ?? Array.Empty<int>()).Clone();

    /// <summary>This shape with a leading batch dimension.</summary>
    public Shape WithBatch(int batch)
    {
        var d = new int[Rank + 1];
        d[0] = batch;
        for (int i = 0; i < Rank; i++) d[i + 1] = this[i];
        return new Shape(d);
    }

    /// <summary>This shape without its leading (batch) dimension.</summary>
    public Shape WithoutBatch()
    {
        if (Rank == 0) throw new InvalidOperationException("A scalar shape has no batch dimension.");
        return new Shape((_dims ?? Array.Empty<int>())[1..]);
    }

    public bool Equals(Shape other)
    {
        if (Rank != other.Rank) return false;
        for (int i = 0; i < Rank; i++) if (this[i] != other[i]) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    public override int GetHashCode()
    {
        var h = new HashCode();
        for (int i = 0; i < Rank; i++) h.Add(this[i]);
        return h.ToHashCode();
    }

    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public override string ToString() => Format(_dims ?? Array.Empty<int>());

    private static string Format(int[] dims) => "(" + string.Join(", ", dims) + (dims.Length == 1 ? ",)" : ")");

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)(_dims ?? Array.Empty<int>())).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
