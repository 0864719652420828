namespace NeuralPS.Core;

/// <summary>Base of every error the engine raises on purpose. The cmdlets map each subclass to an
/// ErrorRecord category; the message always says what to fix (layer, expected/actual shape, row).</summary>
public class NeuralException : Exception
{
    public NeuralException(string message) : base(message) { }
    public NeuralException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A layer cannot accept the shape it is given (raised when the layer is added).</summary>
public sealed class ShapeMismatchException : NeuralException
{
    public ShapeMismatchException(string message) : base(message) { }
}

/// <summary>An argument or hyper-parameter is out of range or inconsistent.</summary>
public sealed class InvalidConfigurationException : NeuralException
{
    public InvalidConfigurationException(string message) : base(message) { }
}

/// <summary>Input data cannot be read or converted (bad idx header, non-numeric CSV cell, ...).</summary>
public sealed class DataFormatException : NeuralException
{
    public DataFormatException(string message) : base(message) { }
    public DataFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model or checkpoint file is truncated, corrupt, foreign, or of an unsupported version.</summary>
public sealed class ModelFileException : NeuralException
{
    public ModelFileException(string message) : base(message) { }
    public ModelFileException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A checkpoint was written for another network, other data or other settings; the message names
/// the difference.</summary>
public sealed class CheckpointMismatchException : NeuralException
{
    public CheckpointMismatchException(string message) : base(message) { }
}
