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

    public static LayerContext Inference(IBackend? backend = null) => new(backend ?? CpuBackend.Instance, training: false);
}
