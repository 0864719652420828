using System.Globalization;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;
using Xunit;
using Xunit.Abstractions;

namespace NeuralPS.Core.Tests.Data;

/// <summary>Sliding windows over a series for forecasting: window contents and targets, the split in time
/// order with scaling fitted on the training steps only, and a GRU that forecasts the real yearly sunspot
/// numbers (data/sunspots) better than persistence on the last 20% of the years.</summary>
public sealed class SeriesWindowsTests
{
    private readonly ITestOutputHelper _output;
    public SeriesWindowsTests(ITestOutputHelper output) => _output = output;

    private static float[] Sunspots() => File.ReadLines(TestData.SunspotsCsv).Skip(1)
        .Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void Windows_hold_consecutive_steps_and_the_targets_horizon_steps_after_the_last()
    {
        // 10 steps of 2 features: step t = (t, 100 + t).
        var series = Enumerable.Range(0, 10).SelectMany(t => new float[] { t, 100 + t }).ToArray();
        var d = SeriesWindows.Create(series, features: 2, window: 3, horizon: 2, outputs: 2, targetFeature: 1);
        // Window i covers steps i..i+2 and targets steps i+4, i+5: windows 0..4 fit in 10 steps.
        Assert.Equal(new Shape(5, 3, 2), d.Features.Shape);
        Assert.Equal(new float[] { 0, 100, 1, 101, 2, 102 }, d.Features.Span[..6].ToArray());
        Assert.Equal(new float[] { 104, 105 }, d.Targets!.Span[..2].ToArray()); // 2 and 3 steps after step 2
        Assert.Equal(new float[] { 107, 108 }, d.Targets.Span[6..8].ToArray());
        Assert.Equal(new float[] { 108, 109 }, d.Targets.Span[8..10].ToArray());
    }

    [Fact]
    public void Split_keeps_time_order_and_fits_the_scaling_on_the_training_steps_only()
    {
        var series = Sunspots();
        var (train, test, scaler) = SeriesWindows.Split(series, 1, window: 12, trainFraction: 0.8);
        int splitStep = (int)Math.Floor(0.8 * series.Length);
        Assert.Equal(series.Take(splitStep).Average(), scaler.Mean[0], 3);
        Assert.Equal(splitStep - 12, train.Count);                 // every training target before the split
        Assert.Equal(series.Length - splitStep, test.Count);       // one test window per year after it
        Assert.Equal(series[splitStep], scaler.Inverse(test.Targets![0], 0), 3);
        Assert.Equal(series[splitStep - 1], scaler.Inverse(train.Targets![train.Count - 1], 0), 3);

        // Changing the test years changes nothing in the training data.
        var changed = (float[])series.Clone();
        for (int t = splitStep; t < changed.Length; t++) changed[t] *= 10;
        var (train2, _, _) = SeriesWindows.Split(changed, 1, window: 12, trainFraction: 0.8);
        Assert.Equal(train.Features.ToArray(), train2.Features.ToArray());
        Assert.Equal(train.Targets.ToArray(), train2.Targets!.ToArray());
    }

    [Fact]
    public void Too_short_a_series_and_bad_settings_are_refused()
    {
        Assert.Throws<DataFormatException>(() => SeriesWindows.Create(new float[] { 1, 2, 3 }, 1, window: 3));
        Assert.Throws<DataFormatException>(() => SeriesWindows.Create(new float[] { 1, 2, 3 }, 2, window: 1));
        Assert.Throws<InvalidConfigurationException>(() => SeriesWindows.Create(new float[] { 1, 2, 3 }, 1, window: 0));
        Assert.Throws<InvalidConfigurationException>(() => SeriesWindows.Split(new float[20], 1, 3, trainFraction: 1));
        Assert.Contains("step 2", Assert.Throws<DataFormatException>(() => SeriesWindows.Create(new[] { 1f, float.NaN, 3, 4 }, 1, 1)).Message);
    }

    [Fact]
    public void Gru_forecasts_yearly_sunspots_better_than_persistence()
    {
        var series = Sunspots();
        var (train, test, scaler) = SeriesWindows.Split(series, 1, window: 12, trainFraction: 0.8, name: "sunspots");
        var net = new Network("sunspots", new Shape(12, 1), 7).Add(new GRU(16)).Add(new Dense(1));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 60, BatchSize = 16, LearningRate = 0.01, Seed = 7, Loss = "MeanSquaredError" });
        var history = trainer.Fit(train).ToList();

        var y = net.Forward(test.Features, LayerContext.Inference());
        double model = 0, persistence = 0;
        for (int i = 0; i < test.Count; i++)
        {
            double actual = scaler.Inverse(test.Targets![i], 0);
            double forecast = scaler.Inverse(y[i], 0);
            double last = scaler.Inverse(test.Features[(i * 12 + 11)], 0); // this year's value as next year's forecast
            model += (forecast - actual) * (forecast - actual);
            persistence += (last - actual) * (last - actual);
        }
        double rmse = Math.Sqrt(model / test.Count), naive = Math.Sqrt(persistence / test.Count);
        _output.WriteLine($"sunspots {1700 + (int)Math.Floor(0.8 * series.Length)}-2008 ({test.Count} years): GRU RMSE {rmse:F1}, persistence RMSE {naive:F1}; train loss {history[0].Loss:F3} -> {history[^1].Loss:F3}");
        Assert.True(rmse < 0.85 * naive, $"GRU RMSE {rmse:F1} is not clearly below persistence's {naive:F1}");
    }
}
