using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace NeuralPS.Pester.Tests;

/// <summary>A fact that becomes one xUnit test case per Pester It, with the It's name as its display name
/// and It -Skip as a real skip, so the closing "N passed, N failed" counts Pester tests one by one.</summary>
[XunitTestCaseDiscoverer("NeuralPS.Pester.Tests.PesterCaseDiscoverer", "NeuralPS.Pester.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PesterFactAttribute : FactAttribute
{
}

public sealed class PesterCaseDiscoverer : IXunitTestCaseDiscoverer
{
    private readonly IMessageSink _diagnostics;

    public PesterCaseDiscoverer(IMessageSink diagnosticMessageSink) => _diagnostics = diagnosticMessageSink;

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var options = discoveryOptions.MethodDisplayOptionsOrDefault();
        IReadOnlyList<PesterCase> cases;
        try
        {
            cases = PesterSuite.Cases;
        }
        catch (Exception e)
        {
            // Discovery itself failed: one failing case that says why, rather than no tests at all.
            return new IXunitTestCase[] { new ExecutionErrorTestCase(_diagnostics, display, options, testMethod, $"Pester discovery failed: {e.Message}") };
        }
        return cases.Select(c => (IXunitTestCase)new PesterTestCase(_diagnostics, display, options, testMethod, c));
    }
}

public sealed class PesterTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public PesterTestCase() { }

    public PesterTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod, PesterCase test)
        : base(diagnostics, display, options, testMethod, new object[] { test })
    {
    }

    private PesterCase Test => (PesterCase)TestMethodArguments[0];

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) => $"Pester: {Test}";

    protected override string? GetSkipReason(IAttributeInfo factAttribute) => Test.Skip ? "It -Skip in Pester" : null;

    protected override string GetUniqueID() => $"{TestMethod.TestClass.Class.Name}.{TestMethod.Method.Name}|{Test.Key}";
}
