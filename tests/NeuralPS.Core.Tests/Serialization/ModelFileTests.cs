using System.Buffers.Binary;
using System.Security.Cryptography;
using NeuralPS.Core.Backends;
using NeuralPS.Core.Data;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Serialization;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nps-modelfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>[6] → dense(8, ReLU) → block(dense 8 + norm) → norm → dense(3), with non-trivial buffers,
    /// record preprocessing (incl. a categorical column), class names and epochs.</summary>
    internal static Network BuildNetwork(ulong seed = 42)
    {
        var net = new Network("round-trip", new Shape(6), seed);
        net.Add(new TestDense(8, ActivationKind.ReLU));
        net.Add(new TestBlock(new Layer[] { new TestDense(8, ActivationKind.Tanh, "inner_dense"), new TestNorm("inner_norm") }));
        net.Add(new TestNorm());
        net.Add(new TestDense(3));
        var rng = new NeuralRandom(seed + 1);
        foreach (var layer in net.Layers)
            foreach (var (_, value) in layer.Buffers)
                for (int i = 0; i < value.Size; i++) value[i] = (float)(0.5 + rng.NextDouble());
        var columns = new[] { new FeatureColumn("a"), new FeatureColumn("b"), new FeatureColumn("c"), new FeatureColumn("color", new[] { "blue", "green", "red" }) };
        net.Preprocessor = new FeaturePreprocessor(columns, new float[] { 1, 2, 3, 0, 0, 0 }, new float[] { 0.5f, 1, 2, 1, 1, 1 }, "kind");
        net.ClassNames = new[] { "x", "y", "z" };
        net.EpochsTrained = 7;
        return net;
    }

    private static Tensor RandomInput(int batch, int width, ulong seed)
    {
        var t = new Tensor(batch, width);
        var rng = new NeuralRandom(seed);
        for (int i = 0; i < t.Size; i++) t[i] = (float)rng.NextGaussian();
        return t;
    }

    private static float[] Outputs(Network net, Tensor input) => net.Forward(input, LayerContext.Inference()).ToArray();

    /// <summary>Recomputes the header checksum, so a test can present a deliberately edited but "intact" file.</summary>
    internal static byte[] Rehash(byte[] file)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(file, 0, 20);
        sha.AppendData(file, ModelFile.HeaderSize, file.Length - ModelFile.HeaderSize);
        sha.GetHashAndReset().CopyTo(file, 20);
        return file;
    }

    [Fact]
    public void Round_trip_restores_architecture_weights_buffers_preprocessing_classes_and_bit_identical_predictions()
    {
        var net = BuildNetwork();
        string path = PathOf("model.npsm");
        ModelFile.Save(net, path);
        var loaded = TestLayers.Load(path);

        Assert.Equal(net.Name, loaded.Name);
        Assert.Equal(net.Seed, loaded.Seed);
        Assert.Equal(net.InputShape, loaded.InputShape);
        Assert.Equal(7, loaded.EpochsTrained);
        Assert.Equal(net.ClassNames, loaded.ClassNames);
        Assert.Equal(net.Layers.Select(l => (l.Name, l.Type, l.OutputShape)), loaded.Layers.Select(l => (l.Name, l.Type, l.OutputShape)));
        var block = Assert.IsType<TestBlock>(loaded.Layers[1]);
        Assert.Equal(new[] { "inner_dense", "inner_norm" }, block.Inner.Select(l => l.Name));
        for (int i = 0; i < net.Layers.Count; i++)
        {
            var a = net.Layers[i];
            var b = loaded.Layers[i];
            Assert.Equal(a.Parameters.Count, b.Parameters.Count);
            for (int p = 0; p < a.Parameters.Count; p++) Assert.Equal(a.Parameters[p].Value.ToArray(), b.Parameters[p].Value.ToArray());
            Assert.Equal(a.Buffers.Count, b.Buffers.Count);
            for (int p = 0; p < a.Buffers.Count; p++)
            {
                Assert.Equal(a.Buffers[p].Name, b.Buffers[p].Name);
                Assert.Equal(a.Buffers[p].Value.ToArray(), b.Buffers[p].Value.ToArray());
            }
        }
        Assert.NotEqual(1f, loaded.Layers[2].Buffers[1].Value[0]); // the buffers really came from the file

        var pre = loaded.Preprocessor!;
        Assert.Equal(new[] { "a", "b", "c", "color=blue", "color=green", "color=red" }, pre.FeatureNames);
        Assert.Equal(net.Preprocessor!.Mean, pre.Mean);
        Assert.Equal(net.Preprocessor.Std, pre.Std);
        Assert.Equal("kind", pre.LabelName);
        Assert.Equal(FeatureKind.Categorical, pre.Columns![3].Kind);
        Assert.Equal(new[] { "blue", "green", "red" }, pre.Columns[3].Categories);

        var input = RandomInput(17, 6, 5);
        var expected = Outputs(net, input);
        var actual = Outputs(loaded, input);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Saving_the_same_network_twice_gives_identical_bytes()
    {
        var net = BuildNetwork();
        Assert.Equal(ModelFile.Encode(net), ModelFile.Encode(net));
        Assert.Equal(ModelFile.Encode(net), ModelFile.Encode(TestLayers.Load(ModelFile.Encode(net))));
    }

    [Fact]
    public void Stream_overloads_round_trip()
    {
        var net = BuildNetwork();
        using var ms = new MemoryStream();
        ModelFile.Save(net, ms);
        Assert.Equal(ModelFile.Encode(net), ms.ToArray());
        var loaded = TestLayers.Load(ms.ToArray());
        var input = RandomInput(3, 6, 9);
        Assert.Equal(Outputs(net, input), Outputs(loaded, input));
    }

    [Fact]
    public void Network_without_preprocessing_or_classes_round_trips()
    {
        var net = new Network("plain", new Shape(4), 3);
        net.Add(new TestDense(2));
        var loaded = TestLayers.Load(ModelFile.Encode(net));
        Assert.Null(loaded.Preprocessor);
        Assert.Null(loaded.ClassNames);
        Assert.Equal(0, loaded.EpochsTrained);
        Assert.Equal(((TestDense)net.Layers[0]).Weight.Value.ToArray(), ((TestDense)loaded.Layers[0]).Weight.Value.ToArray());
    }

    [Fact]
    public void Scale_only_preprocessing_round_trips()
    {
        var net = new Network("images", new Shape(4), 3) { Preprocessor = new FeaturePreprocessor(null, 1f / 255f, null, null) };
        net.Add(new TestDense(2));
        var pre = TestLayers.Load(ModelFile.Encode(net)).Preprocessor!;
        Assert.Equal(1f / 255f, pre.Scale);
        Assert.Null(pre.FeatureNames);
        Assert.Null(pre.Mean);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(30)]
    [InlineData(51)]
    [InlineData(60)]
    [InlineData(-1)]
    public void Truncated_file_is_refused(int keep)
    {
        byte[] file = ModelFile.Encode(BuildNetwork());
        int length = keep < 0 ? file.Length + keep : keep;
        string path = PathOf("truncated.npsm");
        File.WriteAllBytes(path, file[..length]);
        var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(path));
        Assert.Contains("truncated.npsm", e.Message);
        Assert.Matches(length == 0 ? "empty" : "truncated", e.Message);
    }

    [Fact]
    public void A_flipped_byte_anywhere_in_the_payload_fails_the_checksum()
    {
        byte[] good = ModelFile.Encode(BuildNetwork());
        var rng = new NeuralRandom(11);
        for (int trial = 0; trial < 40; trial++)
        {
            byte[] bad = (byte[])good.Clone();
            int at = ModelFile.HeaderSize + rng.NextInt(bad.Length - ModelFile.HeaderSize);
            bad[at] ^= (byte)(1 << rng.NextInt(8));
            var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(bad));
            Assert.Contains("checksum", e.Message);
        }
    }

    [Fact]
    public void A_flipped_byte_in_the_stored_checksum_or_length_is_refused()
    {
        byte[] good = ModelFile.Encode(BuildNetwork());
        foreach (int at in new[] { 12, 13, 19, 20, 40, 51 })
        {
            byte[] bad = (byte[])good.Clone();
            bad[at] ^= 0x01;
            Assert.Throws<ModelFileException>(() => TestLayers.Load(bad));
        }
    }

    [Theory]
    [InlineData("iris")]
    [InlineData("idx")]
    [InlineData("text")]
    [InlineData("magic")]
    public void Foreign_file_or_wrong_magic_is_refused(string kind)
    {
        byte[] bytes = kind switch
        {
            "iris" => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "iris", "iris.csv")),
            "idx" => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist", "t10k-labels-idx1-ubyte.gz")),
            "text" => "hello"u8.ToArray(),
            _ => WithMagic(ModelFile.Encode(BuildNetwork()), "NPSMODEX"),
        };
        var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(bytes, "foreign.bin"));
        Assert.Contains("not a NeuralPS model file", e.Message);
        Assert.Contains("foreign.bin", e.Message);
    }

    private static byte[] WithMagic(byte[] file, string magic)
    {
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(file, 0);
        return file;
    }

    [Fact]
    public void Empty_file_is_refused()
    {
        string path = PathOf("empty.npsm");
        File.WriteAllBytes(path, Array.Empty<byte>());
        var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(path));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Newer_format_version_is_refused_with_a_clear_message()
    {
        byte[] file = ModelFile.Encode(BuildNetwork());
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), ModelFile.FormatVersion + 1);
        Rehash(file);
        var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(file));
        Assert.Contains("newer NeuralPS", e.Message);
        Assert.Contains($"version {ModelFile.FormatVersion + 1}", e.Message);
    }

    [Fact]
    public void Trailing_bytes_after_the_payload_are_refused()
    {
        byte[] file = ModelFile.Encode(BuildNetwork());
        var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(file.Concat(new byte[] { 0, 1, 2 }).ToArray()));
        Assert.Contains("3 unexpected bytes", e.Message);
    }

    [Fact]
    public void Unknown_optional_sections_are_skipped_and_returned()
    {
        var net = BuildNetwork();
        var note = new ModelSection("NOTE", required: false, new byte[] { 1, 2, 3 });
        var contents = TestLayers.Read(ModelFile.Encode(net, new[] { note }));
        var found = Assert.Single(contents.OtherSections);
        Assert.Equal("NOTE", found.Tag);
        Assert.Equal(new byte[] { 1, 2, 3 }, found.Data);
        Assert.Equal(net.Layers.Count, contents.Network.Layers.Count);
    }

    [Fact]
    public void Unknown_required_section_is_refused_unless_the_caller_understands_it()
    {
        var w = new ModelBinaryWriter();
        w.WriteInt32(12);
        w.WriteUInt64s(new ulong[] { 1, 2, 3 });
        var optimizerState = new ModelSection("OPTM", required: true, w.ToArray());
        byte[] file = ModelFile.Encode(BuildNetwork(), new[] { optimizerState });

        var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(file));
        Assert.Contains("'OPTM'", e.Message);
        Assert.Contains("newer NeuralPS", e.Message);

        var contents = TestLayers.Read(file, new[] { "OPTM" });
        var r = contents.FindSection("OPTM")!.OpenReader();
        Assert.Equal(12, r.ReadInt32());
        Assert.Equal(new ulong[] { 1, 2, 3 }, r.ReadUInt64s());
        r.ExpectEnd();
    }

    [Fact]
    public void Extra_section_may_not_reuse_a_model_tag()
    {
        Assert.Throws<ArgumentException>(() => ModelFile.Encode(BuildNetwork(), new[] { new ModelSection("WGHT", true, Array.Empty<byte>()) }));
    }

    [Fact]
    public void Weights_that_do_not_fit_the_architecture_are_refused_naming_the_layer()
    {
        // An intact (re-hashed) file whose weights come from a different network: caught when shapes are compared.
        var small = new Network("n", new Shape(6), 1);
        small.Add(new TestDense(8));
        var big = new Network("n", new Shape(6), 1);
        big.Add(new TestDense(9));
        byte[] file = SpliceSection(ModelFile.Encode(small), ModelFile.Encode(big), ModelFile.WeightsTag);
        var e = Assert.Throws<ModelFileException>(() => TestLayers.Load(file));
        Assert.Contains("testdense_1", e.Message);
        Assert.Contains("(9, 6)", e.Message);
        Assert.Contains("(8, 6)", e.Message);
    }

    [Fact]
    public void Unknown_layer_type_is_refused_by_the_registry_with_the_layer_named()
    {
        string path = PathOf("custom.npsm");
        ModelFile.Save(BuildNetwork(), path);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path));
        Assert.Contains("layer 1", e.Message);
        Assert.Contains("TestDense", e.Message);
    }

    [Fact]
    public void Random_damage_with_a_valid_checksum_never_escapes_as_anything_but_ModelFileException()
    {
        // A hostile file can carry a correct checksum: every length and value inside must still be checked.
        byte[] good = ModelFile.Encode(BuildNetwork());
        var rng = new NeuralRandom(2024);
        int refused = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bad = (byte[])good.Clone();
            int flips = 1 + rng.NextInt(3);
            for (int f = 0; f < flips; f++)
            {
                int at = ModelFile.HeaderSize + rng.NextInt(bad.Length - ModelFile.HeaderSize);
                bad[at] = (byte)rng.NextInt(256);
            }
            Rehash(bad);
            try
            {
                TestLayers.Load(bad);
            }
            catch (ModelFileException)
            {
                refused++;
            }
        }
        Assert.True(refused > 0);
    }

    [Fact]
    public void Failed_save_leaves_the_previous_file_intact_and_no_temporary_file()
    {
        string path = PathOf("model.npsm");
        var first = BuildNetwork(1);
        ModelFile.Save(first, path);
        byte[] before = File.ReadAllBytes(path);

        var second = BuildNetwork(2);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Save(second, path, null, s => new FailingStream(s, failAfter: 100)));
        Assert.Contains("unchanged", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.npsm" }, Directory.GetFiles(_dir).Select(Path.GetFileName));

        ModelFile.Save(second, path); // and a later save replaces it
        Assert.Equal(ModelFile.Encode(second), File.ReadAllBytes(path));
    }

    [Fact]
    public void Saving_into_a_missing_folder_is_a_clear_error()
    {
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Save(BuildNetwork(), Path.Combine(_dir, "no-such-folder", "m.npsm")));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Loading_a_missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(PathOf("missing.npsm")));
        Assert.Contains("does not exist", e.Message);
    }

    /// <summary>Replaces section <paramref name="tag"/> of <paramref name="target"/> with the one in <paramref name="donor"/> and re-hashes.</summary>
    private static byte[] SpliceSection(byte[] target, byte[] donor, string tag)
    {
        var sections = Sections(target);
        var donorSections = Sections(donor);
        var output = new List<byte>(target[..ModelFile.HeaderSize]);
        foreach (var (t, raw) in sections) output.AddRange(t == tag ? donorSections.First(d => d.Tag == tag).Raw : raw);
        byte[] file = output.ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(12), (ulong)(file.Length - ModelFile.HeaderSize));
        return Rehash(file);
    }

    private static List<(string Tag, byte[] Raw)> Sections(byte[] file)
    {
        var list = new List<(string, byte[])>();
        int at = ModelFile.HeaderSize;
        while (at < file.Length)
        {
            string tag = System.Text.Encoding.ASCII.GetString(file, at, 4);
            int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(at + 8));
            list.Add((tag, file[at..(at + 16 + length)]));
            at += 16 + length;
        }
        return list;
    }

    private sealed class FailingStream : Stream
    {
        private readonly Stream _inner;
        private long _left;

        public FailingStream(Stream inner, long failAfter)
        {
            _inner = inner;
            _left = failAfter;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length > _left)
            {
                _inner.Write(buffer[..(int)_left]);
                _left = 0;
                throw new IOException("Simulated disk failure.");
            }
            _inner.Write(buffer);
            _left -= buffer.Length;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
