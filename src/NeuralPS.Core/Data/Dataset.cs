using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Data;

/// <summary>Float32 features [Count, ..SampleShape] with either class labels (classification) or
/// float targets [Count, outputs] (regression). Features are stored already preprocessed (the
/// preprocessing that produced them travels in <see cref="Preprocessor"/> and is copied into the
/// model at training time).</summary>
public sealed class Dataset
{
    public Dataset(Tensor features, int[]? classLabels, Tensor? targets, IReadOnlyList<string>? classNames = null, string name = "dataset", int labelSteps = 1)
    {
        if (labelSteps < 1)
            throw new DataFormatException($"Dataset '{name}': the labels per sample must be at least 1 but are {labelSteps}.");
        ArgumentNullException.ThrowIfNull(features);
        if (features.Shape.Rank < 2)
            throw new DataFormatException($"Dataset '{name}': features must be [count, ...] but have shape {features.Shape}.");
        int n = features.Rows;
        if (classLabels is not null && classLabels.Length != (long)n * labelSteps)
            throw new DataFormatException(labelSteps == 1
                ? $"Dataset '{name}': {n} samples but {classLabels.Length} labels."
                : $"Dataset '{name}': {n} samples of {labelSteps} steps need {(long)n * labelSteps} labels but there are {classLabels.Length}.");
        if (labelSteps > 1 && classLabels is null)
            throw new DataFormatException($"Dataset '{name}': {labelSteps} labels per sample need class labels (per-step regression targets are a targets tensor).");
        if (targets is not null && targets.Rows != n)
            throw new DataFormatException($"Dataset '{name}': {n} samples but {targets.Rows} targets.");
        if (classLabels is not null && targets is not null)
            throw new DataFormatException($"Dataset '{name}': give class labels or regression targets, not both.");
        if (classLabels is not null)
        {
            int classes = classNames?.Count ?? (classLabels.Length == 0 ? 0 : classLabels.Max() + 1);
            for (int i = 0; i < classLabels.Length; i++)
            {
                if (labelSteps > 1 && classLabels[i] == Losses.Loss.IgnoredLabel) continue; // a padded step
                if ((uint)classLabels[i] >= (uint)Math.Max(classes, 1))
                    throw new DataFormatException(labelSteps == 1
                        ? $"Dataset '{name}': sample {i} has label {classLabels[i]} outside 0..{classes - 1}."
                        : $"Dataset '{name}': sample {i / labelSteps}, step {i % labelSteps} has label {classLabels[i]} outside 0..{classes - 1} (−1 marks a step that does not count).");
            }
            ClassCount = classes;
        }
        Features = features;
        ClassLabels = classLabels;
        Targets = targets;
        ClassNames = classNames?.ToArray();
        Name = name;
        LabelSteps = labelSteps;
    }

    /// <summary>Class labels per sample: 1, or the time steps of a sequence output (ClassLabels then holds
    /// Count·LabelSteps labels, sample by sample, −1 for a step that counts for nothing, e.g. padding).</summary>
    public int LabelSteps { get; }

    public string Name { get; set; }
    public Tensor Features { get; }
    public int[]? ClassLabels { get; }
    public Tensor? Targets { get; }
    public IReadOnlyList<string>? ClassNames { get; }
    public int ClassCount { get; }

    /// <summary>The preprocessing already applied to <see cref="Features"/>, if any.</summary>
    public FeaturePreprocessor? Preprocessor { get; set; }

    public int Count => Features.Rows;
    public Shape SampleShape => Features.Shape.WithoutBatch();
    public bool IsClassification => ClassLabels is not null;
    public bool HasLabels => ClassLabels is not null || Targets is not null;

    /// <summary>For each sample, its index in the input it came from (the records given, before a split or a
    /// shuffle); null when sample i is input i. Error messages name records by these indexes.</summary>
    public int[]? SourceIndices
    {
        get => _sourceIndices;
        init
        {
            if (value is not null && value.Length != Count)
                throw new DataFormatException($"Dataset '{Name}': {Count} samples but {value.Length} source indexes.");
            _sourceIndices = value;
        }
    }

    private readonly int[]? _sourceIndices;

    /// <summary>The index in the input of sample <paramref name="sample"/>.</summary>
    public int SourceIndexOf(int sample) => _sourceIndices?[sample] ?? sample;

    /// <summary>The same samples (sharing storage, labels and preprocessing) with each sample's values laid out
    /// as <paramref name="sampleShape"/>, row-major: e.g. 64 flat features as 1×8×8 for a convolution.</summary>
    public Dataset WithSampleShape(Shape sampleShape)
    {
        if (sampleShape.Size != SampleShape.Size)
            throw new ShapeMismatchException($"Dataset '{Name}': samples of shape {SampleShape} ({SampleShape.Size} values) cannot be laid out as {sampleShape} ({sampleShape.Size} values).");
        return new Dataset(new Tensor(sampleShape.WithBatch(Count), Features.Data), ClassLabels, Targets, ClassNames, Name, LabelSteps) { Preprocessor = Preprocessor, SourceIndices = SourceIndices };
    }

    /// <summary>A new dataset with the samples at <paramref name="indices"/>, in that order (copies).</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        int f = Features.Columns;
        var feats = new Tensor(SampleShape.WithBatch(indices.Length));
        int steps = LabelSteps;
        int[]? labels = ClassLabels is null ? null : new int[indices.Length * steps];
        Tensor? targets = Targets is null ? null : new Tensor(Targets.Shape.WithoutBatch().WithBatch(indices.Length));
        int t = Targets?.Columns ?? 0;
        for (int i = 0; i < indices.Length; i++)
        {
            int s = indices[i];
            if ((uint)s >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Sample index {s} is outside 0..{Count - 1}.");
            Features.Data.AsSpan(s * f, f).CopyTo(feats.Data.AsSpan(i * f, f));
            if (labels is not null) ClassLabels.AsSpan(s * steps, steps).CopyTo(labels.AsSpan(i * steps, steps));
            if (targets is not null) Targets!.Data.AsSpan(s * t, t).CopyTo(targets.Data.AsSpan(i * t, t));
        }
        var sources = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) sources[i] = SourceIndexOf(indices[i]);
        return new Dataset(feats, labels, targets, ClassNames, Name, steps) { Preprocessor = Preprocessor, SourceIndices = sources };
    }

    /// <summary>Splits off the last <paramref name="validationFraction"/> of a seeded permutation
    /// (stratification is not attempted; the permutation is uniform).</summary>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, NeuralRandom random)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new InvalidConfigurationException($"Validation split must be between 0 and 1 (exclusive) but is {validationFraction}.");
        int nVal = (int)Math.Round(Count * validationFraction);
        if (nVal < 1 || nVal >= Count)
            throw new InvalidConfigurationException($"A validation split of {validationFraction} leaves no samples on one side of {Count} samples.");
        var idx = new int[Count];
        for (int i = 0; i < idx.Length; i++) idx[i] = i;
        random.Shuffle(idx);
        return (Subset(idx.AsSpan(0, Count - nVal)), Subset(idx.AsSpan(Count - nVal)));
    }

    public override string ToString() => $"{Name}: {Count} samples of {SampleShape}" + (IsClassification ? $", {ClassCount} classes" : Targets is null ? ", unlabelled" : $", {Targets.Columns} targets");
}
