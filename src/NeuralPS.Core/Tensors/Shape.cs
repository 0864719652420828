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

    /// <summary>Number of elements (product of the dimensions; 1 for a scalar shape).</summary>
    public int Size
    {
        get
        {
            long n = 1;
            foreach (int d in _dims ?? Array.Empty<int>()) n *= d;
            if (n > int.MaxValue) throw new InvalidConfigurationException($"Shape {this} has more than {int.MaxValue} elements.");
            return (int)n;
        }
    }

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
