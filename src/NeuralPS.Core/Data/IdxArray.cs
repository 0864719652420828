using System.Buffers.Binary;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Data;

/// <summary>The contents of one idx file: its element type, its dimensions (dimension 0 = items) and
/// the raw big-endian element bytes, converted on demand.</summary>
public sealed class IdxArray
{
    private readonly byte[] _bytes;

    internal IdxArray(string source, IdxDataType dataType, int[] dimensions, byte[] bytes)
    {
        Source = source;
        DataType = dataType;
        _dimensions = dimensions;
        _bytes = bytes;
    }

    private readonly int[] _dimensions;

    /// <summary>The file (or stream description) it was read from, for messages.</summary>
    public string Source { get; }
    public IdxDataType DataType { get; }
    public IReadOnlyList<int> Dimensions => _dimensions;

    /// <summary>Dimension 0: the number of items (images, labels).</summary>
    public int Count => _dimensions[0];

    /// <summary>Elements per item (the product of dimensions 1..).</summary>
    public int ItemSize
    {
        get
        {
            int n = 1;
            for (int i = 1; i < _dimensions.Length; i++) n *= _dimensions[i];
            return n;
        }
    }

    public long Length => (long)Count * ItemSize;

    public static int ElementSize(IdxDataType type) => type switch
    {
        IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Single => 4,
        IdxDataType.Double => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an idx element type."),
    };

    /// <summary>All elements as float32, each multiplied by <paramref name="scale"/>, written to
    /// <paramref name="destination"/> (length <see cref="Length"/>).</summary>
    public void CopyTo(Span<float> destination, float scale = 1f)
    {
        long n = Length;
        if (destination.Length < n)
            throw new ArgumentException($"Destination holds {destination.Length} values but {Source} has {n}.", nameof(destination));
        ReadOnlySpan<byte> b = _bytes;
        switch (DataType)
        {
            case IdxDataType.UnsignedByte:
                for (int i = 0; i < n; i++) destination[i] = b[i] * scale;
                break;
            case IdxDataType.SignedByte:
                for (int i = 0; i < n; i++) destination[i] = (sbyte)b[i] * scale;
                break;
            case IdxDataType.Int16:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt16BigEndian(b.Slice(2 * i)) * scale;
                break;
            case IdxDataType.Int32:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadInt32BigEndian(b.Slice(4 * i)) * scale;
                break;
            case IdxDataType.Single:
                for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadSingleBigEndian(b.Slice(4 * i)) * scale;
                break;
            case IdxDataType.Double:
                for (int i = 0; i < n; i++) destination[i] = (float)(BinaryPrimitives.ReadDoubleBigEndian(b.Slice(8 * i)) * scale);
                break;
        }
        // NaN, ±Inf or a value beyond float32's range (after scaling) would train a model to NaN without a
        // word: name the sample instead (FiniteCheck: one vector pass; the position is searched only on failure).
        int bad = FiniteCheck.FirstNonFinite(destination[..checked((int)n)]);
        if (bad < 0) return;
        int item = ItemSize == 0 ? 0 : bad / ItemSize;
        throw new DataFormatException(
            $"{Source}: sample {item} (element {bad - (long)item * ItemSize} of its {ItemSize}) is {RawValue(bad)}{(scale == 1f ? "" : $" (× scale {scale})")}, which is not a finite float32 number.");
    }

    private string RawValue(long i)
    {
        ReadOnlySpan<byte> b = _bytes;
        return DataType switch
        {
            IdxDataType.Single => BinaryPrimitives.ReadSingleBigEndian(b.Slice((int)(4 * i))).ToString(System.Globalization.CultureInfo.InvariantCulture),
            IdxDataType.Double => BinaryPrimitives.ReadDoubleBigEndian(b.Slice((int)(8 * i))).ToString(System.Globalization.CultureInfo.InvariantCulture),
            IdxDataType.Int32 => BinaryPrimitives.ReadInt32BigEndian(b.Slice((int)(4 * i))).ToString(System.Globalization.CultureInfo.InvariantCulture),
            IdxDataType.Int16 => BinaryPrimitives.ReadInt16BigEndian(b.Slice((int)(2 * i))).ToString(System.Globalization.CultureInfo.InvariantCulture),
            IdxDataType.SignedByte => ((sbyte)b[(int)i]).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => b[(int)i].ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public float[] ToSingleArray(float scale = 1f)
    {
        var values = new float[Length];
        CopyTo(values, scale);
        return values;
    }

    /// <summary>All elements as exact integers (for labels). A fractional or out-of-range float value
    /// is a <see cref="DataFormatException"/> naming the item.</summary>
    public int[] ToInt32Array()
    {
        var values = new int[Length];
        ReadOnlySpan<byte> b = _bytes;
        for (int i = 0; i < values.Length; i++)
        {
            double v = DataType switch
            {
                IdxDataType.UnsignedByte => b[i],
                IdxDataType.SignedByte => (sbyte)b[i],
                IdxDataType.Int16 => BinaryPrimitives.ReadInt16BigEndian(b.Slice(2 * i)),
                IdxDataType.Int32 => BinaryPrimitives.ReadInt32BigEndian(b.Slice(4 * i)),
                IdxDataType.Single => BinaryPrimitives.ReadSingleBigEndian(b.Slice(4 * i)),
                _ => BinaryPrimitives.ReadDoubleBigEndian(b.Slice(8 * i)),
            };
            if (v != Math.Floor(v) || v < int.MinValue || v > int.MaxValue)
                throw new DataFormatException($"{Source}: element {i} is {v}, not an integer.");
            values[i] = (int)v;
        }
        return values;
    }

    public override string ToString() => $"{Source}: {DataType} [{string.Join(", ", _dimensions)}]";
}
