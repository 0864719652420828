using NeuralPS.Core;
using NeuralPS.Core.Onnx;
using NeuralPS.Core.Serialization;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Save-NeuralNetwork / Export-NeuralNetwork / Import-NeuralNetwork without PowerShell: the overwrite
/// decision (<see cref="SavePlan"/>), the engine's model file and ONNX files (atomic save; validate-then-return
/// load, the kind of file told from its first bytes, not its name).</summary>
internal static class ModelFiles
{
    /// <summary>The conventional extension (".npsm").</summary>
    public static string Extension => ModelFile.Extension;

    /// <summary>Saves atomically; a network with NaN/Inf weights is refused unless <paramref name="allowNonFinite"/>.</summary>
    public static FileInfo Save(Network network, SavePlan plan, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        plan.EnsureAllowed();
        ModelFile.Save(network, plan.Path, allowNonFinite: allowNonFinite);
        return new FileInfo(plan.Path);
    }

    /// <summary>Writes the network as ONNX, atomically; see <see cref="OnnxExporter"/>.</summary>
    public static FileInfo Export(Network network, SavePlan plan, bool bare = false, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        plan.EnsureAllowed();
        OnnxExporter.Save(network, plan.Path, new OnnxExportOptions { Bare = bare, AllowNonFinite = allowNonFinite });
        return new FileInfo(plan.Path);
    }

    /// <summary>What a file holds, told from its first bytes.</summary>
    public enum FileKind { NeuralPS, Onnx }

    public static FileKind Detect(string fullPath)
    {
        Span<byte> head = stackalloc byte[8];
        int n;
        using (var fs = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read))
            n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var magic = "NPSMODEL"u8;
        if (n > 0 && head[..n].SequenceEqual(magic[..n])) return FileKind.NeuralPS;
        return OnnxFormat.LooksLikeOnnx(head[..n]) ? FileKind.Onnx : FileKind.NeuralPS; // garbage: the model reader's message
    }

    public static Network Load(string fullPath)
    {
        if (Directory.Exists(fullPath))
            throw new IOException($"'{fullPath}' is a folder, not a model file.");
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"Cannot find the model file '{fullPath}'.", fullPath);
        return Detect(fullPath) == FileKind.Onnx ? OnnxReader.Load(fullPath) : ModelFile.Load(fullPath);
    }
}
