using System.Buffers.Binary;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tests.Serialization;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>Builds model and idx files byte by byte, as an attacker would: any architecture, any claims,
/// with a valid checksum, so that the reader's own checks (not the checksum) are what is tested.</summary>
internal static class HostileFiles
{
    /// <summary>A model file of the given sections (header, lengths and checksum correct).</summary>
    public static byte[] Container(IEnumerable<ModelSection> sections)
    {
        var list = sections.ToList();
        long payload = list.Sum(s => 16L + s.Data.Length);
        var file = new byte[ModelFile.HeaderSize + payload];
        ModelFile.Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), ModelFile.FormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(12), (ulong)payload);
        int at = ModelFile.HeaderSize;
        foreach (var s in list)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), ModelSection.Encode(s.Tag));
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at + 4), s.Required ? 1u : 0u);
            BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at + 8), (ulong)s.Data.Length);
            s.Data.CopyTo(file, at + 16);
            at += 16 + s.Data.Length;
        }
        return ModelFileTests.Rehash(file);
    }

    /// <summary>An ARCH section for a network of input <paramref name="inputDims"/> and these layer specs.</summary>
    public static ModelSection Architecture(int[] inputDims, params LayerSpec[] layers)
    {
        var w = new ModelBinaryWriter();
        w.WriteString("hostile");
        w.WriteUInt64(1);
        w.WriteInt32s(inputDims);
        w.WriteInt32(0);
        w.WriteInt32(layers.Length);
        foreach (var l in layers) LayerSpecCodec.Write(w, l);
        return new ModelSection(ModelFile.ArchitectureTag, true, w.ToArray());
    }

    /// <summary>A WGHT section that claims <paramref name="layers"/> layers and holds nothing else.</summary>
    public static ModelSection EmptyWeights(int layers)
    {
        var w = new ModelBinaryWriter();
        w.WriteInt32(layers);
        return new ModelSection(ModelFile.WeightsTag, true, w.ToArray());
    }

    /// <summary>The sections of a real network (so one can be replaced).</summary>
    public static List<ModelSection> SectionsOf(Network network) => NetworkSections.Encode(network);

    /// <summary>A PREP section holding only feature names (no columns, no statistics).</summary>
    public static ModelSection FeatureNamesOnly(params string[] names)
    {
        var w = new ModelBinaryWriter();
        w.WriteBool(true);
        w.WriteStrings(names);
        w.WriteSingle(1f);
        w.WriteBool(false);
        w.WriteBool(false);
        w.WriteBool(false);
        return new ModelSection(ModelFile.PreprocessorTag, true, w.ToArray());
    }

    public static byte[] Idx(IdxDataType type, int[] dims, byte[] body)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = (byte)type;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), (uint)dims[i]);
        return header.Concat(body).ToArray();
    }

    /// <summary>Bytes allocated on this thread by <paramref name="action"/> (whatever it throws is swallowed
    /// into <paramref name="error"/>).</summary>
    public static long AllocatedBy(Action action, out Exception? error)
    {
        error = null;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            action();
        }
        catch (Exception e)
        {
            error = e;
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
