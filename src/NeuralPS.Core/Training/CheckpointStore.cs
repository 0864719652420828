using NeuralPS.Core.Serialization;

namespace NeuralPS.Core.Training;

/// <summary>A checkpoint folder: <c>last.npsc</c> (the newest state, what -Resume continues from) and
/// <c>best.npsc</c> (the state after the best epoch by the monitored metric). Each is written atomically
/// (temporary file in the folder, flushed to disk, renamed over the old one), so a kill at any moment
/// leaves the previous complete checkpoint in place; a stray temporary file is harmless.</summary>
public sealed class CheckpointStore
{
    public const string LastFileName = "last" + CheckpointFile.Extension;
    public const string BestFileName = "best" + CheckpointFile.Extension;

    public CheckpointStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }
    public string LastPath => Path.Combine(Directory, LastFileName);
    public string BestPath => Path.Combine(Directory, BestFileName);
    public bool HasLast => File.Exists(LastPath);

    /// <summary>Test seam: wraps the temporary file's stream (to inject a failure mid-write).</summary>
    internal Func<Stream, Stream>? WrapStream { get; set; }

    /// <summary>Writes the checkpoint as last.npsc and, when <paramref name="best"/>, as best.npsc too
    /// (best first: a kill in between leaves last one epoch behind, which a resume simply repeats).</summary>
    public void Write(Network network, TrainingCheckpoint checkpoint, bool best)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException($"Cannot create the checkpoint folder '{Directory}': {e.Message}", e);
        }
        byte[] file = CheckpointFile.Encode(network, checkpoint);
        if (best) ModelFile.WriteAtomically(BestPath, file, WrapStream);
        ModelFile.WriteAtomically(LastPath, file, WrapStream);
    }

    public (Network Network, TrainingCheckpoint Checkpoint) ReadLast() => CheckpointFile.Read(LastPath);
}
