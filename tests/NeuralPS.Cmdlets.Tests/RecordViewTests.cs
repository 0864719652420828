using System.Collections;
using System.Collections.Specialized;
using NeuralPS.Cmdlets.Commands;
using Xunit;

namespace NeuralPS.Cmdlets.Tests;

/// <summary>How pipeline objects become records for the engine's RecordConverter.</summary>
public sealed class RecordViewTests
{
    [Fact]
    public void Properties_keep_their_order_and_match_case_insensitively()
    {
        var src = new object();
        var r = new RecordView(src).Add("b", 1).Add("A", 2);
        Assert.Equal(new[] { "b", "A" }, r.Keys);
        Assert.Equal(2, r["a"]);
        Assert.True(r.ContainsKey("B"));
        Assert.Same(src, r.Source);
    }

    [Fact]
    public void A_repeated_property_replaces_the_value()
    {
        var r = new RecordView(new object()).Add("x", 1).Add("X", 2);
        Assert.Single(r);
        Assert.Equal(2, r["x"]);
    }

    [Fact]
    public void A_hashtable_has_no_order_so_its_keys_are_sorted()
    {
        var h = new Hashtable { ["zeta"] = 1, ["alpha"] = 2, ["mid"] = 3 };
        var r = RecordView.FromDictionary(h, h);
        Assert.Equal(new[] { "alpha", "mid", "zeta" }, r.Keys);
        Assert.Same(h, r.Source);
    }

    [Fact]
    public void An_ordered_dictionary_keeps_its_order()
    {
        var d = new OrderedDictionary { ["zeta"] = 1, ["alpha"] = 2 };
        Assert.Equal(new[] { "zeta", "alpha" }, RecordView.FromDictionary(d, d).Keys);
    }

    [Fact]
    public void Keys_and_values_are_unwrapped()
    {
        var h = new Hashtable { [1] = "x" };
        var r = RecordView.FromDictionary(h, h, v => v is string s ? s.ToUpperInvariant() : v);
        Assert.Equal("X", r["1"]);
    }

    [Fact]
    public void A_missing_property_is_absent()
    {
        var r = new RecordView(new object()).Add("a", 1);
        Assert.False(r.TryGetValue("b", out _));
        Assert.Throws<KeyNotFoundException>(() => r["b"]);
    }
}
