using NeuralPS.Cmdlets.Commands;
using NeuralPS.Cmdlets.Tests.Support;
using NeuralPS.Core;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>Save-NeuralNetwork's decision (-Force, folders) and the save/load round trip behind
/// Save-/Import-NeuralNetwork. -WhatIf/-Confirm are ShouldProcess's job: the decision runs first and
/// the cmdlet writes only when ShouldProcess agrees.</summary>
public sealed class ModelFilesTests
{
    private static Network SmallNetwork()
    {
        var n = NetworkBuilder.Create("small", new[] { 3 }, 5);
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 4, Activation = "Tanh" }));
        NetworkBuilder.AddLayer(n, LayerSpecBuilder.Build("Dense", new LayerParameters { Units = 2 }));
        return n;
    }

    [Fact]
    public void A_new_file_is_written_without_Force()
    {
        using var t = new TempFolder();
        var plan = SavePlan.Decide(t.File("m.npsm"), force: false);
        Assert.False(plan.Overwrites);
        Assert.Equal("Save neural network", plan.Action);
    }

    [Fact]
    public void An_existing_file_is_refused_without_Force_when_saving_not_when_planning()
    {
        using var t = new TempFolder();
        File.WriteAllText(t.File("m.npsm"), "old");
        var plan = SavePlan.Decide(t.File("m.npsm"), force: false);   // -WhatIf stops after this: no error
        Assert.True(plan.Overwrites);
        Assert.Equal("Overwrite neural network file", plan.Action);
        var e = Assert.Throws<FileExistsException>(() => ModelFiles.Save(SmallNetwork(), plan));
        Assert.Contains("-Force", e.Message);
        Assert.Equal(ErrorKind.ResourceExists, ErrorClassifier.Classify(e).Kind);
        Assert.Equal("old", File.ReadAllText(t.File("m.npsm")));
    }

    [Fact]
    public void A_file_that_appears_after_planning_is_still_refused_without_Force()
    {
        using var t = new TempFolder();
        var plan = SavePlan.Decide(t.File("m.npsm"), force: false);
        File.WriteAllText(t.File("m.npsm"), "old");
        Assert.Throws<FileExistsException>(() => ModelFiles.Save(SmallNetwork(), plan));
        Assert.Equal("old", File.ReadAllText(t.File("m.npsm")));
    }

    [Fact]
    public void An_existing_file_is_overwritten_with_Force()
    {
        using var t = new TempFolder();
        File.WriteAllText(t.File("m.npsm"), "old");
        var plan = SavePlan.Decide(t.File("m.npsm"), force: true);
        Assert.True(plan.Overwrites);
        Assert.Equal("Overwrite neural network file", plan.Action);
        ModelFiles.Save(SmallNetwork(), plan);
        Assert.Equal("small", ModelFiles.Load(t.File("m.npsm")).Name);
    }

    [Fact]
    public void A_folder_is_not_a_model_path_even_with_Force()
    {
        using var t = new TempFolder();
        Assert.Throws<IOException>(() => SavePlan.Decide(t.Path, force: true));
    }

    [Fact]
    public void A_missing_parent_folder_is_refused()
    {
        using var t = new TempFolder();
        Assert.Throws<DirectoryNotFoundException>(() => SavePlan.Decide(Path.Combine(t.Path, "no", "m.npsm"), force: false));
    }

    [Fact]
    public void Save_then_load_gives_bit_identical_outputs()
    {
        using var t = new TempFolder();
        var n = SmallNetwork();
        var file = ModelFiles.Save(n, SavePlan.Decide(t.File("m.npsm"), false));
        Assert.True(file.Exists);
        var back = ModelFiles.Load(file.FullName);
        Assert.Equal(n.Layers.Count, back.Layers.Count);
        var x = Tensor.FromArray(new Shape(2, 3), new float[] { 0.1f, -0.2f, 0.3f, 1, 2, 3 });
        var a = n.Forward(x, LayerContext.Inference()).ToArray();
        var b = back.Forward(x, LayerContext.Inference()).ToArray();
        Assert.Equal(a, b);
    }

    [Fact]
    public void A_corrupt_file_is_refused_with_a_model_file_error()
    {
        using var t = new TempFolder();
        ModelFiles.Save(SmallNetwork(), SavePlan.Decide(t.File("m.npsm"), false));
        var bytes = File.ReadAllBytes(t.File("m.npsm"));
        bytes[^5] ^= 0xFF;
        File.WriteAllBytes(t.File("bad.npsm"), bytes);
        var e = Assert.Throws<ModelFileException>(() => ModelFiles.Load(t.File("bad.npsm")));
        Assert.Equal(ErrorKind.InvalidData, ErrorClassifier.Classify(e).Kind);
    }

    [Fact]
    public void A_truncated_or_foreign_file_is_refused()
    {
        using var t = new TempFolder();
        ModelFiles.Save(SmallNetwork(), SavePlan.Decide(t.File("m.npsm"), false));
        var bytes = File.ReadAllBytes(t.File("m.npsm"));
        File.WriteAllBytes(t.File("short.npsm"), bytes[..(bytes.Length / 2)]);
        Assert.Throws<ModelFileException>(() => ModelFiles.Load(t.File("short.npsm")));
        File.WriteAllText(t.File("iris.csv"), "a,b\n1,2\n");
        Assert.Throws<ModelFileException>(() => ModelFiles.Load(t.File("iris.csv")));
    }

    [Fact]
    public void A_missing_file_is_not_found()
    {
        using var t = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => ModelFiles.Load(t.File("none.npsm")));
        Assert.Equal(ErrorKind.ObjectNotFound, ErrorClassifier.Classify(e).Kind);
    }

    [Fact]
    public void The_conventional_extension_is_npsm()
    {
        Assert.Equal(".npsm", ModelFiles.Extension);
    }
}
