using NeuralPS.Core.Layers;
using NeuralPS.Core.Serialization;
using NeuralPS.Core.Tensors;
using Xunit;

namespace NeuralPS.Core.Tests.Robustness;

/// <summary>Issue 8, defect 8: temporaries of killed saves are swept by the next save of the same target;
/// no error path leaves one behind.</summary>
public sealed class TemporaryFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nps-tmp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Network Net() => new Network("n", new Shape(3), 1).Add(new Dense(2));

    private string Stale(string target)
    {
        string path = Path.Combine(_dir, $".{target}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(path, new byte[1000]); // what a save killed before its rename leaves
        return path;
    }

    [Fact]
    public void A_save_sweeps_stale_temporaries_of_its_target_only()
    {
        string target = Path.Combine(_dir, "m.npsm");
        string[] stale = { Stale("m.npsm"), Stale("m.npsm"), Stale("m.npsm") };
        string other = Stale("other.npsm");
        string lookalike = Path.Combine(_dir, ".m.npsm.notaguid.tmp");
        File.WriteAllText(lookalike, "x");

        ModelFile.Save(Net(), target);

        Assert.All(stale, p => Assert.False(File.Exists(p)));
        Assert.True(File.Exists(other));
        Assert.True(File.Exists(lookalike));
        Assert.True(File.Exists(target));
    }

    [Fact]
    public void A_temporary_still_being_written_is_left_alone()
    {
        string target = Path.Combine(_dir, "m.npsm");
        string live = Path.Combine(_dir, $".m.npsm.{Guid.NewGuid():N}.tmp");
        using (new FileStream(live, FileMode.CreateNew, FileAccess.Write, FileShare.None)) // as a running save holds it
        {
            ModelFile.Save(Net(), target);
            Assert.True(File.Exists(live));
        }
        ModelFile.Save(Net(), target);
        Assert.False(File.Exists(live));
    }

    [Fact]
    public void A_save_failing_with_any_exception_leaves_no_temporary()
    {
        string target = Path.Combine(_dir, "m.npsm");
        Assert.Throws<InvalidOperationException>(() => ModelFile.Save(Net(), target, null, _ => throw new InvalidOperationException("boom")));
        var net = Net();
        net.Layers[0].Parameters[0].Value[0] = float.NaN;
        Assert.Throws<ModelFileException>(() => ModelFile.Save(net, target));
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
