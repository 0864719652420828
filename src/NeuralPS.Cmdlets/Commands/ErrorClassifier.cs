using NeuralPS.Core;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>How an engine or I/O exception becomes an ErrorRecord: its category and error id
/// (PowerShell appends the cmdlet name to the id: "ShapeMismatch,NeuralPS.Cmdlets.AddLayerCmdlet").</summary>
internal static class ErrorClassifier
{
    /// <param name="writing">True when the command was writing a file: an I/O failure is then a WriteError.</param>
    public static (ErrorKind Kind, string ErrorId) Classify(Exception exception, bool writing = false) => exception switch
    {
        ShapeMismatchException => (ErrorKind.InvalidArgument, "ShapeMismatch"),
        LayerNotFoundException => (ErrorKind.ObjectNotFound, "LayerNotFound"),
        InvalidConfigurationException => (ErrorKind.InvalidArgument, "InvalidConfiguration"),
        DataFormatException => (ErrorKind.InvalidData, "DataFormat"),
        ModelFileException => (ErrorKind.InvalidData, "ModelFile"),
        CheckpointMismatchException => (ErrorKind.InvalidArgument, "CheckpointMismatch"),
        DistributedTrainingException => (ErrorKind.ResourceUnavailable, "Distributed"),
        NeuralException => (ErrorKind.InvalidOperation, "Neural"),
        FileExistsException => (ErrorKind.ResourceExists, "FileExists"),
        FileNotFoundException or DirectoryNotFoundException => (ErrorKind.ObjectNotFound, "FileNotFound"),
        UnauthorizedAccessException => (ErrorKind.PermissionDenied, "AccessDenied"),
        IOException => writing ? (ErrorKind.WriteError, "WriteFailed") : (ErrorKind.ReadError, "ReadFailed"),
        OperationCanceledException => (ErrorKind.OperationStopped, "Stopped"),
        ArgumentException => (ErrorKind.InvalidArgument, "InvalidArgument"),
        InvalidCastException or FormatException => (ErrorKind.InvalidType, "InvalidType"),
        OutOfMemoryException => (ErrorKind.ResourceUnavailable, "OutOfMemory"),
        _ => (ErrorKind.NotSpecified, "Unexpected"),
    };

    /// <summary>What the user can do about it (ErrorRecord.ErrorDetails.RecommendedAction).</summary>
    public static string? RecommendedAction(Exception exception) => exception switch
    {
        ShapeMismatchException => "Change the layer's parameters (kernel, stride, padding, units) or add a Flatten layer so the shapes agree; the network was left unchanged.",
        FileExistsException => "Use -Force to overwrite the file, or choose another path.",
        CheckpointMismatchException => "Resume with the network, data and settings the checkpoint was written for, or use another -CheckpointPath (or delete the checkpoint folder) to start over.",
        ModelFileException => "The file is not a complete NeuralPS model; save the network again with Save-NeuralNetwork.",
        _ => null,
    };
}

/// <summary>A file is in the way and -Force was not given.</summary>
internal sealed class FileExistsException : IOException
{
    public FileExistsException(string message) : base(message) { }
}
