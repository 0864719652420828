using Xunit;

namespace NeuralPS.Core.Tests.Convolution;

/// <summary>Tests that switch the CPU convolution's process-wide strategy settings (layout, chunk width,
/// threading), and tests that depend on them staying put between two calls (bitwise equality, zero
/// allocation), run one after another in this collection.</summary>
[CollectionDefinition(Name)]
public sealed class ConvSettingsCollection
{
    public const string Name = "CPU convolution settings";
}
