using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests;

/// <summary>Network.Forward at inference splits a large batch into chunks of rows that run through every layer in
/// turn (the activations then stay in the caches). Every layer is per-sample at inference, so the split must not
/// change the result.</summary>
public class NetworkInferenceChunkTests
{
    private static Layer L(string type, params (string Key, object Value)[] settings)
    {
        var spec = new LayerSpec(type, "");
        foreach (var (k, v) in settings) spec.Set(k, v);
        return LayerRegistry.Create(spec);
    }

    // Widest activation: the first convolution's output, 8 × 10 × 10 = 800 floats per sample.
    private static Network ConvNet()
    {
        var n = new Network("chunked", new Shape(1, 12, 12), 7);
        n.Add(L("Conv2d", ("filters", 8), ("kernelSize", new[] { 3, 3 }), ("activation", "ReLU")));
        n.Add(L("BatchNorm"));
        n.Add(L("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(L("Dropout", ("rate", 0.5)));
        n.Add(L("Flatten"));
        n.Add(L("Dense", ("units", 16), ("activation", "ReLU")));
        n.Add(L("Dense", ("units", 5), ("activation", "Softmax")));
        return n;
    }

    private static Tensor Inputs(int rows)
    {
        var x = new Tensor(new Shape(rows, 1, 12, 12));
        var r = new NeuralRandom(3);
        for (int i = 0; i < x.Size; i++) x.Data[i] = (float)r.NextDouble();
        return x;
    }

    [Theory]
    [InlineData(50)]   // chunks of 13, 13, 12, 12
    [InlineData(17)]   // one row more than a chunk: 9 + 8
    [InlineData(16)]   // exactly one chunk: not split
    public void SplitBatch_GivesTheUnsplitResult(int rows)
    {
        var net = ConvNet();
        var x = Inputs(rows);
        net.InferenceChunkBytes = 0;
        var lastLayerOutput = net.Forward(x, LayerContext.Inference());
        var whole = lastLayerOutput.Clone();
        net.InferenceChunkBytes = 16 * 800 * sizeof(float); // 16 rows per chunk
        var split = net.Forward(x, LayerContext.Inference());
        Assert.Equal(new Shape(rows, 5), split.Shape);
        // Split: the result is the network's own output tensor; one chunk: the last layer's, as without splitting.
        if (rows > 16) Assert.NotSame(lastLayerOutput, split);
        else Assert.Same(lastLayerOutput, split);
        for (int i = 0; i < whole.Size; i++) Assert.Equal(whole.Data[i], split.Data[i], 1e-6f);
        // A smaller batch afterwards re-shapes the network-owned output, and still matches row by row.
        var again = net.Forward(Inputs(3), LayerContext.Inference());
        Assert.Equal(new Shape(3, 5), again.Shape);
        for (int i = 0; i < again.Size; i++) Assert.Equal(whole.Data[i], again.Data[i], 1e-6f);
    }

    [Theory]
    [InlineData(40L * 800 * sizeof(float), 40)]
    [InlineData(40L * 800 * sizeof(float) + 3199, 40)]
    [InlineData(16L * 800 * sizeof(float), 16)]
    [InlineData(1L, 16)]                 // less than one sample: the floor of 16 rows, never a row at a time
    [InlineData(0L, int.MaxValue)]       // never split
    public void ChunkRows_FollowTheWidestActivation_ButNeverFallBelowTheFloor(long bytes, int rows)
    {
        var net = ConvNet();
        net.InferenceChunkBytes = bytes;
        Assert.Equal(rows, net.InferenceChunkRows());
    }

    [Fact]
    public void Training_IsNeverSplit()
    {
        // Backward needs every layer's activations of the whole batch: a split training forward would leave the
        // layers holding the last chunk's 12 rows, and the backward of 50 rows would be refused.
        var net = ConvNet();
        net.InferenceChunkBytes = 16 * 800 * sizeof(float);
        var ctx = new LayerContext(NeuralPS.Core.Backends.CpuBackend.Instance, training: true, new NeuralRandom(1));
        var y = net.Forward(Inputs(50), ctx);
        Assert.Equal(new Shape(50, 5), y.Shape);
        var dy = new Tensor(new Shape(50, 5));
        dy.Fill(0.1f);
        net.Backward(dy, ctx);
    }
}
