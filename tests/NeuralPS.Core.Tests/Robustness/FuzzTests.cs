using NeuralPS.Bench.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>The CI pass of the reader fuzzer (bench/NeuralPS.Bench/Fuzz/ReaderFuzzer.cs): a fixed seed and a
/// fixed number of mutated inputs per reader, so a failure replays exactly. No crash (an exception other than
/// the reader's documented one), no hang, and no input that allocates more than the stated bound.
/// The long run is `NeuralPS.Bench fuzz --seconds 200` (see bench/README.md).</summary>
public sealed class FuzzTests
{
    private readonly ITestOutputHelper _output;

    public FuzzTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(FuzzTarget.Model, 4000)]
    [InlineData(FuzzTarget.Idx, 6000)]
    [InlineData(FuzzTarget.Csv, 6000)]
    [InlineData(FuzzTarget.Onnx, 4000)]
    public void Mutated_inputs_are_refused_cleanly_within_the_allocation_bound(FuzzTarget target, int inputs)
    {
        var fuzzer = new ReaderFuzzer(target, seed: 8, dataFolder: Path.Combine(AppContext.BaseDirectory, "data"));
        var report = fuzzer.Run(inputs);
        _output.WriteLine(report.ToString());
        foreach (var f in report.Findings.Take(5))
            _output.WriteLine($"{f.Kind}: {f.Message}\ninput (base64): {Convert.ToBase64String(f.Input)}");
        Assert.Equal(inputs, report.Inputs);
        Assert.Equal(0, report.Crashes);
        Assert.Equal(0, report.Hangs);
        Assert.Equal(0, report.OverBudget);
        // The mutations must reach both outcomes, or the harness tests nothing.
        Assert.True(report.Accepted > inputs / 50, $"only {report.Accepted} inputs were accepted");
        Assert.True(report.Refused > inputs / 2, $"only {report.Refused} inputs were refused");
    }

    [Fact]
    public void Every_seed_is_accepted_unmutated()
    {
        foreach (var target in Enum.GetValues<FuzzTarget>())
        {
            var fuzzer = new ReaderFuzzer(target, seed: 1, dataFolder: Path.Combine(AppContext.BaseDirectory, "data"));
            var report = new FuzzReport { Target = target };
            for (int i = 0; i < fuzzer.Seeds.Count; i++)
            {
                long before = report.Accepted;
                fuzzer.RunOne(fuzzer.Seeds[i], report);
                Assert.True(report.Accepted == before + 1, $"{target} seed {i} was not accepted");
            }
        }
    }
}
