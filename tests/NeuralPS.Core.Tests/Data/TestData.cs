namespace NeuralPS.Core.Tests.Data;

/// <summary>Paths of the shipped data (data/ at the repository root is copied next to the tests).</summary>
internal static class TestData
{
    public static string Path(params string[] parts) => System.IO.Path.Combine(new[] { AppContext.BaseDirectory, "data" }.Concat(parts).ToArray());

    public static string FashionTrainImages => Path("fashion-mnist", "train-images-idx3-ubyte.gz");
    public static string FashionTrainLabels => Path("fashion-mnist", "train-labels-idx1-ubyte.gz");
    public static string FashionTestImages => Path("fashion-mnist", "t10k-images-idx3-ubyte.gz");
    public static string FashionTestLabels => Path("fashion-mnist", "t10k-labels-idx1-ubyte.gz");
    public static string IrisCsv => Path("iris", "iris.csv");
    public static string SunspotsCsv => Path("sunspots", "sunspots.csv");
}
