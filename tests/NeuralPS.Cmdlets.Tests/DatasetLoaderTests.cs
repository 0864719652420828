using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Data;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Import-NeuralDataset / Get-NeuralDataset behind the cmdlets, on the shipped real samples.</summary>
public sealed class DatasetLoaderTests
{
    private static string Images => Repo.Data("fashion-mnist", "t10k-images-idx3-ubyte.gz");
    private static string Labels => Repo.Data("fashion-mnist", "t10k-labels-idx1-ubyte.gz");

    [Theory]
    [InlineData("iris.csv", "Csv")]
    [InlineData("DATA.TSV", "Csv")]
    [InlineData("train-images-idx3-ubyte.gz", "Idx")]
    [InlineData("t10k-labels-idx1-ubyte", "Idx")]
    [InlineData("x.idx", "Idx")]
    public void The_format_is_detected_from_the_file_name(string file, string expected)
    {
        Assert.Equal(expected, DatasetLoader.DetectFormat(Path.Combine("/data", file)).ToString());
    }

    [Fact]
    public void An_unknown_extension_asks_for_Format()
    {
        var e = Assert.Throws<InvalidConfigurationException>(() => DatasetLoader.DetectFormat("/data/model.bin"));
        Assert.Contains("-Format", e.Message);
        Assert.Throws<InvalidConfigurationException>(() => DatasetLoader.DetectFormat("/data/rows.csv.gz"));
    }

    [Fact]
    public void Class_names_are_a_list_or_a_known_set()
    {
        Assert.Null(DatasetLoader.ResolveClassNames(null));
        Assert.Equal("Ankle boot", DatasetLoader.ResolveClassNames(new[] { "FashionMNIST" })![9]);
        Assert.Equal(new[] { "no", "yes" }, DatasetLoader.ResolveClassNames(new[] { "no", "yes" }));
        Assert.Throws<InvalidConfigurationException>(() => DatasetLoader.ResolveClassNames(new[] { "justone" }));
    }

    [Fact]
    public void Idx_images_come_as_one_channel_scaled_to_0_1_with_labels()
    {
        var ds = DatasetLoader.ReadIdx(Images, Labels, flatten: false, scale: 1f / 255f, new[] { "FashionMNIST" }, limit: null, name: null);
        Assert.Equal(new Shape(1, 28, 28), ds.SampleShape);
        Assert.True(ds.Count > 0);
        Assert.Equal(ds.Count, ds.ClassLabels!.Length);
        Assert.Equal(10, ds.ClassNames!.Count);
        Assert.InRange(ds.Features.Span.ToArray().Max(), 0.5f, 1f);
        Assert.True(ds.Features.Span.ToArray().Min() >= 0f);
    }

    [Fact]
    public void Flatten_and_Limit_apply()
    {
        var ds = DatasetLoader.ReadIdx(Images, Labels, flatten: true, scale: 1f, null, limit: 7, name: "fm");
        Assert.Equal(new Shape(784), ds.SampleShape);
        Assert.Equal(7, ds.Count);
        Assert.Equal("fm", ds.Name);
        Assert.True(ds.Features.Span.ToArray().Max() > 1f);
    }

    [Fact]
    public void A_CSV_row_that_cannot_be_read_is_reported_with_its_line_and_skipped()
    {
        using var t = new TempFolder();
        File.WriteAllText(t.File("rows.csv"), "a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n");
        var errors = new List<RecordError>();
        var ds = DatasetLoader.ReadCsv(t.File("rows.csv"), "label", null, LearningTask.Auto, null, ',', errors.Add);
        Assert.Equal(3, ds.Count);
        var e = Assert.Single(errors);
        Assert.Equal("b", e.Column);
        Assert.Contains("line 3", e.Message);
        Assert.Equal(new[] { "x", "y" }, ds.ClassNames);
    }

    [Fact]
    public void The_built_in_Iris_is_150_labelled_flowers()
    {
        var ds = DatasetLoader.Builtin("iris");
        Assert.Equal(150, ds.Count);
        Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, ds.ClassNames);
        var rows = DatasetLoader.BuiltinRecords("Iris");
        Assert.Equal(150, rows.Count);
        Assert.Equal(new[] { "SepalLength", "SepalWidth", "PetalLength", "PetalWidth", "Species" }, rows[0].Keys);
        Assert.Contains(DatasetLoader.BuiltinList, i => i.Name == "Iris");
    }
}
