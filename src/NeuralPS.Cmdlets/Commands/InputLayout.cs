using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Fits flat records to a network's input shape. The most common image CSV layout (a label and
/// one column per pixel: Kaggle's MNIST CSV, scikit-learn's 8×8 digits) gives each record as a flat row of
/// features; when their number equals the size of the network's input shape (e.g. 64 for -InputShape 1,8,8)
/// the features are laid out in that shape, row-major (C×H×W; T×F for sequences). Any other difference is a
/// mismatch that names both sizes.</summary>
internal static class InputLayout
{
    /// <summary>Returns <paramref name="data"/> with samples of the network's input shape; calls
    /// <paramref name="verbose"/> (once) when it lays flat features out.</summary>
    public static Dataset Fit(Dataset data, Network network, Action<string>? verbose)
    {
        Shape want = network.InputShape, have = data.SampleShape;
        if (have == want) return data;
        if (have.Rank == 1 && have.Size == want.Size)
        {
            verbose?.Invoke($"Each sample's {have.Size} features are laid out in the input shape {Describe(want)} of network '{network.Name}' ({Axes(want)}, row-major, in the order of the feature columns).");
            return data.WithSampleShape(want);
        }
        string hint = have.Size == want.Size
            ? $" Create the network with -InputShape {string.Join(",", have)} (add a Flatten layer before Dense)."
            : have.Rank == 1 ? $" Give {want.Size} feature columns, or create the network with -InputShape {have.Size}." : "";
        throw new ShapeMismatchException(
            $"The data '{data.Name}' has {have.Size} values per sample (shape {Describe(have)}) but network '{network.Name}' takes input {Describe(want)} ({want.Size} values).{hint}");
    }

    /// <summary>What Invoke-Prediction says once with -Verbose when records feed a network whose input is not flat.</summary>
    public static string? RecordNotice(Network network) =>
        network.InputShape.Rank > 1
            ? $"Each record's {network.InputShape.Size} features are laid out in the input shape {Describe(network.InputShape)} of network '{network.Name}' ({Axes(network.InputShape)}, row-major, in the order of the feature columns)."
            : null;

    private static string Describe(Shape s) => string.Join("×", s);

    private static string Axes(Shape s) => s.Rank switch
    {
        3 => "channels × rows × columns",
        2 => "time steps × features",
        _ => $"{s.Rank} dimensions",
    };
}
