using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace NeuralPS.Core.Serialization;

/// <summary>Reads what <see cref="ModelBinaryWriter"/> wrote, checking every length against the bytes
/// that remain, so a damaged or hostile section is a <see cref="ModelFileException"/> that says where,
/// never an out-of-range read or a huge allocation.</summary>
public sealed class ModelBinaryReader
{
    private readonly byte[] _data;
    private int _position;

    public ModelBinaryReader(byte[] data, string source)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        Source = source;
    }

    /// <summary>What is being read ("model.npsm, section 'WGHT'"), for messages.</summary>
    public string Source { get; }

    public int Position => _position;
    public int Remaining => _data.Length - _position;
    public bool AtEnd => _position == _data.Length;

    public ModelFileException Error(string what) => new($"{Source} is corrupt: {what} (at byte {_position}).");

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (count < 0 || count > Remaining) throw Error($"{what} needs {count} bytes but only {Remaining} remain");
        var span = new ReadOnlySpan<byte>(_data, _position, count);
        _position += count;
        return span;
    }

    public byte ReadByte(string what = "a byte") => Take(1, what)[0];

    public bool ReadBool(string what = "a flag")
    {
        byte b = ReadByte(what);
        if (b > 1) throw Error($"{what} must be 0 or 1 but is {b}");
        return b == 1;
    }

    public int ReadInt32(string what = "an integer") => BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));
    public long ReadInt64(string what = "an integer") => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));
    public ulong ReadUInt64(string what = "an integer") => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));
    public float ReadSingle(string what = "a number") => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));
    public double ReadDouble(string what = "a number") => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>A count of items of <paramref name="itemSize"/> bytes each, checked against what remains.</summary>
    public int ReadCount(string what, int itemSize = 1)
    {
        int n = ReadInt32($"the length of {what}");
        if (n < 0) throw Error($"the length of {what} is negative ({n})");
        if ((long)n * Math.Max(1, itemSize) > Remaining) throw Error($"{what} claims {n} items but only {Remaining} bytes remain");
        return n;
    }

    public string ReadString(string what = "a string")
    {
        int n = ReadCount(what);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Take(n, what));
        }
        catch (DecoderFallbackException)
        {
            throw Error($"{what} is not valid UTF-8");
        }
    }

    public string[] ReadStrings(string what = "a list of strings")
    {
        int n = ReadCount(what, 4);
        var values = new string[n];
        for (int i = 0; i < n; i++) values[i] = ReadString($"{what}[{i}]");
        return values;
    }

    public int[] ReadInt32s(string what = "a list of integers")
    {
        int n = ReadCount(what, 4);
        var values = new int[n];
        for (int i = 0; i < n; i++) values[i] = ReadInt32(what);
        return values;
    }

    public ulong[] ReadUInt64s(string what = "a list of integers")
    {
        int n = ReadCount(what, 8);
        var values = new ulong[n];
        for (int i = 0; i < n; i++) values[i] = ReadUInt64(what);
        return values;
    }

    public float[] ReadSingles(string what = "a list of numbers")
    {
        int n = ReadCount(what, 4);
        var values = new float[n];
        var bytes = Take(n * 4, what);
        if (BitConverter.IsLittleEndian) bytes.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        else for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i));
        return values;
    }

    /// <summary>A list of exactly <c>destination.Length</c> numbers, read straight into <paramref name="destination"/>
    /// (no intermediate array).</summary>
    public void ReadSinglesInto(Span<float> destination, string what = "a list of numbers")
    {
        int n = ReadCount(what, 4);
        if (n != destination.Length) throw Error($"{what} has {n} values where {destination.Length} are needed");
        var bytes = Take(n * 4, what);
        if (BitConverter.IsLittleEndian) bytes.CopyTo(MemoryMarshal.AsBytes(destination));
        else for (int i = 0; i < n; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i));
    }

    public byte[] ReadBytes(string what = "bytes") => Take(ReadCount(what), what).ToArray();

    /// <summary>Throws unless every byte was consumed (a section with trailing bytes was not written by this format).</summary>
    public void ExpectEnd()
    {
        if (!AtEnd) throw Error($"{Remaining} unexpected bytes follow the last value");
    }
}
