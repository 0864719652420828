using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Bench.Cnn;

/// <summary>The two convolutional benchmark networks, built from layer specs (the vocabulary of
/// Add-Layer and the model file).</summary>
internal static class CnnModels
{
    /// <summary>Issue 4's seed CNN on [1, 28, 28]: Conv(32,3)+ReLU → MaxPool 2 → Conv(64,3)+ReLU → MaxPool 2
    /// → Dropout .25 → Flatten → Dense 128+ReLU → Dropout .5 → Dense 10 (valid padding: 28-26-13-11-5).</summary>
    public static Network SeedCnn(ulong seed)
    {
        var n = new Network("fashion-cnn", new Shape(1, 28, 28), seed);
        n.Add(Layer("Conv2d", ("filters", 32), ("kernelSize", new[] { 3, 3 }), ("activation", "ReLU")));
        n.Add(Layer("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(Layer("Conv2d", ("filters", 64), ("kernelSize", new[] { 3, 3 }), ("activation", "ReLU")));
        n.Add(Layer("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(Layer("Dropout", ("rate", 0.25)));
        n.Add(Layer("Flatten"));
        n.Add(Layer("Dense", ("units", 128), ("activation", "ReLU")));
        n.Add(Layer("Dropout", ("rate", 0.5)));
        n.Add(Layer("Dense", ("units", 10)));
        return n;
    }

    /// <summary>A small ResNet for 28×28 grey images:
    /// stem Conv(32,3,same)+BN+ReLU [32,28,28] → MaxPool 2 [32,14,14]
    /// → Residual[Conv(32,3)+BN+ReLU, Conv(32,3)+BN] + identity, ReLU            [32,14,14]
    /// → Residual[Conv(64,3,stride 2)+BN+ReLU, Conv(64,3)+BN] + 1×1/2 projection, ReLU  [64,7,7]
    /// → Residual[Conv(64,3)+BN+ReLU, Conv(64,3)+BN] + identity, ReLU            [64,7,7]
    /// → GlobalAvgPool [64] → Dropout .2 → Dense 10.
    /// Convolutions inside the blocks have no bias (the BatchNorm after them has one).
    /// About 17 MFLOP per image forward (the seed CNN: 5.6).</summary>
    public static Network SmallResNet(ulong seed)
    {
        var n = new Network("fashion-resnet", new Shape(1, 28, 28), seed);
        n.Add(Conv(32, 1));
        n.Add(Layer("BatchNorm"));
        n.Add(Layer("Activation", ("activation", "ReLU")));
        n.Add(Layer("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(Block(32, 1));
        n.Add(Block(64, 2));
        n.Add(Block(64, 1));
        n.Add(Layer("GlobalAvgPool2d"));
        n.Add(Layer("Dropout", ("rate", 0.2)));
        n.Add(Layer("Dense", ("units", 10)));
        return n;
    }

    private static Layer Block(int filters, int stride)
    {
        var spec = new LayerSpec("Residual", "").Set("activation", "ReLU");
        spec.Children.Add(Conv(filters, stride).ToSpec());
        spec.Children.Add(new LayerSpec("BatchNorm", ""));
        spec.Children.Add(new LayerSpec("Activation", "").Set("activation", "ReLU"));
        spec.Children.Add(Conv(filters, 1).ToSpec());
        spec.Children.Add(new LayerSpec("BatchNorm", ""));
        return LayerRegistry.Create(spec);
    }

    private static Layer Conv(int filters, int stride) => Layer("Conv2d", ("filters", filters), ("kernelSize", new[] { 3, 3 }),
        ("stride", new[] { stride, stride }), ("padding", "Same"), ("useBias", false));

    public static Layer Layer(string type, params (string Key, object Value)[] settings)
    {
        var spec = new LayerSpec(type, "");
        foreach (var (k, v) in settings) spec.Set(k, v);
        return LayerRegistry.Create(spec);
    }
}
