using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Data;

/// <summary>Turns records — rows of (column name → value), as CSV rows or PowerShell objects arrive —
/// into a float32 <see cref="Dataset"/>, one record at a time, so that a bad record is skipped and
/// reported (<see cref="TryAdd"/> returns a <see cref="RecordError"/>) rather than ending the run.
///
/// Training mode (<c>new RecordConverter(options)</c>) learns the encoding from the records:
/// feature columns (default: all but the label, in the first accepted record's order), each numeric
/// (its value in the first accepted record is a number) or categorical (one-hot, categories sorted);
/// class labels of any type mapped to indices (numbers sorted numerically, otherwise text sorted
/// ordinally; class names are the labels' text); numeric columns standardised with statistics fitted
/// on the training records only (<see cref="ToDatasets"/> fits on the training part of a split).
/// The encoding travels with the dataset as its <see cref="Dataset.Preprocessor"/> and
/// <see cref="Dataset.ClassNames"/>, and from there into the model file.
///
/// Model mode (<see cref="ForPrediction"/>, <see cref="ForEvaluation"/>) applies a trained network's
/// saved encoding to raw records, so prediction and evaluation on raw rows just work.
/// Column names match case-insensitively (as PowerShell property names do).</summary>
public sealed class RecordConverter
{
    /// <summary>Under <see cref="LearningTask.Auto"/>, integer labels with at most this many distinct values are classes.</summary>
    public const int AutoClassificationMaxClasses = 20;

    private readonly RecordConverterOptions _options;
    private readonly string? _labelColumn;
    private readonly HashSet<string> _forcedCategorical;

    // Model mode: the fixed encoding (null in training mode).
    private readonly FeaturePreprocessor? _model;
    private readonly IReadOnlyList<string>? _modelClasses;
    private readonly bool _modelHasLabels;
    private readonly bool _fitClasses; // model mode with a replaced head: features as learned, classes fitted anew
    private readonly Dictionary<string, int>? _modelClassIndex;
    private readonly Dictionary<string, int>? _modelClassIndexIgnoreCase;

    // Training mode: columns fixed by the first accepted record.
    private string[]? _columnNames;
    private bool[]? _isCategorical;

    // Accepted records. Training mode keeps raw values; model mode keeps encoded, preprocessed inputs.
    private readonly List<double> _numbers = new();
    private readonly List<string> _categories = new();
    private readonly List<string> _texts = new();       // training mode: the text column's raw values
    private readonly string? _textColumn;
    private readonly List<float> _encoded = new();
    private readonly List<string> _labelTexts = new();
    private readonly List<double> _labelNumbers = new();

    private long _seen;
    private string[]? _firstValues; // training mode: each column's value in the first accepted record (it decided the kind)
    private readonly List<ConversionNotice> _notices = new();
    private readonly List<int> _acceptedRecords = new(); // 0-based input position of each accepted record

    public RecordConverter(RecordConverterOptions? options = null)
    {
        _options = options ?? new RecordConverterOptions();
        _labelColumn = string.IsNullOrWhiteSpace(_options.LabelColumn) ? null : _options.LabelColumn.Trim();
        _forcedCategorical = new HashSet<string>(_options.CategoricalColumns ?? Array.Empty<string>(), StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrWhiteSpace(_options.TextColumn))
        {
            _textColumn = _options.TextColumn.Trim();
            if (_options.Text is null) throw new InvalidConfigurationException($"Text column '{_textColumn}' needs text settings (split, sequence length, vocabulary cap).");
            if (_options.FeatureColumns is { } features && !(features.Count == 1 && string.Equals(features[0], _textColumn, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidConfigurationException($"A text network reads one text property, '{_textColumn}', but the feature properties are {string.Join(", ", features)}.");
            if (_labelColumn is not null && string.Equals(_textColumn, _labelColumn, StringComparison.OrdinalIgnoreCase))
                throw new InvalidConfigurationException($"Property '{_textColumn}' cannot be both the text and the label.");
            _options = _options.Clone();
            _options.FeatureColumns = new[] { _textColumn };
        }
        if (_options.FeatureColumns is { } given)
        {
            if (given.Count == 0) throw new InvalidConfigurationException("FeatureColumns is empty; give at least one column or leave it unset to use all but the label.");
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var c in given)
            {
                if (string.IsNullOrWhiteSpace(c)) throw new InvalidConfigurationException("FeatureColumns contains an empty column name.");
                if (!seen.Add(c)) throw new InvalidConfigurationException($"Feature column '{c}' is listed twice.");
                if (_labelColumn is not null && string.Equals(c, _labelColumn, StringComparison.OrdinalIgnoreCase))
                    throw new InvalidConfigurationException($"Column '{c}' cannot be both the label and a feature.");
            }
        }
    }

    private RecordConverter(FeaturePreprocessor model, IReadOnlyList<string>? classes, string? labelColumn, bool hasLabels, string name, bool fitClasses = false)
    {
        _fitClasses = fitClasses;
        _options = new RecordConverterOptions { LabelColumn = labelColumn, Name = name };
        _labelColumn = labelColumn;
        _forcedCategorical = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _model = model;
        _modelClasses = classes;
        _modelHasLabels = hasLabels;
        var columns = model.RecordColumns!;
        _columnNames = columns.Select(c => c.Name).ToArray();
        _isCategorical = columns.Select(c => c.Kind == FeatureKind.Categorical).ToArray();
        if (classes is not null)
        {
            _modelClassIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            _modelClassIndexIgnoreCase = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < classes.Count; i++)
            {
                _modelClassIndex.TryAdd(classes[i], i);
                _modelClassIndexIgnoreCase.TryAdd(classes[i], i);
            }
        }
    }

    /// <summary>A converter that encodes records for <paramref name="network"/> (features only; labels are ignored).</summary>
    public static RecordConverter ForPrediction(Network network) => ForModel(network, null, hasLabels: false);

    /// <summary>A converter that encodes records and their labels for <paramref name="network"/>: class labels are
    /// mapped to the model's classes by name, regression targets read as numbers. <paramref name="labelColumn"/>
    /// defaults to the column the model was trained with.</summary>
    public static RecordConverter ForEvaluation(Network network, string? labelColumn = null) => ForModel(network, labelColumn, hasLabels: true);

    /// <summary>A converter for continued training after the output layer was replaced (transfer learning onto
    /// other classes): features are encoded as the network learned them, the class labels are fitted anew from
    /// the records (sorted, as a first training fits them) and <see cref="Dataset.ClassNames"/> of the result
    /// names them.</summary>
    public static RecordConverter ForNewClasses(Network network, string? labelColumn = null) =>
        ForModel(network, labelColumn, hasLabels: true, fitClasses: true);

    /// <summary>True when <paramref name="network"/>'s class names cannot describe its output any more: it has
    /// class names, and its last layer gives a different number of scores (the head was replaced; one output for
    /// two classes is the binary form, not a mismatch).</summary>
    public static bool HeadNoLongerMatchesClasses(Network network)
    {
        // Only a flat output is one score per class; a per-step output (-Task NextToken) names its scores by a
        // vocabulary that may be smaller than the layer.
        if (network.ClassNames is not { Count: > 0 } classes || network.Layers.Count == 0 || network.OutputShape.Rank != 1) return false;
        int outputs = network.OutputShape.Size;
        return outputs != classes.Count && !(outputs == 1 && classes.Count <= 2);
    }


    private static RecordConverter ForModel(Network network, string? labelColumn, bool hasLabels, bool fitClasses = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        var pre = network.Preprocessor;
        if (pre?.RecordColumns is null)
            throw new InvalidConfigurationException($"Network '{network.Name}' was not trained on records (it has no saved feature columns), so it cannot read records; give it a dataset or arrays of numbers.");
        int width = pre.RecordColumns.Sum(c => c.Width);
        if (network.InputShape.Size != width)
            throw new InvalidConfigurationException($"Network '{network.Name}' takes {network.InputShape.Size} inputs but its saved feature columns produce {width}.");
        string? label = string.IsNullOrWhiteSpace(labelColumn) ? pre.LabelName : labelColumn.Trim();
        if (hasLabels && label is null)
            throw new InvalidConfigurationException($"Network '{network.Name}' does not record which property held the label; name the label property.");
        return new RecordConverter(pre, fitClasses ? null : network.ClassNames, hasLabels ? label : null, hasLabels, network.Name, fitClasses);
    }

    /// <summary>Training mode, after <see cref="ToDataset"/>/<see cref="ToDatasets"/>: how each column was read and
    /// which task the labels made, with a warning where a minority of the values decided it.</summary>
    public IReadOnlyList<ConversionNotice> Notices => _notices;

    /// <summary>Records accepted so far.</summary>
    public int Count => _accepted;

    private int _accepted;

    /// <summary>Records rejected so far (each reported once by <see cref="TryAdd"/>).</summary>
    public int Rejected { get; private set; }

    /// <summary>The first error reported, for the message when nothing could be converted.</summary>
    public RecordError? FirstError { get; private set; }

    /// <summary>The label column (null when records are unlabelled).</summary>
    public string? LabelColumn => _labelColumn;

    /// <summary>Feature columns in input order, once known (after the first accepted record in training mode).</summary>
    public IReadOnlyList<string>? FeatureColumns => _columnNames;

    /// <summary>Network inputs per record, once known (categories of categorical columns are known only at the end of training mode).</summary>
    public int? InputWidth => _model?.RecordColumns!.Sum(c => c.Width);

    /// <summary>Adds one record. Returns false, with the error naming the record and the property, when the
    /// record cannot be converted; the record is then skipped. <paramref name="location"/> overrides how the
    /// record is named in the message (default "Record N"; the CSV reader passes "file line N").</summary>
    public bool TryAdd(IReadOnlyDictionary<string, object?> record, out RecordError? error, string? location = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        long number = ++_seen;
        string where = location ?? $"Record {number}";
        bool ok = _model is not null ? AddModelMode(record, number, where, out error) : AddTrainingMode(record, number, where, out error);
        if (ok)
        {
            _accepted++;
            _acceptedRecords.Add((int)Math.Min(number - 1, int.MaxValue));
        }
        else
        {
            Rejected++;
            FirstError ??= error;
        }
        return ok;
    }

    /// <summary>Model mode only: encodes one record's features (preprocessed, ready for the network) into
    /// <paramref name="destination"/> (length <see cref="InputWidth"/>) without storing it.</summary>
    public bool TryEncode(IReadOnlyDictionary<string, object?> record, Span<float> destination, out RecordError? error, string? location = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_model is null) throw new InvalidOperationException("TryEncode needs a converter made for a trained network (ForPrediction/ForEvaluation).");
        long number = ++_seen;
        string where = location ?? $"Record {number}";
        int width = InputWidth!.Value;
        if (destination.Length < width) throw new ArgumentException($"Destination holds {destination.Length} values; {width} are needed.", nameof(destination));
        bool ok = EncodeFeatures(record, number, where, destination[..width], out error);
        if (ok) _model.Apply(destination[..width]);
        return ok;
    }

    private bool AddModelMode(IReadOnlyDictionary<string, object?> record, long number, string where, out RecordError? error)
    {
        int width = InputWidth!.Value;
        Span<float> row = width <= 1024 ? stackalloc float[width] : new float[width];
        if (!EncodeFeatures(record, number, where, row, out error)) return false;
        string labelText = string.Empty;
        double labelNumber = double.NaN;
        if (_modelHasLabels)
        {
            if (!ReadLabel(record, number, where, out object? raw, out error)) return false;
            if (_fitClasses)
            {
                // Kept as text and, where it is one, as a number: MapClasses orders them as a first training would.
                labelText = RecordValue.ToText(raw);
                if (!RecordValue.TryGetNumber(raw, out labelNumber)) labelNumber = double.NaN;
            }
            else if (_modelClasses is not null)
            {
                // Exact name, then case-insensitive, then the same number written differently ("1.0" for class "1").
                labelText = RecordValue.ToText(raw);
                if (!_modelClassIndex!.TryGetValue(labelText, out int cls) && !_modelClassIndexIgnoreCase!.TryGetValue(labelText, out cls)
                    && !(RecordValue.TryGetNumber(raw, out double asNumber) && _modelClassIndex.TryGetValue(RecordValue.FormatNumber(asNumber), out cls)))
                {
                    error = new RecordError(number, _labelColumn, raw,
                        $"{where}: label property '{_labelColumn}' = {RecordValue.Describe(raw)} is not one of the model's classes ({List(_modelClasses)}).");
                    return false;
                }
                labelNumber = cls;
            }
            else
            {
                if (!RecordValue.TryGetNumber(raw, out labelNumber))
                {
                    error = new RecordError(number, _labelColumn, raw, $"{where}: label property '{_labelColumn}' = {RecordValue.Describe(raw)} is not a number (the model does regression).");
                    return false;
                }
                if (!RecordValue.FitsFloat32(labelNumber))
                {
                    error = new RecordError(number, _labelColumn, raw, $"{where}: label property '{_labelColumn}' {RecordValue.OutOfFloat32Range(labelNumber)}.");
                    return false;
                }
            }
        }
        _model!.Apply(row);
        foreach (float v in row) _encoded.Add(v);
        _labelTexts.Add(labelText);
        _labelNumbers.Add(labelNumber);
        error = null;
        return true;
    }

    private bool EncodeFeatures(IReadOnlyDictionary<string, object?> record, long number, string where, Span<float> destination, out RecordError? error)
    {
        var columns = _model!.RecordColumns!;
        int k = 0;
        foreach (var column in columns)
        {
            if (!TryGetValue(record, column.Name, out object? value))
            {
                error = new RecordError(number, column.Name, null, $"{where} has no property '{column.Name}' (it has: {List(record.Keys)}).");
                return false;
            }
            if (RecordValue.IsMissing(value))
            {
                error = new RecordError(number, column.Name, value, $"{where}: property '{column.Name}' is empty.");
                return false;
            }
            if (column.Kind == FeatureKind.Text)
            {
                column.Vectorizer!.Transform(RecordValue.ToText(value), destination.Slice(k, column.Width));
                k += column.Width;
            }
            else if (column.Kind == FeatureKind.Numeric)
            {
                if (!RecordValue.TryGetNumber(value, out double x))
                {
                    error = new RecordError(number, column.Name, value, $"{where}: property '{column.Name}' = {RecordValue.Describe(value)} is not a number.");
                    return false;
                }
                if (!RecordValue.FitsFloat32(x))
                {
                    error = new RecordError(number, column.Name, value, $"{where}: property '{column.Name}' {RecordValue.OutOfFloat32Range(x)}.");
                    return false;
                }
                destination[k++] = (float)x;
            }
            else
            {
                string text = RecordValue.ToText(value);
                int hit = -1;
                for (int c = 0; c < column.Categories!.Count; c++)
                {
                    if (string.Equals(column.Categories[c], text, StringComparison.Ordinal)) { hit = c; break; }
                }
                if (hit < 0)
                {
                    error = new RecordError(number, column.Name, value,
                        $"{where}: property '{column.Name}' = {RecordValue.Describe(value)} is not a category the model was trained with ({List(column.Categories)}).");
                    return false;
                }
                for (int c = 0; c < column.Categories.Count; c++) destination[k + c] = c == hit ? 1f : 0f;
                k += column.Categories.Count;
            }
        }
        error = null;
        return true;
    }

    private bool AddTrainingMode(IReadOnlyDictionary<string, object?> record, long number, string where, out RecordError? error)
    {
        // Columns are fixed by the first accepted record: until then, work them out from each record.
        string[] names = _columnNames ?? (_options.FeatureColumns?.ToArray() ?? record.Keys.Where(k => _labelColumn is null || !string.Equals(k, _labelColumn, StringComparison.OrdinalIgnoreCase)).ToArray());
        if (names.Length == 0)
        {
            error = new RecordError(number, null, null, $"{where} has no feature properties (only the label '{_labelColumn}').");
            return false;
        }
        bool[]? kinds = _isCategorical;
        var values = new object?[names.Length];
        for (int j = 0; j < names.Length; j++)
        {
            if (!TryGetValue(record, names[j], out object? value))
            {
                error = new RecordError(number, names[j], null, $"{where} has no property '{names[j]}' (it has: {List(record.Keys)}).");
                return false;
            }
            if (RecordValue.IsMissing(value))
            {
                error = new RecordError(number, names[j], value, $"{where}: property '{names[j]}' is empty.");
                return false;
            }
            values[j] = value;
        }
        if (kinds is null)
        {
            kinds = new bool[names.Length];
            // The text column is never numeric (it skips the number checks below, as categories do).
            for (int j = 0; j < names.Length; j++) kinds[j] = IsText(names[j]) || _forcedCategorical.Contains(names[j]) || !RecordValue.TryGetNumber(values[j], out _);
        }
        for (int j = 0; j < names.Length; j++)
        {
            if (kinds[j]) continue;
            if (!RecordValue.TryGetNumber(values[j], out double x))
            {
                error = new RecordError(number, names[j], values[j],
                    $"{where}: property '{names[j]}' = {RecordValue.Describe(values[j])} is not a number (the column is numeric, as its first value was; list it as categorical to one-hot encode it).");
                return false;
            }
            if (!RecordValue.FitsFloat32(x))
            {
                error = new RecordError(number, names[j], values[j], $"{where}: property '{names[j]}' {RecordValue.OutOfFloat32Range(x)}.");
                return false;
            }
        }

        string labelText = string.Empty;
        double labelNumber = double.NaN;
        if (_labelColumn is not null)
        {
            if (!ReadLabel(record, number, where, out object? raw, out error)) return false;
            bool isNumber = RecordValue.TryGetNumber(raw, out labelNumber) && raw is not bool;
            if (!isNumber) labelNumber = double.NaN;
            if (_options.Task == LearningTask.Regression && !isNumber)
            {
                error = new RecordError(number, _labelColumn, raw, $"{where}: label property '{_labelColumn}' = {RecordValue.Describe(raw)} is not a number (the task is regression).");
                return false;
            }
            if (isNumber && _options.Task != LearningTask.Classification && !RecordValue.FitsFloat32(labelNumber))
            {
                error = new RecordError(number, _labelColumn, raw, $"{where}: label property '{_labelColumn}' {RecordValue.OutOfFloat32Range(labelNumber)} (as a regression target it would be infinite).");
                return false;
            }
            labelText = RecordValue.ToText(raw);
        }

        // Accepted: commit columns (first record) and values.
        if (_columnNames is null)
        {
            _firstValues = new string[names.Length];
            for (int j = 0; j < names.Length; j++) _firstValues[j] = RecordValue.ToText(values[j]);
        }
        _columnNames ??= names;
        _isCategorical ??= kinds;
        for (int j = 0; j < names.Length; j++)
        {
            if (IsText(names[j])) _texts.Add(RecordValue.ToText(values[j]));
            else if (kinds[j]) _categories.Add(RecordValue.ToText(values[j]));
            else
            {
                RecordValue.TryGetNumber(values[j], out double x);
                _numbers.Add(x);
            }
        }
        _labelTexts.Add(labelText);
        _labelNumbers.Add(labelNumber);
        error = null;
        return true;
    }

    private bool IsText(string column) => _textColumn is not null && string.Equals(column, _textColumn, StringComparison.OrdinalIgnoreCase);

    private bool ReadLabel(IReadOnlyDictionary<string, object?> record, long number, string where, out object? raw, out RecordError? error)
    {
        if (!TryGetValue(record, _labelColumn!, out raw))
        {
            error = new RecordError(number, _labelColumn, null, $"{where} has no label property '{_labelColumn}' (it has: {List(record.Keys)}).");
            return false;
        }
        if (RecordValue.IsMissing(raw))
        {
            error = new RecordError(number, _labelColumn, raw, $"{where}: label property '{_labelColumn}' is empty.");
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>The accepted records as one dataset. In training mode the standardisation is fitted on all of
    /// them; use <see cref="ToDatasets"/> to hold out validation records from the fit.</summary>
    public Dataset ToDataset()
    {
        if (_model is not null) return BuildModelMode();
        var all = new int[_accepted];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        return BuildTrainingMode(all);
    }

    /// <summary>Training mode: splits the accepted records as <see cref="Dataset.Split"/> does (the last
    /// <paramref name="validationFraction"/> of a permutation drawn from <paramref name="random"/>) and fits the
    /// standardisation on the training part only.</summary>
    public (Dataset Train, Dataset Validation) ToDatasets(double validationFraction, NeuralRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (_model is not null) throw new InvalidOperationException("ToDatasets is for training; a converter for a trained network uses ToDataset.");
        int count = _accepted;
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new InvalidConfigurationException($"Validation split must be between 0 and 1 (exclusive) but is {validationFraction}.");
        int nVal = (int)Math.Round(count * validationFraction);
        if (nVal < 1 || nVal >= count)
            throw new InvalidConfigurationException($"A validation split of {validationFraction} leaves no samples on one side of {count} records.");
        var idx = new int[count];
        for (int i = 0; i < idx.Length; i++) idx[i] = i;
        random.Shuffle(idx);
        var full = BuildTrainingMode(idx[..(count - nVal)]);
        return (full.Subset(idx.AsSpan(0, count - nVal)), full.Subset(idx.AsSpan(count - nVal)));
    }

    private void EnsureSomething()
    {
        if (_accepted > 0) return;
        string why = Rejected == 0 ? "no records were given" : $"all {Rejected} records were rejected; the first: {FirstError?.Message}";
        throw new DataFormatException($"Cannot build dataset '{_options.Name}': {why}");
    }

    private Dataset BuildModelMode()
    {
        EnsureSomething();
        int n = _accepted, width = InputWidth!.Value;
        var features = new Tensor(new Shape(n, width));
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_encoded).CopyTo(features.Span);
        int[]? labels = null;
        Tensor? targets = null;
        IReadOnlyList<string>? classes = _modelClasses;
        if (_modelHasLabels)
        {
            if (_fitClasses)
            {
                (labels, var names) = MapClasses();
                classes = names;
            }
            else if (_modelClasses is not null)
            {
                labels = new int[n];
                for (int i = 0; i < n; i++) labels[i] = (int)_labelNumbers[i];
            }
            else
            {
                targets = new Tensor(new Shape(n, 1));
                for (int i = 0; i < n; i++) targets[i] = (float)_labelNumbers[i];
            }
        }
        return new Dataset(features, labels, targets, labels is null ? null : classes, _options.Name) { Preprocessor = _model };
    }

    private Dataset BuildTrainingMode(ReadOnlySpan<int> fitRows)
    {
        EnsureSomething();
        int n = _accepted;
        string[] names = _columnNames!;
        bool[] categorical = _isCategorical!;
        int textCount = names.Count(IsText);
        int numericCount = categorical.Count(c => !c), categoricalCount = names.Length - numericCount - textCount;

        // Categories per categorical column, sorted ordinally (stable across runs and machines); the text
        // column's vocabulary from the training records only.
        var columns = new FeatureColumn[names.Length];
        var categoryIndex = new Dictionary<string, int>?[names.Length];
        for (int j = 0, cj = 0; j < names.Length; j++)
        {
            if (IsText(names[j]))
            {
                var text = _options.Text!;
                var fitTexts = new string[fitRows.Length];
                for (int i = 0; i < fitRows.Length; i++) fitTexts[i] = _texts[fitRows[i]];
                columns[j] = new FeatureColumn(names[j], TextVectorizer.Fit(fitTexts, text.Split, text.SequenceLength, text.MaxTokens));
                continue;
            }
            if (!categorical[j]) { columns[j] = new FeatureColumn(names[j]); continue; }
            var set = new SortedSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++) set.Add(_categories[i * categoricalCount + cj]);
            var list = set.ToArray();
            columns[j] = new FeatureColumn(names[j], list);
            categoryIndex[j] = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int c = 0; c < list.Length; c++) categoryIndex[j]![list[c]] = c;
            cj++;
        }
        int width = columns.Sum(c => c.Width);

        var raw = new float[(long)n * width];
        for (int i = 0; i < n; i++)
        {
            int k = i * width;
            for (int j = 0, nj = 0, cj = 0; j < names.Length; j++)
            {
                if (columns[j].Vectorizer is { } vectorizer)
                {
                    vectorizer.Transform(_texts[i], raw.AsSpan(k, columns[j].Width));
                    k += columns[j].Width;
                }
                else if (!categorical[j]) raw[k++] = (float)_numbers[i * numericCount + nj++];
                else
                {
                    int hit = categoryIndex[j]![_categories[i * categoricalCount + cj++]];
                    raw[k + hit] = 1f;
                    k += columns[j].Width;
                }
            }
        }

        float[]? mean = null, std = null;
        if (_options.Standardize)
        {
            mean = new float[width];
            std = new float[width];
            Array.Fill(std, 1f);
            for (int j = 0, k = 0; j < names.Length; j++)
            {
                if (categorical[j]) { k += columns[j].Width; continue; }
                double sum = 0;
                foreach (int i in fitRows) sum += raw[(long)i * width + k];
                double mu = sum / fitRows.Length;
                double sq = 0;
                foreach (int i in fitRows)
                {
                    double d = raw[(long)i * width + k] - mu;
                    sq += d * d;
                }
                double sd = Math.Sqrt(sq / fitRows.Length);
                mean[k] = (float)mu;
                std[k] = sd > 1e-12 && (float)sd > 0f ? (float)sd : 1f; // a constant column maps to 0, not NaN
                k++;
            }
        }
        var pre = new FeaturePreprocessor(columns, mean, std, _labelColumn);
        pre.Apply(raw);
        var features = new Tensor(new Shape(n, width), raw);

        DescribeDecisions(columns, categoricalCount);
        if (_labelColumn is null)
            return new Dataset(features, null, null, null, _options.Name) { Preprocessor = pre, SourceIndices = SourceIndices() };
        if (DecideRegression())
        {
            var targets = new Tensor(new Shape(n, 1));
            for (int i = 0; i < n; i++) targets[i] = (float)_labelNumbers[i];
            return new Dataset(features, null, targets, null, _options.Name) { Preprocessor = pre, SourceIndices = SourceIndices() };
        }
        var (labels, classNames) = MapClasses();
        return new Dataset(features, labels, null, classNames, _options.Name) { Preprocessor = pre, SourceIndices = SourceIndices() };
    }

    /// <summary>Fills <see cref="Notices"/>: each column's kind and what decided it, the task and what decided it.</summary>
    private void DescribeDecisions(FeatureColumn[] columns, int categoricalCount)
    {
        _notices.Clear();
        int n = _accepted;
        bool[] categorical = _isCategorical!;
        for (int j = 0, cj = 0; j < columns.Length; j++)
        {
            string name = columns[j].Name, first = RecordValue.Describe(_firstValues?[j]);
            if (columns[j].Vectorizer is { } v)
            {
                _notices.Add(new ConversionNotice(false, $"Column '{name}' is text: {(v.Mode == TextTokens.Words ? "words" : "characters")}, a vocabulary of {v.VocabularySize:N0} ids (of at most {v.MaxTokens:N0}) fitted on the training records, {v.SequenceLength} ids per text (padded with 0 or cut; 1 = not in the vocabulary)."));
                continue;
            }
            if (!categorical[j])
            {
                _notices.Add(new ConversionNotice(false, $"Column '{name}' is numeric (its first value, {first}, is a number)."));
                continue;
            }
            int numbers = 0;
            for (int i = 0; i < n; i++) if (RecordValue.TryGetNumber(_categories[i * categoricalCount + cj], out _)) numbers++;
            cj++;
            if (_forcedCategorical.Contains(name))
                _notices.Add(new ConversionNotice(false, $"Column '{name}' is categorical as requested: {columns[j].Width} categories."));
            else if (numbers * 2 > n)
                _notices.Add(new ConversionNotice(true,
                    $"Column '{name}' was made categorical ({columns[j].Width} categories) because its first value, {first}, is not a number, although {numbers} of its {n} values are numbers. Fix or remove the records whose '{name}' is not a number if it should be numeric."));
            else
                _notices.Add(new ConversionNotice(false, $"Column '{name}' is categorical: {columns[j].Width} categories (its first value, {first}, is not a number)."));
        }
        if (_labelColumn is null) return;

        int numericLabels = 0;
        string? firstText = null;
        foreach (var (number, text) in _labelNumbers.Zip(_labelTexts))
        {
            if (!double.IsNaN(number)) numericLabels++;
            else firstText ??= text;
        }
        bool regression = DecideRegression();
        string task = _options.Task switch
        {
            LearningTask.Regression => $"Label '{_labelColumn}': regression, as requested.",
            LearningTask.Classification => $"Label '{_labelColumn}': classification, as requested.",
            _ => regression
                ? $"Label '{_labelColumn}': regression, because the labels are numbers with fractional values or more than {AutoClassificationMaxClasses} distinct values."
                : firstText is null
                    ? $"Label '{_labelColumn}': classification, because the labels are whole numbers with at most {AutoClassificationMaxClasses} distinct values."
                    : $"Label '{_labelColumn}': classification, because label {RecordValue.Describe(firstText)} is not a number.",
        };
        bool minority = _options.Task == LearningTask.Auto && !regression && firstText is not null && numericLabels * 2 > n;
        if (minority)
        {
            int classes = _labelTexts.Distinct(StringComparer.Ordinal).Count();
            task = $"Label '{_labelColumn}' made a {classes}-class classification because {n - numericLabels} of its {n} values are not numbers (the first: {RecordValue.Describe(firstText)}), although {numericLabels} are. Fix those records, or choose the task explicitly (-Task Regression or Classification).";
        }
        _notices.Add(new ConversionNotice(minority, task));
    }

    // Record positions in the input, needed only when some records were skipped (otherwise sample i is record i).
    private int[]? SourceIndices() => Rejected == 0 ? null : _acceptedRecords.ToArray();

    /// <summary>Whether the labels are treated as regression targets (see <see cref="LearningTask"/>).</summary>
    /// <summary>True when the records carry labels (a label column for training, or a model converter for evaluation).</summary>
    public bool HasLabels => _model is not null ? _modelHasLabels : _labelColumn is not null;

    public bool IsRegression => _model is not null ? _modelHasLabels && _modelClasses is null && !_fitClasses : _labelColumn is not null && _accepted > 0 && DecideRegression();

    private bool DecideRegression()
    {
        if (_options.Task == LearningTask.Regression) return true;
        if (_options.Task == LearningTask.Classification) return false;
        var distinct = new HashSet<double>();
        bool fractional = false;
        foreach (double v in _labelNumbers)
        {
            if (double.IsNaN(v)) return false; // some label is not a number: classes
            if (v != Math.Floor(v)) fractional = true;
            distinct.Add(v);
        }
        return fractional || distinct.Count > AutoClassificationMaxClasses;
    }

    private (int[] Labels, string[] Names) MapClasses()
    {
        int n = _accepted;
        var labels = new int[n];
        bool allNumbers = !_labelNumbers.Any(double.IsNaN);
        if (allNumbers)
        {
            var values = _labelNumbers.Distinct().Order().ToArray();
            var index = new Dictionary<double, int>();
            for (int c = 0; c < values.Length; c++) index[values[c]] = c;
            for (int i = 0; i < n; i++) labels[i] = index[_labelNumbers[i]];
            return (labels, values.Select(RecordValue.FormatNumber).ToArray());
        }
        var names = _labelTexts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++) byName[names[c]] = c;
        for (int i = 0; i < n; i++) labels[i] = byName[_labelTexts[i]];
        return (labels, names);
    }

    private static bool TryGetValue(IReadOnlyDictionary<string, object?> record, string key, out object? value)
    {
        if (record.TryGetValue(key, out value)) return true;
        foreach (var kv in record)
        {
            if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                value = kv.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return all.Count == 0 ? "nothing" : all.Count <= 12 ? string.Join(", ", all) : string.Join(", ", all.Take(12)) + $", … ({all.Count} in all)";
    }
}
