using System.Globalization;
using NeuralPS.Bench.Common;
using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using NeuralPS.Core.Training;

namespace NeuralPS.Onnx.Tests.Support;

/// <summary>The networks the ONNX checks run on, with real inputs from data/: the Iris MLP trained with its
/// fitted standardisation and class names, the seed CNN and the small ResNet on Fashion-MNIST test images
/// (raw 0..255 pixels, scaled by the model's preprocessing), and sequence models on sunspot windows.</summary>
internal static class TestModels
{
    public static string DataPath(params string[] parts) => Path.Combine(new[] { AppContext.BaseDirectory, "data" }.Concat(parts).ToArray());

    /// <summary>Iris rows as raw feature values [150, 4] and their species.</summary>
    public static (float[] Features, string[] Species) IrisRows()
    {
        var records = CsvReader.ReadRecords(DataPath("iris", "iris.csv")).ToList();
        var features = new float[records.Count * 4];
        var species = new string[records.Count];
        string[] columns = { "SepalLength", "SepalWidth", "PetalLength", "PetalWidth" };
        for (int i = 0; i < records.Count; i++)
        {
            for (int j = 0; j < 4; j++) features[i * 4 + j] = Convert.ToSingle(records[i][columns[j]], CultureInfo.InvariantCulture);
            species[i] = (string)records[i]["Species"]!;
        }
        return (features, species);
    }

    public static Network IrisMlp()
    {
        var converter = new RecordConverter(new RecordConverterOptions { LabelColumn = "Species", Name = "iris" });
        foreach (var r in CsvReader.ReadRecords(DataPath("iris", "iris.csv"))) converter.TryAdd(r, out _);
        var data = converter.ToDataset();
        var net = new Network("iris", new Shape(4), 7)
            .Add(new Dense(16, ActivationKind.ReLU))
            .Add(new Dense(3, ActivationKind.Softmax));
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 30, BatchSize = 16, LearningRate = 0.01, Seed = 7 });
        _ = trainer.Fit(data).ToList();
        return net;
    }

    /// <summary>The first <paramref name="count"/> Fashion-MNIST test images as raw pixel values [count, 1, 28, 28].</summary>
    public static float[] FashionImages(int count)
    {
        var images = IdxReader.Read(DataPath("fashion-mnist", "t10k-images-idx3-ubyte.gz"), count);
        var values = new float[count * 784];
        images.CopyTo(values);
        return values;
    }

    public static int[] FashionLabels(int count, bool train = false)
    {
        var labels = IdxReader.Read(DataPath("fashion-mnist", train ? "train-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte.gz"), count);
        var values = new float[count];
        labels.CopyTo(values);
        return values.Select(v => (int)v).ToArray();
    }

    public static Network SeedCnn()
    {
        var net = Models.Cnn(3);
        net.Preprocessor = new FeaturePreprocessor(null, 1f / 255, null, null);
        return net;
    }

    /// <summary>The bench ResNet with BatchNorm statistics and affine parameters set to seeded non-trivial
    /// values (fresh ones are 0/1, which would hide a layout or epsilon mistake).</summary>
    public static Network ResNet()
    {
        var net = Models.SmallResNet(5);
        net.Preprocessor = new FeaturePreprocessor(null, 1f / 255, null, null);
        var rng = new NeuralRandom(99);
        foreach (var bn in AllLayers(net.Layers).OfType<BatchNorm>())
        {
            foreach (var v in new[] { bn.Parameters[0].Value, bn.Parameters[1].Value, bn.RunningMean })
                for (int i = 0; i < v.Size; i++) v[i] = (float)(rng.NextDouble() - 0.5);
            for (int i = 0; i < bn.RunningVariance.Size; i++) bn.RunningVariance[i] = (float)(0.5 + rng.NextDouble());
        }
        return net;
    }

    public static IEnumerable<Layer> AllLayers(IEnumerable<Layer> layers)
    {
        foreach (var l in layers)
        {
            yield return l;
            if (l is Residual r)
            {
                foreach (var inner in AllLayers(r.Layers)) yield return inner;
                if (r.Projection is { } p) yield return p;
            }
        }
    }

    /// <summary>Windows of 12 yearly sunspot numbers (scaled by 1/100) as (batch, 12, 1) sequences.</summary>
    public static float[] SunspotWindows(int count, int steps = 12)
    {
        var values = File.ReadLines(DataPath("sunspots", "sunspots.csv")).Skip(1)
            .Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture) / 100f).ToArray();
        var x = new float[count * steps];
        for (int i = 0; i < count; i++)
            for (int t = 0; t < steps; t++) x[i * steps + t] = values[i * 3 + t];
        return x;
    }

    public static Network Sequence(ulong seed = 4) => new Network("sunspots-seq", new Shape(12, 1), seed)
        .Add(new LSTM(8, returnSequences: true, bidirectional: true))
        .Add(new GRU(6, returnSequences: true))
        .Add(new Dense(3, ActivationKind.Tanh))
        .Add(new SimpleRNN(5, bidirectional: true))
        .Add(new Dense(1));

    public static Network LastStepLstm(ulong seed = 6) => new Network("sunspots-lstm", new Shape(12, 1), seed)
        .Add(new LSTM(16))
        .Add(new Dense(1));

    public static Network BidirectionalGru(ulong seed = 8) => new Network("sunspots-gru", new Shape(12, 1), seed)
        .Add(new GRU(10, bidirectional: true))
        .Add(new Dense(4, ActivationKind.ReLU))
        .Add(new Dense(1));

    /// <summary>Runs the network on raw inputs the way Invoke-Prediction does: the model's preprocessing, then inference.</summary>
    public static float[] Predict(Network net, float[] raw, int batch)
    {
        var x = (float[])raw.Clone();
        net.Preprocessor?.Apply(x);
        var input = new Tensor(net.InputShape.WithBatch(batch), x);
        return net.Forward(input, LayerContext.Inference()).ToArray();
    }
}

/// <summary>A model with a categorical input column: Iris petal width (regression) from sepal length, petal
/// length and the species as a one-hot encoded column — real rows, real categories.</summary>
internal static class CategoricalModel
{
    public static (Network Net, List<CsvRecord> Rows) Train()
    {
        var rows = CsvReader.ReadRecords(TestModels.DataPath("iris", "iris.csv")).ToList();
        var converter = new RecordConverter(new RecordConverterOptions
        {
            LabelColumn = "PetalWidth",
            FeatureColumns = new[] { "SepalLength", "Species", "PetalLength" },
            CategoricalColumns = new[] { "Species" },
            Task = LearningTask.Regression,
        });
        foreach (var r in rows) converter.TryAdd(r, out _);
        var net = new Network("petal-width", new Shape(5), 11)
            .Add(new Dense(8, ActivationKind.Tanh))
            .Add(new Dense(1));
        _ = new Trainer(net, new TrainingOptions { Epochs = 20, BatchSize = 16, LearningRate = 0.01, Seed = 3 }).Fit(converter.ToDataset()).ToList();
        return (net, rows);
    }

    /// <summary>NeuralPS' own encoding of the rows (columns, one-hot, standardisation) and its outputs.</summary>
    public static float[] Predict(Network net, List<CsvRecord> rows)
    {
        var encoder = RecordConverter.ForPrediction(net);
        int width = net.InputShape.Size;
        var x = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++)
            if (!encoder.TryEncode(rows[i], x.AsSpan(i * width, width), out var error)) throw new InvalidOperationException(error!.Message);
        return net.Forward(new Tensor(new Shape(rows.Count, width), x), LayerContext.Inference()).ToArray();
    }
}
