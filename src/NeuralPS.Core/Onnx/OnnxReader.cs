using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using NeuralPS.Core.Onnx.Proto;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Onnx;

/// <summary>Reads an ONNX model into a <see cref="Network"/> that predicts and trains like one built with
/// Add-Layer (see <see cref="OnnxImporter"/> for the ops). Everything about the file is checked before a
/// network is returned, and every failure is a <see cref="ModelFileException"/> naming the file and, for a
/// graph problem, the node and its op type:
/// - the file is read whole (at most <see cref="OnnxFormat.MaxFileBytes"/>) and parsed from memory with a
///   size limit equal to its length, so a length prefix that points past the end is "truncated", not a
///   large allocation; nesting is limited to <see cref="OnnxFormat.MaxRecursion"/>;
/// - every tensor's dims are checked against the bytes it holds before its values are copied, and the
///   layers are built under an allocation budget sized by the weights the file actually holds.</summary>
public static class OnnxReader
{
    public static Network Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"Cannot find the ONNX file '{path}'.", path);
        if (info.Length > OnnxFormat.MaxFileBytes)
            throw new ModelFileException($"ONNX file '{path}' is {info.Length:N0} bytes, more than the {OnnxFormat.MaxFileBytes:N0} an ONNX file may have.");
        return Load(File.ReadAllBytes(path), path);
    }

    public static Network Load(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var model = Parse(bytes, source);
        return new OnnxImporter(model, source).Import();
    }

    internal static ModelProto Parse(byte[] bytes, string source)
    {
        if (bytes.Length == 0) throw new ModelFileException($"ONNX file '{source}' is empty.");
        var model = new ModelProto();
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            var input = CodedInputStream.CreateWithLimits(stream, bytes.Length, OnnxFormat.MaxRecursion);
            model.MergeFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ModelFileException($"ONNX file '{source}' is not a valid ONNX model (truncated or corrupt protobuf: {e.Message})", e);
        }
        if (model.Graph is null)
            throw new ModelFileException($"ONNX file '{source}' has no graph; it is not an ONNX model (or it is truncated).");
        return model;
    }

    internal static ModelFileException Bad(NodeProto node, string what) =>
        new($"ONNX node '{node.Name}' ({node.OpType}) {what}.");

    /// <summary>Metadata as a dictionary (the first value of a repeated key wins; keys and values are bounded).</summary>
    internal static Dictionary<string, string> Metadata(ModelProto model, string source)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in model.MetadataProps)
        {
            if (entry.Key.Length > 256) continue;
            result.TryAdd(entry.Key, entry.Value);
        }
        return result;
    }

    internal static string[]? StringList(Dictionary<string, string> metadata, string key, string source)
    {
        if (!metadata.TryGetValue(key, out var json)) return null;
        try
        {
            var list = JsonSerializer.Deserialize<string[]>(json);
            if (list is null || list.Any(s => s is null)) throw new JsonException("null");
            return list;
        }
        catch (JsonException)
        {
            throw new ModelFileException($"ONNX file '{source}': the metadata '{key}' is not a JSON list of strings.");
        }
    }

    internal static ulong? Unsigned(Dictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var s) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
