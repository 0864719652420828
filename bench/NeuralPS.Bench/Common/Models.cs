using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Bench.Common;

/// <summary>The benchmark networks, built from layer specs (the same vocabulary as Add-Layer and the
/// model file), matching bench/reference/fashion.py layer for layer.</summary>
public static class Models
{
    /// <summary>Fashion-MNIST MLP 784-256(ReLU)-10 on flattened images (issue 2).</summary>
    public static Network Mlp(ulong seed = 1)
    {
        var n = new Network("fashion-mlp", new Shape(784), seed);
        n.Add(Layer("Dense", ("units", 256), ("activation", "ReLU")));
        n.Add(Layer("Dense", ("units", 10)));
        return n;
    }

    /// <summary>Issue 4's seed CNN on [1,28,28] images: Conv(32,3)+ReLU, MaxPool 2, Conv(64,3)+ReLU,
    /// MaxPool 2, Dropout .25, Flatten, Dense 128+ReLU, Dropout .5, Dense 10 (valid padding: 28-26-13-11-5).</summary>
    public static Network Cnn(ulong seed = 1)
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

    /// <summary>A small ResNet for 28×28 grey images (about 13 MFLOP per image forward; the seed CNN: 5.6):
    /// stem Conv(32,3)+BN+ReLU [32,26,26] → MaxPool 2 [32,13,13]
    /// → Residual[Conv(32,3,same)+BN+ReLU, Conv(32,3,same)+BN] + identity, ReLU           [32,13,13]
    /// → Residual[Conv(64,3,stride 2,same)+BN+ReLU, Conv(64,3,same)+BN] + 1×1/2 projection, ReLU  [64,7,7]
    /// → Dropout .25 → Flatten → Dense 128+ReLU → Dropout .5 → Dense 10  (the seed CNN's head).
    /// Convolutions followed by BatchNorm have no bias (BatchNorm's beta is one).</summary>
    public static Network SmallResNet(ulong seed)
    {
        var n = new Network("fashion-resnet", new Shape(1, 28, 28), seed);
        n.Add(Layer("Conv2d", ("filters", 32), ("kernelSize", new[] { 3, 3 }), ("useBias", false)));
        n.Add(Layer("BatchNorm"));
        n.Add(Layer("Activation", ("activation", "ReLU")));
        n.Add(Layer("MaxPool2d", ("poolSize", new[] { 2, 2 })));
        n.Add(Block(32, 1));
        n.Add(Block(64, 2));
        n.Add(Layer("Dropout", ("rate", 0.25)));
        n.Add(Layer("Flatten"));
        n.Add(Layer("Dense", ("units", 128), ("activation", "ReLU")));
        n.Add(Layer("Dropout", ("rate", 0.5)));
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
