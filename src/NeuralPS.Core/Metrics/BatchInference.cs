using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Metrics;

/// <summary>Runs a network in inference mode over [N, ..InputShape] features, one batch at a time,
/// handing each batch's output (owned by the network, valid until the next batch) to a callback.</summary>
internal static class BatchInference
{
    public static void Run(Network network, Tensor features, IBackend? backend, int batchSize, Action<int, Tensor> onBatch)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(features);
        if (batchSize <= 0) throw new InvalidConfigurationException($"Batch size must be positive but is {batchSize}.");
        if (network.Layers.Count == 0) throw new InvalidConfigurationException($"Network '{network.Name}' has no layers.");
        if (features.Shape.Rank < 1 || features.Shape.WithoutBatch() != network.InputShape)
            throw new ShapeMismatchException($"Network '{network.Name}' takes samples of shape {network.InputShape} but the data has samples of shape {(features.Shape.Rank < 1 ? features.Shape : features.Shape.WithoutBatch())}.");
        var context = LayerContext.Inference(backend);
        int n = features.Rows, width = network.InputShape.Size;
        Tensor? batch = null;
        for (int start = 0; start < n; start += batchSize)
        {
            int b = Math.Min(batchSize, n - start);
            var input = Tensor.Ensure(ref batch, network.InputShape.WithBatch(b));
            features.Data.AsSpan(start * width, b * width).CopyTo(input.Span);
            var output = network.Forward(input, context);
            if (output.Rows != b)
                throw new ShapeMismatchException($"Network '{network.Name}' returned {output.Rows} rows for a batch of {b}.");
            onBatch(start, output);
        }
    }
}
