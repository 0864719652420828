using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Bench.Common;

/// <summary>The full Fashion-MNIST from Debian's dataset-fashion-mnist package (or $FASHION_MNIST_DIR),
/// read with the engine's idx reader; pixels scaled to [0,1] as in bench/reference/fashion.py.</summary>
public static class FashionMnist
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    public static string Directory =>
        Environment.GetEnvironmentVariable("FASHION_MNIST_DIR") is { Length: > 0 } d ? d : DefaultDirectory;

    /// <summary><paramref name="split"/> "train" (60 000 images) or "test" (10 000). Features are
    /// [N, 784] when <paramref name="flatten"/>, else [N, 1, 28, 28].</summary>
    public static Dataset Load(string split, bool flatten, string? directory = null)
    {
        string prefix = split switch
        {
            "train" => "train",
            "test" or "t10k" => "t10k",
            _ => throw new ArgumentException($"Fashion-MNIST split must be 'train' or 'test' but is '{split}'."),
        };
        directory ??= Directory;
        var ds = IdxReader.ReadDataset(
            Find(directory, $"{prefix}-images-idx3-ubyte"),
            Find(directory, $"{prefix}-labels-idx1-ubyte"),
            new IdxReadOptions { Flatten = flatten, Scale = 1f / 255f, Name = $"fashion-mnist-{split}" });
        var shape = ds.Features.Shape;
        if (!flatten && shape.Rank == 3) ds.Features.Reshape(new Shape(shape[0], 1, shape[1], shape[2]));
        return ds;
    }

    private static string Find(string directory, string stem)
    {
        foreach (string name in new[] { stem + ".gz", stem })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{stem}(.gz) is not in {directory}: install Debian's dataset-fashion-mnist or set FASHION_MNIST_DIR.");
    }
}
