using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Training;

/// <summary>The checkpoint file: a model file (same container: versioned, checksummed, no type names,
/// written atomically) with one extra section, CKPT, holding a <see cref="TrainingCheckpoint"/>. The
/// section is marked optional, so Import-NeuralNetwork (ModelFile.Load) reads a checkpoint as the model
/// it contains. CKPT starts with its own version (1).</summary>
public static class CheckpointFile
{
    public const string Tag = "CKPT";
    public const int Version = 1;
    public const string Extension = ".npsc";

    private static readonly string[] Understood = { Tag };

    public static byte[] Encode(Network network, TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var w = new ModelBinaryWriter();
        w.WriteInt32(Version);
        w.WriteInt32(checkpoint.Epoch);
        w.WriteInt32(checkpoint.BatchInEpoch);
        w.WriteInt64(checkpoint.Step);
        w.WriteDouble(checkpoint.EpochLossSum);
        w.WriteDouble(checkpoint.EpochMetricSum);
        w.WriteDouble(checkpoint.EpochMetricCount);
        w.WriteInt32(checkpoint.EpochSamples);
        w.WriteUInt64s(checkpoint.DropoutRandomState);
        w.WriteString(checkpoint.OptimizerName);
        w.WriteInt64(checkpoint.OptimizerSteps);
        w.WriteDouble(checkpoint.LearningRate);
        w.WriteInt32(checkpoint.OptimizerState.Count);
        foreach (var (name, value) in checkpoint.OptimizerState)
        {
            w.WriteString(name);
            w.WriteInt32s(value.Shape.ToArray());
            w.WriteSingles(value.Span);
        }
        WriteDoubles(w, checkpoint.ScheduleState);
        WriteDoubles(w, checkpoint.EarlyStoppingState);
        WriteArrays(w, checkpoint.BestWeights);
        WriteArrays(w, checkpoint.PendingGradients);
        w.WriteInt32(checkpoint.PendingBatches);
        w.WriteInt32(checkpoint.Settings.Count);
        foreach (var (name, value) in checkpoint.Settings)
        {
            w.WriteString(name);
            w.WriteString(value);
        }
        w.WriteString(checkpoint.TrainingData);
        w.WriteString(checkpoint.ValidationData);
        w.WriteInt32(checkpoint.History.Count);
        foreach (var e in checkpoint.History) WriteEpoch(w, e);
        w.WriteString(checkpoint.StopReason ?? string.Empty);
        return ModelFile.Encode(network, new[] { new ModelSection(Tag, required: false, w.ToArray()) });
    }

    /// <summary>Reads a checkpoint: the network it holds and the training state. Every fault (damage,
    /// truncation, a model file without training state) is a <see cref="ModelFileException"/>.</summary>
    public static (Network Network, TrainingCheckpoint Checkpoint) Read(string path) => Decode(ModelFile.Read(path, Understood), path);

    /// <summary>Reads a checkpoint from a stream (a distributed resume decodes the bytes rank 0 read);
    /// <paramref name="path"/> names it in messages.</summary>
    public static (Network Network, TrainingCheckpoint Checkpoint) Read(Stream stream, string path) =>
        Decode(ModelFile.Read(stream, path, Understood), path);

    private static (Network Network, TrainingCheckpoint Checkpoint) Decode(ModelFileContents contents, string path)
    {
        string name = Path.GetFileName(path);
        var section = contents.FindSection(Tag)
            ?? throw new ModelFileException($"'{name}' is a model file without training state (no '{Tag}' section), not a checkpoint.");
        var r = section.OpenReader($"Checkpoint '{name}'");
        int version = r.ReadInt32("the checkpoint version");
        if (version < 1 || version > Version)
            throw new ModelFileException($"Checkpoint '{name}' has training-state version {version}; this NeuralPS reads version {Version}.");
        int epoch = r.ReadInt32("the epoch");
        int batch = r.ReadInt32("the batch in the epoch");
        long step = r.ReadInt64("the step");
        double lossSum = r.ReadDouble(), metricSum = r.ReadDouble(), metricCount = r.ReadDouble();
        int samples = r.ReadInt32("the samples of the epoch");
        ulong[] random = r.ReadUInt64s("the dropout random state");
        string optimizer = r.ReadString("the optimizer name");
        long optimizerSteps = r.ReadInt64("the optimizer step count");
        double rate = r.ReadDouble("the learning rate");
        int stateCount = r.ReadCount("the optimizer state", 12);
        var state = new List<(string, Tensor)>(stateCount);
        for (int i = 0; i < stateCount; i++)
        {
            string tensorName = r.ReadString("an optimizer state name");
            int[] dims = r.ReadInt32s($"the shape of optimizer state '{tensorName}'");
            if (dims.Any(d => d < 0)) throw r.Error($"optimizer state '{tensorName}' has a negative dimension");
            float[] values = r.ReadSingles($"the values of optimizer state '{tensorName}'");
            var shape = new Shape(dims);
            if (values.Length != shape.Size) throw r.Error($"optimizer state '{tensorName}' has {values.Length} values for shape {shape}");
            state.Add((tensorName, new Tensor(shape, values)));
        }
        double[] schedule = ReadDoubles(r, "the schedule state");
        double[] early = ReadDoubles(r, "the early-stopping state");
        var best = ReadArrays(r, "the best weights");
        var pending = ReadArrays(r, "the pending gradients");
        int pendingBatches = r.ReadInt32("the pending batch count");
        int settingCount = r.ReadCount("the settings", 8);
        var settings = new List<(string, string)>(settingCount);
        for (int i = 0; i < settingCount; i++) settings.Add((r.ReadString("a setting name"), r.ReadString("a setting value")));
        string trainData = r.ReadString("the training data fingerprint");
        string validationData = r.ReadString("the validation data fingerprint");
        int historyCount = r.ReadCount("the history", 8);
        var history = new List<EpochResult>(historyCount);
        for (int i = 0; i < historyCount; i++) history.Add(ReadEpoch(r));
        string stop = r.ReadString("the stop reason");
        r.ExpectEnd();
        if (epoch < 0 || batch < 0 || step < 0 || optimizerSteps < 0 || pendingBatches < 0 || samples < 0)
            throw new ModelFileException($"Checkpoint '{name}' is corrupt: negative position (epoch {epoch}, batch {batch}, step {step}).");
        return (contents.Network, new TrainingCheckpoint
        {
            Epoch = epoch, BatchInEpoch = batch, Step = step,
            EpochLossSum = lossSum, EpochMetricSum = metricSum, EpochMetricCount = metricCount, EpochSamples = samples,
            DropoutRandomState = random, OptimizerName = optimizer, OptimizerSteps = optimizerSteps, LearningRate = rate,
            OptimizerState = state, ScheduleState = schedule, EarlyStoppingState = early, BestWeights = best,
            PendingGradients = pending, PendingBatches = pendingBatches, Settings = settings,
            TrainingData = trainData, ValidationData = validationData, History = history,
            StopReason = stop.Length == 0 ? null : stop,
        });
    }

    private static void WriteDoubles(ModelBinaryWriter w, double[] values)
    {
        w.WriteInt32(values.Length);
        foreach (double v in values) w.WriteDouble(v);
    }

    private static double[] ReadDoubles(ModelBinaryReader r, string what)
    {
        int n = r.ReadCount(what, 8);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = r.ReadDouble(what);
        return values;
    }

    private static void WriteArrays(ModelBinaryWriter w, IReadOnlyList<float[]> arrays)
    {
        w.WriteInt32(arrays.Count);
        foreach (var a in arrays) w.WriteSingles(a);
    }

    private static List<float[]> ReadArrays(ModelBinaryReader r, string what)
    {
        int n = r.ReadCount(what, 4);
        var list = new List<float[]>(n);
        for (int i = 0; i < n; i++) list.Add(r.ReadSingles(what));
        return list;
    }

    private static void WriteEpoch(ModelBinaryWriter w, EpochResult e)
    {
        w.WriteInt32(e.Epoch);
        w.WriteInt32(e.Epochs);
        w.WriteDouble(e.Loss);
        w.WriteString(e.MetricName);
        w.WriteDouble(e.Metric);
        w.WriteBool(e.ValidationLoss.HasValue);
        w.WriteDouble(e.ValidationLoss ?? 0);
        w.WriteBool(e.ValidationMetric.HasValue);
        w.WriteDouble(e.ValidationMetric ?? 0);
        w.WriteInt64(e.Duration.Ticks);
        w.WriteDouble(e.SamplesPerSecond);
        w.WriteDouble(e.LearningRate);
        w.WriteInt32(e.BestEpoch ?? 0);
        w.WriteString(e.StopReason ?? string.Empty);
    }

    private static EpochResult ReadEpoch(ModelBinaryReader r)
    {
        int epoch = r.ReadInt32("a history epoch");
        int epochs = r.ReadInt32("a history epoch count");
        double loss = r.ReadDouble("a history loss");
        string metricName = r.ReadString("a history metric name");
        double metric = r.ReadDouble("a history metric");
        bool hasVl = r.ReadBool("a history flag");
        double vl = r.ReadDouble("a history validation loss");
        bool hasVm = r.ReadBool("a history flag");
        double vm = r.ReadDouble("a history validation metric");
        long ticks = r.ReadInt64("a history duration");
        double sps = r.ReadDouble("a history throughput");
        double lr = r.ReadDouble("a history learning rate");
        int best = r.ReadInt32("a history best epoch");
        string stop = r.ReadString("a history stop reason");
        if (ticks < 0) throw r.Error("a history duration is negative");
        return new EpochResult(epoch, epochs, loss, metricName, metric, hasVl ? vl : null, hasVm ? vm : null,
            TimeSpan.FromTicks(ticks), sps, lr, best == 0 ? null : best, stop.Length == 0 ? null : stop);
    }
}
