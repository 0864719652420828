using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Tests.Robustness;
using Xunit;

namespace NeuralPS.Core.Tests.Data;

/// <summary>A forecasting network's series settings: scaling fitted on the training steps, windows and
/// targets as the forecast is defined, the model-file section (round trip, old files without it, hostile
/// claims refused), and forecasts mapped back to the series' units.</summary>
public sealed class SeriesPreprocessorTests
{
    private static float[] Ramp(int n) => Enumerable.Range(0, n).Select(i => (float)(i * 2 + 10)).ToArray();

    [Fact]
    public void Windows_and_targets_follow_the_horizon_and_the_training_scaling()
    {
        var series = Ramp(20);                    // 10, 12, ..., 48
        var pre = SeriesPreprocessor.Fit(series.AsSpan(0, 10), new[] { "v" }, window: 4, horizon: 2);
        Assert.Equal(19.0, pre.Mean[0], 6);       // mean of 10..28: fitted on the first 10 steps only
        double sd = Math.Sqrt(Enumerable.Range(0, 10).Select(i => Math.Pow(10 + 2 * i - 19.0, 2)).Average());
        Assert.Equal(sd, pre.StandardDeviation[0], 6);

        var labelled = pre.LabelledWindows(series, outputs: 2);
        Assert.Equal(20 - (4 - 1 + 2) - 1, labelled.Count);   // the last window needs steps 6 and 7 after it
        Assert.Equal(new Shape(4, 1), labelled.SampleShape);
        // Window 0 = steps 0..3; its targets are steps 5 and 6 (2 and 3 after its last step).
        Assert.Equal((float)((20 - 19.0) / sd), labelled.Targets!.Data[0], 5);
        Assert.Equal((float)((22 - 19.0) / sd), labelled.Targets.Data[1], 5);
        Assert.Equal(20.0, pre.InverseTarget(labelled.Targets.Data[0]), 4);

        var inputs = pre.InputWindows(series);
        Assert.Equal(17, inputs.Count);          // every window, the last ones forecasting beyond the data
        Assert.Equal((float)((48 - 19.0) / sd), inputs.Features.Data[^1], 5);
    }

    [Fact]
    public void Bad_series_and_settings_are_refused_naming_what_is_wrong()
    {
        var pre = SeriesPreprocessor.Fit(Ramp(10), new[] { "v" }, 3, 1);
        var bad = Ramp(10);
        bad[6] = float.NaN;
        Assert.Contains("step 7", Assert.Throws<DataFormatException>(() => pre.InputWindows(bad)).Message);
        Assert.Contains("window of 3", Assert.Throws<DataFormatException>(() => pre.InputWindows(Ramp(2))).Message);
        Assert.Throws<InvalidConfigurationException>(() => new SeriesPreprocessor(new[] { "a", "A" }, 3, 1, new[] { 0.0, 0 }, new[] { 1.0, 1 }));
        Assert.Throws<InvalidConfigurationException>(() => new SeriesPreprocessor(new[] { "a" }, 3, 0, new[] { 0.0 }, new[] { 1.0 }));
        Assert.Throws<InvalidConfigurationException>(() => new SeriesPreprocessor(new[] { "a" }, 3, 1, new[] { 0.0 }, new[] { 0.0 }));
    }

    private static Network Forecaster()
    {
        var n = new Network("f", new Shape(6, 2), 4);
        n.Add(new GRU(3));
        n.Add(new Dense(2));
        n.Series = new SeriesPreprocessor(new[] { "Load", "Temperature" }, 6, 3, new[] { 100.5, 12.25 }, new[] { 7.5, 3.0 });
        return n;
    }

    [Fact]
    public void The_series_settings_round_trip_through_the_model_file()
    {
        using var stream = new MemoryStream();
        ModelFile.Save(Forecaster(), stream);
        stream.Position = 0;
        var s = ModelFile.Load(stream, "f.npsm").Series!;
        Assert.Equal(new[] { "Load", "Temperature" }, s.Properties);
        Assert.Equal((6, 3), (s.Window, s.Horizon));
        Assert.Equal(new[] { 100.5, 12.25 }, s.Mean);
        Assert.Equal(new[] { 7.5, 3.0 }, s.StandardDeviation);

        var plain = new Network("p", new Shape(4), 1);
        plain.Add(new Dense(1));
        using var old = new MemoryStream();
        ModelFile.Save(plain, old);
        old.Position = 0;
        Assert.Null(ModelFile.Load(old, "p.npsm").Series);
    }

    private static ModelSection Seri(string[] properties, int window, int horizon, int count, double sd = 1)
    {
        var w = new ModelBinaryWriter();
        w.WriteStrings(properties);
        w.WriteInt32(window);
        w.WriteInt32(horizon);
        w.WriteInt32(count);
        for (int i = 0; i < Math.Min(count, properties.Length); i++) w.WriteDouble(0);
        for (int i = 0; i < Math.Min(count, properties.Length); i++) w.WriteDouble(sd);
        return new ModelSection(ModelFile.SeriesTag, true, w.ToArray());
    }

    [Theory]
    [InlineData(6, 3, 400_000_000, 1.0, "claims")]      // statistics for 400 million features in a few bytes
    [InlineData(5, 3, 2, 1.0, "window")]                 // a window that does not fill the input (6, 2)
    [InlineData(6, 0, 2, 1.0, "horizon")]
    [InlineData(6, 3, 2, -1.0, "standard deviation")]
    public void A_hostile_or_inconsistent_series_section_is_refused(int window, int horizon, int count, double sd, string says)
    {
        var sections = HostileFiles.SectionsOf(Forecaster());
        int at = sections.FindIndex(s => s.Tag == ModelFile.SeriesTag);
        sections[at] = Seri(new[] { "Load", "Temperature" }, window, horizon, count, sd);
        var file = HostileFiles.Container(sections);
        long allocated = HostileFiles.AllocatedBy(() => ModelFile.Load(new MemoryStream(file), "bad.npsm"), out var error);
        Assert.Contains(says, Assert.IsType<ModelFileException>(error).Message);
        Assert.True(allocated < 16L * file.Length + (1 << 20), $"{allocated:N0} bytes allocated for a {file.Length:N0}-byte file");
    }
}
