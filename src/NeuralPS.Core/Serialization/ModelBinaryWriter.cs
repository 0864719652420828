using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace NeuralPS.Core.Serialization;

/// <summary>Encodes the values inside a model-file section, little-endian: integers and floats as raw
/// bytes, strings as an int32 byte length + UTF-8, lists as an int32 count + items. The matching
/// reader is <see cref="ModelBinaryReader"/>.</summary>
public sealed class ModelBinaryWriter
{
    private readonly MemoryStream _stream = new();

    public long Length => _stream.Length;

    public byte[] ToArray() => _stream.ToArray();

    public void WriteByte(byte value) => _stream.WriteByte(value);

    public void WriteBool(bool value) => _stream.WriteByte(value ? (byte)1 : (byte)0);

    public void WriteInt32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        _stream.Write(b);
    }

    public void WriteInt64(long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        _stream.Write(b);
    }

    public void WriteUInt64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _stream.Write(b);
    }

    public void WriteSingle(float value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, value);
        _stream.Write(b);
    }

    public void WriteDouble(double value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(b, value);
        _stream.Write(b);
    }

    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteInt32(bytes.Length);
        _stream.Write(bytes);
    }

    public void WriteStrings(IReadOnlyList<string> values)
    {
        WriteInt32(values.Count);
        foreach (var v in values) WriteString(v);
    }

    public void WriteInt32s(ReadOnlySpan<int> values)
    {
        WriteInt32(values.Length);
        foreach (int v in values) WriteInt32(v);
    }

    public void WriteUInt64s(ReadOnlySpan<ulong> values)
    {
        WriteInt32(values.Length);
        foreach (ulong v in values) WriteUInt64(v);
    }

    /// <summary>An int32 count then the float32 values (bit-exact, NaN payloads included).</summary>
    public void WriteSingles(ReadOnlySpan<float> values)
    {
        WriteInt32(values.Length);
        if (BitConverter.IsLittleEndian) _stream.Write(MemoryMarshal.AsBytes(values));
        else foreach (float v in values) WriteSingle(v);
    }

    /// <summary>An int32 byte count then the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> values)
    {
        WriteInt32(values.Length);
        _stream.Write(values);
    }
}
