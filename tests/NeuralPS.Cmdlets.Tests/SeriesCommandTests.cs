using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Training;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>A series through the cmdlet layer: steps from records or numbers, the split in time order with
/// scaling from the training steps only, forecasts in the series' units, and bad steps named.</summary>
public sealed class SeriesCommandTests
{
    private static Network Forecaster(int window = 8, int outputs = 1)
    {
        var n = NetworkBuilder.Create("wave", new[] { window, 1 }, 5);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("GRU", new LayerParameters { Units = 12 }));
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = outputs }));
        return n;
    }

    private static double Wave(int t) => 50 + 20 * Math.Sin(t / 3.0) + t * 0.1;

    [Fact]
    public void The_split_keeps_time_order_and_the_scaling_comes_from_the_training_steps()
    {
        var net = Forecaster();
        var cmd = new TrainingCommand(net, new TrainingSettings
        {
            Options = new TrainingOptions { Epochs = 30, BatchSize = 16, LearningRate = 0.01, ValidationSplit = 0.25 },
            SeriesProperties = new[] { "Reading" },
        });
        for (int t = 0; t < 200; t++) Assert.Null(cmd.AddRecord(Records.Of(("Time", t), ("Reading", Wave(t).ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        var sink = new RecordingSink();
        var history = cmd.Run(sink, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 150).Average(Wave), net.Series!.Mean[0], 4);   // the first 150 steps only
        Assert.Contains(sink.VerboseLines, l => l.Contains("142 training windows (steps 1-150, scaling fitted on them only), 50 validation windows with targets after step 150", StringComparison.Ordinal));
        Assert.NotNull(history[^1].ValidationLoss);
        Assert.True(history[^1].Loss < history[0].Loss);

        var measure = new SeriesForecastCommand(net);
        for (int t = 142; t < 200; t++) Assert.Null(measure.AddRecord(Records.Of(("Reading", Wave(t)))));
        var report = measure.Measure();
        Assert.Equal(50, report.Count);
        Assert.True(report.RMSE < 6, $"RMSE {report.RMSE:F2} on a wave of amplitude 20");
    }

    [Fact]
    public void Numbers_forecast_every_window_in_the_series_units_the_last_beyond_the_data()
    {
        var net = Forecaster(window: 4, outputs: 2);
        var cmd = new TrainingCommand(net, new TrainingSettings { Options = new TrainingOptions { Epochs = 5 }, Horizon = 3 });
        for (int t = 0; t < 60; t++) Assert.Null(cmd.AddRecord(new RecordView(Wave(t)).Add(SeriesInput.NumberProperty, Wave(t))));
        cmd.Run(new RecordingSink(), CancellationToken.None);
        Assert.Equal((3, 4), (net.Series!.Horizon, net.Series.Window));

        var predict = new SeriesForecastCommand(net);
        for (int t = 0; t < 10; t++) Assert.Null(predict.AddRecord(new RecordView(t).Add(SeriesInput.NumberProperty, Wave(t))));
        var forecasts = predict.Forecasts().ToList();
        Assert.Equal(7, forecasts.Count);
        Assert.Equal(7, forecasts[0].Step);            // steps 1-4, then 3 ahead
        Assert.Equal(Wave(6), forecasts[0].Actual);
        Assert.Null(forecasts[^1].Actual);             // step 13: after the data
        Assert.Equal(2, Assert.IsType<double[]>(forecasts[0].Forecast).Length);
        Assert.InRange(((double[])forecasts[0].Forecast)[0], 0, 120);   // in the series' units, not scaled
    }

    [Fact]
    public void Bad_steps_are_named_and_a_series_needs_its_property()
    {
        var input = new SeriesInput(new[] { "Reading" });
        Assert.Null(input.Add(Records.Of(("Reading", 1.5))));
        Assert.Contains("Step 2", input.Add(Records.Of(("Reading", "n/a")))!.Message);
        Assert.Contains("no property 'Reading'", input.Add(Records.Of(("Other", 1)))!.Message);
        Assert.Equal(1, input.Steps);
        var unnamed = new SeriesInput(null);
        Assert.Contains("-SeriesProperty", Assert.Throws<InvalidConfigurationException>(() => unnamed.Add(Records.Of(("A", 1), ("B", 2)))).Message);

        var tooShort = new TrainingCommand(Forecaster(window: 8), new TrainingSettings { Options = new TrainingOptions { Epochs = 1 }, Horizon = 1 });
        for (int t = 0; t < 5; t++) tooShort.AddRecord(Records.Of(("Value", t)));
        Assert.Contains("at least 9", Assert.Throws<DataFormatException>(() => tooShort.Run(new RecordingSink(), CancellationToken.None)).Message);
    }
}
