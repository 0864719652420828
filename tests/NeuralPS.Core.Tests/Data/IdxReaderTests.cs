using System.Buffers.Binary;
using System.IO.Compression;
using NeuralPS.Core.Data;
using Xunit;

namespace NeuralPS.Core.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nps-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Idx(IdxDataType type, int[] dims, byte[] body)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = (byte)type;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header.Concat(body).ToArray();
    }

    [Fact]
    public void Shipped_gzip_sample_has_the_expected_shape_and_first_labels()
    {
        var images = IdxReader.Read(TestData.FashionTrainImages);
        Assert.Equal(IdxDataType.UnsignedByte, images.DataType);
        Assert.Equal(new[] { 1000, 28, 28 }, images.Dimensions);
        var labels = IdxReader.Read(TestData.FashionTrainLabels).ToInt32Array();
        Assert.Equal(1000, labels.Length);
        // The first training labels of Fashion-MNIST: 9 (Ankle boot), 0, 0, 3, 0, 2, 7, 2, 5, 5.
        Assert.Equal(new[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, labels[..10]);
        Assert.All(labels, l => Assert.InRange(l, 0, 9));
    }

    [Fact]
    public void ReadDataset_gives_channels_first_images_scaled_to_unit_range_with_names()
    {
        var ds = IdxReader.ReadDataset(TestData.FashionTestImages, TestData.FashionTestLabels, new IdxReadOptions { ClassNames = KnownClassNames.FashionMnist });
        Assert.Equal(new[] { 500, 1, 28, 28 }, ds.Features.Shape.ToArray());
        Assert.Equal(500, ds.Count);
        Assert.Equal(10, ds.ClassCount);
        Assert.Equal("Ankle boot", ds.ClassNames![ds.ClassLabels![0]]);
        Assert.Equal("t10k-images-idx3-ubyte", ds.Name);
        float min = ds.Features.Span.ToArray().Min(), max = ds.Features.Span.ToArray().Max();
        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
        Assert.Equal(1f / 255f, ds.Preprocessor!.Scale);
        Assert.Null(ds.Preprocessor.Mean);
    }

    [Fact]
    public void Flatten_and_limit_give_flat_vectors_of_the_first_items()
    {
        var ds = IdxReader.ReadDataset(TestData.FashionTrainImages, TestData.FashionTrainLabels, new IdxReadOptions { Flatten = true, Limit = 10, Scale = 1f });
        Assert.Equal(new[] { 10, 784 }, ds.Features.Shape.ToArray());
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, ds.ClassNames);
        byte[] raw = Gunzip(TestData.FashionTrainImages);
        for (int i = 0; i < 10 * 784; i++) Assert.Equal(raw[16 + i], ds.Features[i]);
    }

    [Fact]
    public void Plain_and_gzip_files_read_the_same()
    {
        string plainImages = Write("images-idx3-ubyte", Gunzip(TestData.FashionTestImages));
        string plainLabels = Write("labels.idx1", Gunzip(TestData.FashionTestLabels));
        var gz = IdxReader.ReadDataset(TestData.FashionTestImages, TestData.FashionTestLabels);
        var plain = IdxReader.ReadDataset(plainImages, plainLabels);
        Assert.Equal(gz.Features.ToArray(), plain.Features.ToArray());
        Assert.Equal(gz.ClassLabels, plain.ClassLabels);
    }

    [Fact]
    public void Gzip_is_detected_by_content_not_by_name()
    {
        string path = Write("images.idx", File.ReadAllBytes(TestData.FashionTestLabels));
        Assert.Equal(500, IdxReader.Read(path).Count);
    }

    [Fact]
    public void Every_element_type_is_read_big_endian()
    {
        var cases = new (IdxDataType Type, byte[] Body, float[] Expected)[]
        {
            (IdxDataType.UnsignedByte, new byte[] { 0, 200 }, new[] { 0f, 200f }),
            (IdxDataType.SignedByte, new byte[] { 0xFF, 5 }, new[] { -1f, 5f }),
            (IdxDataType.Int16, new byte[] { 0x01, 0x00, 0xFF, 0xFE }, new[] { 256f, -2f }),
            (IdxDataType.Int32, new byte[] { 0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFD }, new[] { 65536f, -3f }),
            (IdxDataType.Single, BE(1.5f).Concat(BE(-2.25f)).ToArray(), new[] { 1.5f, -2.25f }),
            (IdxDataType.Double, BE(0.5).Concat(BE(-8.0)).ToArray(), new[] { 0.5f, -8f }),
        };
        foreach (var (type, body, expected) in cases)
        {
            var a = IdxReader.Read(new MemoryStream(Idx(type, new[] { 2 }, body)), type.ToString());
            Assert.Equal(type, a.DataType);
            Assert.Equal(expected, a.ToSingleArray());
        }
    }

    private static byte[] BE(float v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteSingleBigEndian(b, v);
        return b;
    }

    private static byte[] BE(double v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, v);
        return b;
    }

    [Fact]
    public void Rank_three_items_keep_their_shape()
    {
        var bytes = Idx(IdxDataType.UnsignedByte, new[] { 2, 3, 2, 2 }, Enumerable.Range(0, 24).Select(i => (byte)i).ToArray());
        var ds = IdxReader.ToDataset(IdxReader.Read(new MemoryStream(bytes), "rgb"), null, new IdxReadOptions { Scale = 1f });
        Assert.Equal(new[] { 2, 3, 2, 2 }, ds.Features.Shape.ToArray());
        Assert.False(ds.HasLabels);
        Assert.Equal(23f, ds.Features[23]);
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x01, 0x08, 0x01, 0, 0, 0, 1, 7 }, "two zero bytes")]
    [InlineData(new byte[] { 0x00, 0x00, 0x07, 0x01, 0, 0, 0, 1, 7 }, "unknown element type code 0x07")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x00 }, "declares 0 dimensions")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x03, 0, 0, 0, 1 }, "header declares 3 dimensions")]
    [InlineData(new byte[] { 0x00, 0x00 }, "inside the 4-byte idx header")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x01, 0, 0, 0, 3, 1, 2 }, "truncated")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x01, 0, 0, 0, 1, 1, 2 }, "data after the 1 items")]
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x01, 0x80, 0, 0, 0 }, "larger than")]
    public void Malformed_files_are_refused_naming_the_file_and_the_fault(byte[] bytes, string expected)
    {
        string path = Write("bad-idx1-ubyte", bytes);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        Assert.Contains("bad-idx1-ubyte", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Empty_file_is_refused()
    {
        string path = Write("empty.gz", Array.Empty<byte>());
        Assert.Contains("empty", Assert.Throws<DataFormatException>(() => IdxReader.Read(path)).Message);
    }

    [Fact]
    public void Truncated_gzip_sample_is_refused_as_truncated()
    {
        byte[] gz = File.ReadAllBytes(TestData.FashionTestImages);
        string path = Write("cut-images.gz", gz[..(gz.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        Assert.Contains("cut-images.gz", e.Message);
        Assert.Matches("truncated|gzip", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_stream_is_refused()
    {
        byte[] gz = File.ReadAllBytes(TestData.FashionTestLabels);
        for (int i = 20; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        string path = Write("corrupt.gz", gz);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        Assert.Contains("corrupt.gz", e.Message);
    }

    [Fact]
    public void Labels_and_images_of_different_counts_are_refused()
    {
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadDataset(TestData.FashionTrainImages, TestData.FashionTestLabels));
        Assert.Contains("500 labels", e.Message);
        Assert.Contains("1000 items", e.Message);
    }

    [Fact]
    public void Too_few_class_names_are_refused()
    {
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadDataset(TestData.FashionTestImages, TestData.FashionTestLabels,
            new IdxReadOptions { ClassNames = new[] { "a", "b" } }));
        Assert.Contains("only 2 class names", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_data_format_error_naming_it()
    {
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(Path.Combine(_dir, "nope.gz")));
        Assert.Contains("nope.gz", e.Message);
    }

    [Fact]
    public void Known_class_names_resolve_case_insensitively()
    {
        Assert.Equal("Ankle boot", KnownClassNames.Get("fashion-mnist")[9]);
        Assert.Same(KnownClassNames.Digits, KnownClassNames.Get("MNIST"));
        Assert.Throws<InvalidConfigurationException>(() => KnownClassNames.Get("cifar"));
    }
}
