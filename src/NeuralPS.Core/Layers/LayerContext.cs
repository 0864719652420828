using NeuralPS.Core.Backends;

namespace NeuralPS.Core.Layers;

/// <summary>What a layer is handed for one forward/backward pass: the backend that does the work,
/// whether this is training (dropout on, batch statistics) and the run's dropout stream.</summary>
public sealed class LayerContext
{
    public LayerContext(IBackend backend, bool training, NeuralRandom? random = null)
    {
        Backend = backend;
        Training = training;
        Random = random ?? new NeuralRandom(0);
    }

    public IBackend Backend { get; }
    public bool Training { get; set; }

    /// <summary>Dropout masks and any other per-step randomness draw from here.</summary>
    public NeuralRandom Random { get; }

    /// <summary>Set during synchronised-BatchNorm data-parallel training: sums BatchNorm's statistics over the
    /// ranks (null = each process normalises with its own batch).</summary>
    public IBatchStatisticsSync? BatchStatistics { get; set; }

    public static LayerContext Inference(IBackend? backend = null) => new(backend ?? CpuBackend.Instance, training: false);
}

/// <summary>Sums per-channel statistics over the ranks of a data-parallel run (synchronised BatchNorm).</summary>
public interface IBatchStatisticsSync
{
    /// <summary>Replaces <paramref name="values"/> on every rank by the sum over the ranks (same bits on every rank).</summary>
    void Sum(Span<double> values);

    /// <summary>This rank's share of the global batch (its samples / the global batch's samples): the factor the
    /// trainer applies to this rank's gradients before summing them.</summary>
    double ShardWeight { get; }
}
