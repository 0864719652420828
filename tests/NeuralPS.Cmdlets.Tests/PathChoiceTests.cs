using NeuralPS.Cmdlets.Commands;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

public sealed class PathChoiceTests
{
    [Fact]
    public void One_match_is_the_file()
    {
        Assert.Equal("/d/a.gz", PathChoice.Single(new[] { "/d/a.gz" }, "/d/*.gz", "LabelPath"));
    }

    [Fact]
    public void Several_matches_are_refused_naming_the_parameter_and_the_files()
    {
        var e = Assert.Throws<ArgumentException>(() => PathChoice.Single(new[] { "/d/t10k-labels.gz", "/d/train-labels.gz" }, "/d/*labels*", "LabelPath"));
        Assert.Contains("-LabelPath", e.Message);
        Assert.Contains("2 files", e.Message);
        Assert.Contains("/d/train-labels.gz", e.Message);
    }

    [Fact]
    public void No_match_is_a_missing_file()
    {
        var e = Assert.Throws<FileNotFoundException>(() => PathChoice.Single(Array.Empty<string>(), "/d/none*", "Path"));
        Assert.Contains("-Path", e.Message);
        Assert.Equal((ErrorKind.ObjectNotFound, "FileNotFound"), ErrorClassifier.Classify(e));
    }

    [Fact]
    public void Save_NeuralNetwork_Path_supports_wildcards_and_LiteralPath_does_not()
    {
        var save = Support.CmdletInfo.Get("Save-NeuralNetwork");
        Assert.Contains(save.Parameter("Path").Property.GetCustomAttributesData(), a => a.AttributeType.Name == "SupportsWildcardsAttribute");
        Assert.DoesNotContain(save.Parameter("LiteralPath").Property.GetCustomAttributesData(), a => a.AttributeType.Name == "SupportsWildcardsAttribute");
    }
}
