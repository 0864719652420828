namespace NeuralPS.Core.Data;

/// <summary>Class names of well-known datasets, by label value.</summary>
public static class KnownClassNames
{
    /// <summary>Fashion-MNIST (Zalando), labels 0..9.</summary>
    public static IReadOnlyList<string> FashionMnist { get; } = new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    };

    /// <summary>MNIST digits, labels 0..9.</summary>
    public static IReadOnlyList<string> Digits { get; } = new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

    /// <summary>The names of a known set ("FashionMNIST", "Fashion-MNIST", "MNIST", "Digits"; case-insensitive).</summary>
    public static IReadOnlyList<string> Get(string setName)
    {
        string key = (setName ?? string.Empty).Replace("-", string.Empty).Replace("_", string.Empty).Trim().ToLowerInvariant();
        return key switch
        {
            "fashionmnist" or "fashion" => FashionMnist,
            "mnist" or "digits" => Digits,
            _ => throw new InvalidConfigurationException($"Unknown class-name set '{setName}'. Known: FashionMNIST, MNIST."),
        };
    }
}
