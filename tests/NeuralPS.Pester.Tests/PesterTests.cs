using Xunit;
using Xunit.Sdk;

namespace NeuralPS.Pester.Tests;

public sealed class PesterTests
{
    /// <summary>Each Pester It found in tests/Pester is one case of this test (see PesterFactAttribute).</summary>
    [PesterFact]
    public void Pester(PesterCase test)
    {
        var outcome = PesterSuite.Results;
        if (outcome.Failure is not null)
            throw new XunitException($"The Pester run failed before reporting {test}: {outcome.Failure}");
        if (!outcome.Rows.TryGetValue(test.Key, out var row))
            throw new XunitException($"The Pester run reported no result for {test} (renamed since discovery?).");

        switch (row.Result)
        {
            case "Passed":
                return;
            case "Skipped" or "Inconclusive" or "NotRun":
                // xUnit 2 skips only what discovery marks (It -Skip). A test that skips itself at run time
                // would pass silently; decide skips at discovery: It -Skip:(-not $condition).
                throw new XunitException($"{test} — {row.Result} at run time; decide skips at discovery (It -Skip:(...)).\n{row.Message}");
            default:
                throw new XunitException($"{test} — {row.Result}\n{row.Message}");
        }
    }
}
