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

/// <summary>Training met a non-finite loss, gradient or weight and stopped; the network was put back to its
/// weights after the last batch whose result was finite. The message names the epoch, the batch, the records
/// and the first layer whose output or gradient went non-finite.</summary>
public sealed class NonFiniteTrainingException : NeuralException
{
    public NonFiniteTrainingException(string message, int epoch, int batch, IReadOnlyList<int> records, string? layer) : base(message)
    {
        Epoch = epoch;
        Batch = batch;
        Records = records;
        Layer = layer;
    }

    /// <summary>1-based epoch of the failing batch.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch within the epoch.</summary>
    public int Batch { get; }

    /// <summary>0-based indexes, in the input, of the records to look at: those with non-finite values when
    /// there are any, otherwise every record of the batch.</summary>
    public IReadOnlyList<int> Records { get; }

    /// <summary>The first layer whose output or gradient went non-finite (null when only the update did).</summary>
    public string? Layer { get; }
}

/// <summary>Data-parallel training cannot run or has gone wrong: no MPI library, a rank disagrees with the
/// others (weights checksum, world size), or an MPI call failed.</summary>
public sealed class DistributedTrainingException : NeuralException
{
    public DistributedTrainingException(string message) : base(message) { }
    public DistributedTrainingException(string message, Exception inner) : base(message, inner) { }
}
