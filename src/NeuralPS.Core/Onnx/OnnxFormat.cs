namespace NeuralPS.Core.Onnx;

/// <summary>What NeuralPS writes into and expects of an ONNX file: opsets, limits, and the metadata keys
/// that carry what ONNX has no place for (class names, feature names, the seed).</summary>
public static class OnnxFormat
{
    /// <summary>The opset a model is written with unless one of its ops needs a later one (Gelu: 20).</summary>
    public const int DefaultOpset = 17;

    /// <summary>The oldest default-domain opset the reader accepts: Softmax's axis semantics, Split, Squeeze
    /// and Dropout took their present form in opset 13 (PyTorch 1.13 exports 13 to 17).</summary>
    public const int MinImportOpset = 13;

    /// <summary>The newest opset whose ops the reader knows to mean what it implements.</summary>
    public const int MaxImportOpset = 22;

    /// <summary>ONNX IR version written (IR 8 goes with opsets 15 to 18; 9 with 19 and 20).</summary>
    internal static long IrVersionFor(int opset) => opset >= 21 ? 10 : opset >= 19 ? 9 : 8;

    /// <summary>Files larger than this are refused before they are read (protobuf's own limit is 2 GiB).</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Most nodes and initializers one graph may hold.</summary>
    public const int MaxNodes = 1 << 16;

    /// <summary>Protobuf nesting depth (graphs inside attributes); Google.Protobuf's default is 100.</summary>
    internal const int MaxRecursion = 64;

    /// <summary>The file's name in error messages.</summary>
    internal const string Producer = "NeuralPS";

    internal const string ClassNamesKey = "neuralps.class_names";
    internal const string FeatureNamesKey = "neuralps.feature_names";
    internal const string LabelNameKey = "neuralps.label_name";
    internal const string ColumnsKey = "neuralps.columns";
    internal const string PreprocessingKey = "neuralps.preprocessing";
    internal const string SeedKey = "neuralps.seed";
    internal const string EpochsKey = "neuralps.epochs_trained";

    /// <summary>The graph input and outputs NeuralPS writes.</summary>
    public const string InputName = "input";
    public const string OutputName = "output";
    public const string LabelOutputName = "label";

    /// <summary>True when <paramref name="head"/> (the first bytes of a file) can begin a serialised ONNX
    /// ModelProto: protobuf field 1 (ir_version, varint) or another ModelProto field's tag. A NeuralPS model
    /// file begins "NPSMODEL" and never matches.</summary>
    public static bool LooksLikeOnnx(ReadOnlySpan<byte> head)
    {
        if (head.Length < 2) return false;
        return head[0] switch
        {
            0x08 or 0x28 => true,                         // ir_version, model_version (varints)
            0x12 or 0x1a or 0x22 or 0x32 or 0x3a or 0x42 or 0x72 => true, // strings and messages
            _ => false,
        };
    }
}
