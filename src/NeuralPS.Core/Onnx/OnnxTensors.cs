using System.Buffers.Binary;
using NeuralPS.Core.Onnx.Proto;
using NeuralPS.Core.Tensors;
using DataType = NeuralPS.Core.Onnx.Proto.TensorProto.Types.DataType;

namespace NeuralPS.Core.Onnx;

/// <summary>Reads the values of an ONNX tensor (an initializer or a Constant's value) after checking that
/// its dims describe exactly the data it holds: the element count is computed without overflow and
/// compared with the bytes present before anything is allocated, so dims that claim 10^12 values over a
/// few bytes are refused, not attempted. Data in external files is refused (a model file must not make
/// NeuralPS open other paths).</summary>
internal static class OnnxTensors
{
    public const int MaxRank = 8;

    public static long[] Dims(TensorProto t, string what)
    {
        if (t.Dims.Count > MaxRank) throw new ModelFileException($"{what} has {t.Dims.Count:N0} dimensions (at most {MaxRank}).");
        var dims = new long[t.Dims.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (t.Dims[i] < 0) throw new ModelFileException($"{what} has a negative dimension {t.Dims[i]}.");
            dims[i] = t.Dims[i];
        }
        return dims;
    }

    /// <summary>Number of elements, refused above <see cref="Shape.MaxElements"/> (checked per dimension, so no overflow).</summary>
    public static int Count(TensorProto t, string what)
    {
        long count = 1;
        foreach (long d in Dims(t, what))
        {
            if (d > Shape.MaxElements || (count *= d) > Shape.MaxElements)
                throw new ModelFileException($"{what} claims dimensions [{string.Join(", ", t.Dims)}], more than the {Shape.MaxElements:N0} values a tensor may hold.");
        }
        return (int)count;
    }

    private static void EnsureInline(TensorProto t, string what)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
            throw new ModelFileException($"{what} keeps its data in an external file; NeuralPS reads only self-contained ONNX files (save the model with its weights inside).");
    }

    public static float[] Floats(TensorProto t, string what)
    {
        EnsureInline(t, what);
        int count = Count(t, what);
        switch ((DataType)t.DataType)
        {
            case DataType.Float:
                if (t.HasRawData)
                {
                    if (t.RawData.Length != (long)count * 4)
                        throw new ModelFileException($"{what} claims {count:N0} float values but holds {t.RawData.Length:N0} bytes of data.");
                    var span = t.RawData.Span;
                    var values = new float[count];
                    for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(span.Slice(i * 4));
                    return values;
                }
                if (t.FloatData.Count != count)
                    throw new ModelFileException($"{what} claims {count:N0} float values but holds {t.FloatData.Count:N0}.");
                return t.FloatData.ToArray();
            case DataType.Double:
                if (t.HasRawData)
                {
                    if (t.RawData.Length != (long)count * 8)
                        throw new ModelFileException($"{what} claims {count:N0} double values but holds {t.RawData.Length:N0} bytes of data.");
                    var span = t.RawData.Span;
                    var values = new float[count];
                    for (int i = 0; i < count; i++) values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(span.Slice(i * 8));
                    return values;
                }
                if (t.DoubleData.Count != count)
                    throw new ModelFileException($"{what} claims {count:N0} double values but holds {t.DoubleData.Count:N0}.");
                return t.DoubleData.Select(d => (float)d).ToArray();
            default:
                throw new ModelFileException($"{what} holds {TypeName(t.DataType)} values where float32 weights were expected.");
        }
    }

    /// <summary>Integer values (INT64 or INT32), for shapes, axes and indices; at most <paramref name="max"/> of them.</summary>
    public static long[] Integers(TensorProto t, string what, int max = 64)
    {
        EnsureInline(t, what);
        int count = Count(t, what);
        if (count > max) throw new ModelFileException($"{what} holds {count:N0} integers where at most {max} were expected.");
        switch ((DataType)t.DataType)
        {
            case DataType.Int64:
                if (t.HasRawData)
                {
                    if (t.RawData.Length != count * 8) throw new ModelFileException($"{what} claims {count} int64 values but holds {t.RawData.Length:N0} bytes.");
                    var r = new long[count];
                    for (int i = 0; i < count; i++) r[i] = BinaryPrimitives.ReadInt64LittleEndian(t.RawData.Span.Slice(i * 8));
                    return r;
                }
                if (t.Int64Data.Count != count) throw new ModelFileException($"{what} claims {count} int64 values but holds {t.Int64Data.Count:N0}.");
                return t.Int64Data.ToArray();
            case DataType.Int32:
                if (t.HasRawData)
                {
                    if (t.RawData.Length != count * 4) throw new ModelFileException($"{what} claims {count} int32 values but holds {t.RawData.Length:N0} bytes.");
                    var r = new long[count];
                    for (int i = 0; i < count; i++) r[i] = BinaryPrimitives.ReadInt32LittleEndian(t.RawData.Span.Slice(i * 4));
                    return r;
                }
                if (t.Int32Data.Count != count) throw new ModelFileException($"{what} claims {count} int32 values but holds {t.Int32Data.Count:N0}.");
                return t.Int32Data.Select(v => (long)v).ToArray();
            default:
                throw new ModelFileException($"{what} holds {TypeName(t.DataType)} values where integers were expected.");
        }
    }

    /// <summary>The values of a STRING tensor (UTF-8), each at most 1024 bytes.</summary>
    public static string[] Strings(TensorProto t, string what)
    {
        int count = Count(t, what);
        if ((DataType)t.DataType != DataType.String) throw new ModelFileException($"{what} holds {TypeName(t.DataType)} values where strings were expected.");
        if (t.StringData.Count != count) throw new ModelFileException($"{what} claims {count:N0} strings but holds {t.StringData.Count:N0}.");
        var result = new string[count];
        for (int i = 0; i < count; i++)
        {
            if (t.StringData[i].Length > 1024) throw new ModelFileException($"{what} holds a string of {t.StringData[i].Length:N0} bytes.");
            result[i] = t.StringData[i].ToStringUtf8();
        }
        return result;
    }

    /// <summary>True when every value of a numeric tensor is zero.</summary>
    public static bool IsAllZero(TensorProto t, string what)
    {
        if ((DataType)t.DataType is DataType.Int64 or DataType.Int32) return Integers(t, what, Shape.MaxElements).All(v => v == 0);
        return Floats(t, what).All(v => v == 0f);
    }

    public static string TypeName(int dataType) =>
        Enum.IsDefined(typeof(DataType), dataType) ? ((DataType)dataType).ToString().ToLowerInvariant() : $"type {dataType}";
}
