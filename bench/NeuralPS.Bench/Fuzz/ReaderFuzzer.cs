using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using PaddingMode = NeuralPS.Core.Backends.PaddingMode;
using System.Text;
using NeuralPS.Core;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Metrics;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Bench.Fuzz;

/// <summary>What is fuzzed: the model-file reader, the idx reader, the CSV/record reader.</summary>
public enum FuzzTarget
{
    Model,
    Idx,
    Csv,
    Onnx,
}

/// <summary>One finding: what went wrong and the input that did it.</summary>
public sealed record FuzzFinding(FuzzTarget Target, string Kind, string Message, byte[] Input);

/// <summary>Totals of one fuzz run over one target.</summary>
public sealed class FuzzReport
{
    public FuzzTarget Target { get; init; }
    public long Inputs { get; set; }
    public long Accepted { get; set; }
    public long Refused { get; set; }
    public int Crashes { get; set; }
    public int Hangs { get; set; }
    public int OverBudget { get; set; }
    public double MaxRatio { get; set; }

    /// <summary>The largest allocated/input ratio among inputs of at least 1 KiB (small inputs' ratios are
    /// dominated by fixed costs: tables, exception messages).</summary>
    public double MaxRatioLarge { get; set; }
    public long MaxAllocated { get; set; }
    public int MaxInput { get; set; }
    public double SlowestSeconds { get; set; }
    public List<FuzzFinding> Findings { get; } = new();

    public override string ToString() =>
        $"{Target}: {Inputs:N0} inputs ({Accepted:N0} accepted, {Refused:N0} refused), {Crashes} crashes, {Hangs} hangs, " +
        $"{OverBudget} over the allocation bound; max allocation {MaxAllocated:N0} bytes, max ratio {MaxRatio:F1}x input ({MaxRatioLarge:F1}x for inputs of 1 KiB or more), slowest {SlowestSeconds * 1000:F0} ms";
}

/// <summary>A seeded mutation fuzzer over the engine's readers (no SharpFuzz instrumentation: byte-level
/// mutations of valid seed files, with the model file's checksum recomputed for most inputs so that the
/// damage reaches the section parsers instead of stopping at the checksum).
///
/// Each input is judged by three rules:
/// 1. Crash: the reader throws anything but its documented exception (ModelFileException for model files,
///    DataFormatException for idx and CSV; InvalidConfigurationException is accepted from the record
///    converter's options only). A model that loads must also predict one zero sample without an exception
///    (when its layers are small enough to run at all).
/// 2. Hang: one input takes longer than <see cref="HangSeconds"/>.
/// 3. Allocation: bytes allocated on the reading thread (GC.GetAllocatedBytesForCurrentThread) must stay
///    within <see cref="AllocationFactor"/> × the input's size + <see cref="AllocationSlack"/>.
///    The bound is stated per target: loading a model allocates the file, its sections, the weights and
///    their gradients (≈ 4× the weights); CSV keeps strings (UTF-16, 2 bytes per char), one object per
///    cell and per record, which costs tens of bytes for a two-byte cell.</summary>
public sealed class ReaderFuzzer
{
    public const double HangSeconds = 10;
    public const long AllocationSlack = 1 << 20;

    private readonly NeuralRandom _random;
    private readonly List<byte[]> _seeds;

    public ReaderFuzzer(FuzzTarget target, ulong seed, string? dataFolder = null)
    {
        Target = target;
        _random = new NeuralRandom(seed);
        _seeds = target switch
        {
            FuzzTarget.Model => ModelSeeds(),
            FuzzTarget.Onnx => OnnxSeeds(),
            FuzzTarget.Idx => IdxSeeds(dataFolder),
            _ => CsvSeeds(dataFolder),
        };
    }

    public FuzzTarget Target { get; }

    /// <summary>Allowed bytes allocated per input byte (see the class summary).</summary>
    public double AllocationFactor => Target switch
    {
        FuzzTarget.Model => 16,
        FuzzTarget.Onnx => 16,
        FuzzTarget.Idx => 16,
        _ => 128,
    };

    public IReadOnlyList<byte[]> Seeds => _seeds;

    /// <summary>The input being read and when it started (for a watchdog on another thread: an input that
    /// never returns cannot be judged by the thread that reads it).</summary>
    public sealed record InFlight(byte[] Input, long StartTimestamp);

    private InFlight? _current;

    public InFlight? Current => Volatile.Read(ref _current);

    /// <summary>Runs <paramref name="inputs"/> mutated inputs (or until <paramref name="deadline"/>), calling
    /// <paramref name="onFinding"/> for each crash, hang or allocation over the bound.</summary>
    public FuzzReport Run(long inputs, TimeSpan? deadline = null, Action<FuzzFinding>? onFinding = null)
    {
        var report = new FuzzReport { Target = Target };
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < inputs && (deadline is null || clock.Elapsed < deadline); i++)
        {
            byte[] input = i < _seeds.Count ? _seeds[(int)i] : Mutate();
            RunOne(input, report, onFinding);
        }
        return report;
    }

    /// <summary>Judges one input (also used to replay a saved finding).</summary>
    public void RunOne(byte[] input, FuzzReport report, Action<FuzzFinding>? onFinding = null)
    {
        report.Inputs++;
        Volatile.Write(ref _current, new InFlight(input, Stopwatch.GetTimestamp()));
        var clock = Stopwatch.StartNew();
        _readStart = GC.GetAllocatedBytesForCurrentThread();
        _readEnd = -1;
        string? crash = null;
        bool accepted = false;
        try
        {
            accepted = Target switch
            {
                FuzzTarget.Model => ReadModel(input),
                FuzzTarget.Onnx => ReadOnnx(input),
                FuzzTarget.Idx => ReadIdx(input),
                _ => ReadCsv(input),
            };
        }
        catch (Exception e) when (IsDocumented(e))
        {
        }
        catch (Exception e)
        {
            crash = $"{e.GetType().FullName}: {e.Message}\n{e.StackTrace}";
        }
        // Reading only: a loaded model's test prediction allocates for its activations, which the input shape
        // decides, not the file's size (that is prediction's business, bounded by Shape.MaxElements).
        long allocated = (_readEnd >= 0 ? _readEnd : GC.GetAllocatedBytesForCurrentThread()) - _readStart;
        double seconds = clock.Elapsed.TotalSeconds;
        if (accepted) report.Accepted++;
        else if (crash is null) report.Refused++;
        report.SlowestSeconds = Math.Max(report.SlowestSeconds, seconds);
        report.MaxAllocated = Math.Max(report.MaxAllocated, allocated);
        report.MaxInput = Math.Max(report.MaxInput, input.Length);
        double ratio = (double)allocated / Math.Max(1, input.Length);
        if (ratio > report.MaxRatio) report.MaxRatio = ratio;
        if (input.Length >= 1024 && ratio > report.MaxRatioLarge) report.MaxRatioLarge = ratio;

        void Found(string kind, string message)
        {
            var f = new FuzzFinding(Target, kind, message, input);
            if (report.Findings.Count < 100) report.Findings.Add(f);
            onFinding?.Invoke(f);
        }
        if (crash is not null) { report.Crashes++; Found("crash", crash); }
        if (seconds > HangSeconds) { report.Hangs++; Found("hang", $"{seconds:F1} s"); }
        if (allocated > AllocationFactor * input.Length + AllocationSlack)
        {
            report.OverBudget++;
            Found("allocation", $"{allocated:N0} bytes for {input.Length:N0} input bytes (bound {AllocationFactor}x + {AllocationSlack:N0})");
        }
    }

    private bool IsDocumented(Exception e) => Target switch
    {
        FuzzTarget.Model or FuzzTarget.Onnx => e is ModelFileException,
        _ => e is DataFormatException,
    };

    // ------------------------------------------------------------------ readers under test

    [ThreadStatic] private static long _readStart, _readEnd;

    private static bool ReadModel(byte[] input) =>
        Predicts(ModelFile.Load(new MemoryStream(input, writable: false), "fuzz.npsm"));

    private static bool ReadOnnx(byte[] input) => Predicts(NeuralPS.Core.Onnx.OnnxReader.Load(input, "fuzz.onnx"));

    private static bool Predicts(Network network)
    {
        _readEnd = GC.GetAllocatedBytesForCurrentThread();
        // A file that loads must predict (issue 8, defect 4) — when running it is affordable at all.
        long largest = network.InputShape.Size;
        foreach (var l in network.Layers) largest = Math.Max(largest, l.OutputShape.Size);
        if (largest <= 1 << 16)
        {
            var predictor = new Predictor(network);
            predictor.PredictRaw(new[] { new float[network.InputShape.Size] });
        }
        return true;
    }

    private static bool ReadIdx(byte[] input)
    {
        var array = IdxReader.Read(new MemoryStream(input, writable: false), "fuzz.idx");
        var dataset = IdxReader.ToDataset(array, null, new IdxReadOptions { Scale = 1f });
        if (array.ItemSize == 1 && array.Count > 0)
        {
            // The same array as labels of a dataset with one feature per item.
            var features = IdxReader.Read(new MemoryStream(Idx(IdxDataType.UnsignedByte, new[] { array.Count, 1 }, new byte[array.Count])), "features");
            IdxReader.ToDataset(features, array);
        }
        return dataset.Count >= 0;
    }

    private static bool ReadCsv(byte[] input)
    {
        string text = new UTF8Encoding(false, false).GetString(input);
        var records = CsvReader.ReadRecords(new StringReader(text), "fuzz.csv").ToList();
        if (records.Count == 0) return false;
        string label = records[0].Keys.Last();
        var converter = new RecordConverter(new RecordConverterOptions { LabelColumn = label });
        foreach (var r in records) converter.TryAdd(r, out _, r.Location);
        if (converter.Count == 0) return false;
        var data = converter.ToDataset();
        return data.Count > 0;
    }

    // ------------------------------------------------------------------ mutation

    private static readonly int[] InterestingInts =
    {
        0, 1, -1, 2, 3, 4, 7, 8, 16, 255, 256, 1023, 1024, 4096, 65535, 65536, 1 << 20, 1 << 24, 1 << 29, (1 << 30) - 3, 1 << 30,
        int.MaxValue, int.MinValue, int.MaxValue - 1, 4_000_000, -2,
    };

    private byte[] Mutate()
    {
        var seed = _seeds[_random.NextInt(_seeds.Count)];
        var data = new List<byte>(seed);
        int rounds = 1 + _random.NextInt(4);
        for (int r = 0; r < rounds; r++) MutateOnce(data);
        var bytes = data.ToArray();
        if (Target == FuzzTarget.Model && bytes.Length >= ModelFile.HeaderSize && _random.NextDouble() < 0.9) Rehash(bytes);
        return bytes;
    }

    private void MutateOnce(List<byte> d)
    {
        int n = d.Count;
        if (n == 0) { d.Add((byte)_random.NextInt(256)); return; }
        switch (_random.NextInt(10))
        {
            case 0: // flip a bit
            {
                int at = _random.NextInt(n);
                d[at] ^= (byte)(1 << _random.NextInt(8));
                break;
            }
            case 1: // an interesting byte
            {
                byte[] values = { 0, 1, 0x7F, 0x80, 0xFF, (byte)'\n', (byte)'"', (byte)',', (byte)'-', (byte)'e' };
                d[_random.NextInt(n)] = values[_random.NextInt(values.Length)];
                break;
            }
            case 2: // an interesting int32, little- or big-endian (model files are LE, idx BE)
            case 3:
            {
                if (n < 4) goto case 0;
                int at = _random.NextInt(n - 3);
                int v = InterestingInts[_random.NextInt(InterestingInts.Length)];
                Span<byte> b = stackalloc byte[4];
                if (_random.NextInt(2) == 0) BinaryPrimitives.WriteInt32LittleEndian(b, v); else BinaryPrimitives.WriteInt32BigEndian(b, v);
                for (int i = 0; i < 4; i++) d[at + i] = b[i];
                break;
            }
            case 4: // a random byte
                d[_random.NextInt(n)] = (byte)_random.NextInt(256);
                break;
            case 5: // delete a run
            {
                int at = _random.NextInt(n);
                d.RemoveRange(at, Math.Min(n - at, 1 + _random.NextInt(16)));
                break;
            }
            case 6: // duplicate a run
            {
                int at = _random.NextInt(n);
                int len = Math.Min(n - at, 1 + _random.NextInt(64));
                d.InsertRange(_random.NextInt(n), d.GetRange(at, len));
                break;
            }
            case 7: // truncate
            {
                int keep = _random.NextInt(n);
                d.RemoveRange(keep, n - keep);
                break;
            }
            case 8: // splice in a part of another seed
            {
                var other = _seeds[_random.NextInt(_seeds.Count)];
                int at = _random.NextInt(other.Length);
                int len = Math.Min(other.Length - at, 1 + _random.NextInt(128));
                int to = _random.NextInt(n);
                int replace = Math.Min(n - to, len);
                d.RemoveRange(to, replace);
                d.InsertRange(to, other.Skip(at).Take(len));
                break;
            }
            default: // a text number (CSV) or an extreme float
            {
                string[] words = { "1e39", "-1e39", "NaN", "Infinity", "1e-50", "", "\"", "x", "0", "3.4028236e38", "99999999999999999999" };
                var w = Encoding.UTF8.GetBytes(words[_random.NextInt(words.Length)]);
                int at = _random.NextInt(n);
                if (Target == FuzzTarget.Csv) d.InsertRange(at, w);
                else
                {
                    float f = new[] { float.NaN, float.PositiveInfinity, float.MaxValue, -0f, 1e-45f }[_random.NextInt(5)];
                    if (n < 4) goto case 0;
                    at = _random.NextInt(n - 3);
                    Span<byte> b = stackalloc byte[4];
                    BinaryPrimitives.WriteSingleBigEndian(b, f);
                    for (int i = 0; i < 4; i++) d[at + i] = b[i];
                }
                break;
            }
        }
    }

    /// <summary>Recomputes a model file's payload length and checksum, so damage inside reaches the parsers.</summary>
    public static void Rehash(byte[] file)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(12), (ulong)(file.Length - ModelFile.HeaderSize));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(file, 0, 20);
        sha.AppendData(file, ModelFile.HeaderSize, file.Length - ModelFile.HeaderSize);
        sha.GetHashAndReset().CopyTo(file, 20);
    }

    // ------------------------------------------------------------------ seeds

    /// <summary>ONNX files as Export-NeuralNetwork writes them: numeric preprocessing and a label output, record
    /// columns with a one-hot encoded category, a
    /// small CNN, a residual block with a projection, recurrent layers and an embedding.</summary>
    private static List<byte[]> OnnxSeeds()
    {
        var seeds = new List<byte[]>();
        var mlp = new Network("mlp", new Shape(4), 1);
        mlp.Add(new Dense(8, ActivationKind.ReLU)).Add(new Dropout(0.25)).Add(new Dense(3, ActivationKind.Softmax));
        mlp.Preprocessor = new FeaturePreprocessor(new[] { "a", "b", "c", "d" }, 0.5f, new float[] { 1, 2, 0, 0 }, new float[] { 1, 3, 1, 1 });
        mlp.ClassNames = new[] { "x", "y", "z" };
        seeds.Add(NeuralPS.Core.Onnx.OnnxExporter.Encode(mlp));
        mlp.Preprocessor = new FeaturePreprocessor(new[] { new FeatureColumn("a"), new FeatureColumn("b"), new FeatureColumn("c", new[] { "p", "q" }) },
            new float[] { 1, 2, 0, 0 }, new float[] { 1, 3, 1, 1 }, "label");
        seeds.Add(NeuralPS.Core.Onnx.OnnxExporter.Encode(mlp)); // one-hot columns as string inputs

        var cnn = new Network("cnn", new Shape(1, 6, 6), 2);
        cnn.Add(new Conv2d(2, new[] { 3, 3 }, padding: PaddingMode.Same, activation: ActivationKind.ReLU)).Add(new MaxPool2d(2))
            .Add(new BatchNorm()).Add(new Flatten()).Add(new Dense(2, ActivationKind.Sigmoid));
        seeds.Add(NeuralPS.Core.Onnx.OnnxExporter.Encode(cnn));

        var res = new Network("res", new Shape(2, 5, 5), 3);
        res.Add(new Residual(new Layer[] { new Conv2d(3, new[] { 3, 3 }, new[] { 2, 2 }, PaddingMode.Same), new BatchNorm() }, ActivationKind.ReLU))
            .Add(new GlobalAvgPool2d()).Add(new Dense(2));
        seeds.Add(NeuralPS.Core.Onnx.OnnxExporter.Encode(res));

        var seq = new Network("seq", new Shape(4, 2), 4);
        seq.Add(new LSTM(3, returnSequences: true, bidirectional: true)).Add(new GRU(2)).Add(new Dense(1));
        seeds.Add(NeuralPS.Core.Onnx.OnnxExporter.Encode(seq));

        var tokens = new Network("tokens", new Shape(5), 5);
        tokens.Add(new Embedding(7, 3, paddingIndex: 0)).Add(new SimpleRNN(2)).Add(new Dense(1));
        seeds.Add(NeuralPS.Core.Onnx.OnnxExporter.Encode(tokens));
        return seeds;
    }

    private static List<byte[]> ModelSeeds()
    {
        var seeds = new List<byte[]>();

        var mlp = new Network("mlp", new Shape(4), 1);
        mlp.Add(new Dense(8, ActivationKind.ReLU)).Add(new Dropout(0.25)).Add(new Dense(3, ActivationKind.Softmax));
        mlp.Preprocessor = new FeaturePreprocessor(new[] { new FeatureColumn("a"), new FeatureColumn("b"), new FeatureColumn("c", new[] { "p", "q" }) },
            new float[] { 1, 2, 0, 0 }, new float[] { 1, 3, 1, 1 }, "label");
        mlp.ClassNames = new[] { "x", "y", "z" };
        seeds.Add(ModelFile.Encode(mlp));

        var cnn = new Network("cnn", new Shape(1, 8, 8), 2);
        cnn.Add(new Conv2d(3, 3, padding: PaddingMode.Same, activation: ActivationKind.ReLU)).Add(new BatchNorm()).Add(new MaxPool2d(2))
           .Add(new Conv2d(4, new[] { 3 }, new[] { 2 }, paddingSize: new[] { 1 })).Add(new AvgPool2d(2)).Add(new Flatten()).Add(new Dense(2));
        cnn.Preprocessor = new FeaturePreprocessor(null, 1f / 255, null, null);
        seeds.Add(ModelFile.Encode(cnn));

        var res = new Network("res", new Shape(2, 6, 6), 3);
        res.Add(new Residual(new Layer[] { new Conv2d(4, 3, padding: PaddingMode.Same, activation: ActivationKind.ReLU), new Conv2d(4, 3, stride: 2, padding: PaddingMode.Same) }, ActivationKind.ReLU))
           .Add(new GlobalAvgPool2d()).Add(new Dense(1));
        seeds.Add(ModelFile.Encode(res));

        var feat = new Network("feat", new Shape(5), 4);
        feat.Add(new Residual(new Layer[] { new Dense(7, ActivationKind.Tanh), new Dense(6) })).Add(new Activation(ActivationKind.Sigmoid));
        feat.Preprocessor = new FeaturePreprocessor(new[] { "f1", "f2", "f3", "f4", "f5" }, 1f, null, null);
        seeds.Add(ModelFile.Encode(feat));

        // One larger file (≈ 18 KB, mostly weights), so the allocation ratio of inputs dominated by their
        // weights, not by fixed costs, is measured too.
        var wide = new Network("wide", new Shape(128), 5);
        wide.Add(new Dense(32, ActivationKind.ReLU)).Add(new Dense(10));
        seeds.Add(ModelFile.Encode(wide));
        return seeds;
    }

    internal static byte[] Idx(IdxDataType type, int[] dims, byte[] body)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = (byte)type;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), (uint)dims[i]);
        return header.Concat(body).ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    private static List<byte[]> IdxSeeds(string? dataFolder)
    {
        var rng = new NeuralRandom(7);
        byte[] Random(int n) { var b = new byte[n]; for (int i = 0; i < n; i++) b[i] = (byte)rng.NextInt(256); return b; }
        byte[] Floats(int n, bool dbl)
        {
            var b = new byte[n * (dbl ? 8 : 4)];
            for (int i = 0; i < n; i++)
            {
                if (dbl) BinaryPrimitives.WriteDoubleBigEndian(b.AsSpan(8 * i), rng.NextGaussian());
                else BinaryPrimitives.WriteSingleBigEndian(b.AsSpan(4 * i), (float)rng.NextGaussian());
            }
            return b;
        }
        var labels = new byte[10];
        for (int i = 0; i < 10; i++) labels[i] = (byte)(i % 4);
        var seeds = new List<byte[]>
        {
            Idx(IdxDataType.UnsignedByte, new[] { 6, 4, 4 }, Random(96)),
            Idx(IdxDataType.UnsignedByte, new[] { 10 }, labels),
            Idx(IdxDataType.Int32, new[] { 5 }, new byte[] { 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1 }),
            Idx(IdxDataType.Single, new[] { 4, 3 }, Floats(12, false)),
            Idx(IdxDataType.Double, new[] { 3, 2, 2 }, Floats(12, true)),
            Idx(IdxDataType.Int16, new[] { 4, 2 }, Random(16)),
            Idx(IdxDataType.SignedByte, new[] { 2, 2, 2, 2 }, Random(16)),
            Idx(IdxDataType.UnsignedByte, new[] { 20, 16, 16 }, Random(5120)), // larger: ratios not dominated by fixed costs
        };
        foreach (var s in seeds.ToArray()) seeds.Add(Gzip(s));
        string? labelsFile = dataFolder is null ? null : Path.Combine(dataFolder, "fashion-mnist", "t10k-labels-idx1-ubyte.gz");
        if (labelsFile is not null && File.Exists(labelsFile)) seeds.Add(File.ReadAllBytes(labelsFile));
        return seeds;
    }

    private static List<byte[]> CsvSeeds(string? dataFolder)
    {
        var seeds = new List<string>
        {
            "a,b,label\n1,2,x\n3,4,y\n5,6,x\n",
            "x1,x2,color,y\n0.5,1e3,red,1.5\n-2,3.25,blue,2.5\n7,8,red,-1\n",
            "\"name, quoted\",v,k\n\"a \"\"b\"\"\",1,2\n\"multi\nline\",2,3\nc,3,2\n",
            "p,q,r\r\n1,2,a\r\n3,4,b\r\n",
        };
        string? iris = dataFolder is null ? null : Path.Combine(dataFolder, "iris", "iris.csv");
        if (iris is not null && File.Exists(iris)) seeds.Add(File.ReadAllText(iris)[..1200]);
        return seeds.Select(Encoding.UTF8.GetBytes).ToList();
    }
}
