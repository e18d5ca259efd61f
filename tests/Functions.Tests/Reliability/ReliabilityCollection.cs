using System.Collections.Concurrent;
using System.Text;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Reliability;

/// <summary>
/// Fault and load tests: they get an Azurite of their own (one of them stops it mid-run) and
/// share a report that is written once all of them ran.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<AzuriteFixture>, ICollectionFixture<ReliabilityReport>
{
    /// <summary>Collection name.</summary>
    public const string Name = "Reliability";
}

/// <summary>
/// Outcomes of the fault and load cases, written to <c>TestResults/reliability/faults.md</c>
/// under the repository root as a Markdown table in a fixed case order.
/// </summary>
public sealed class ReliabilityReport : IDisposable
{
    /// <summary>The cases, in the order the table lists them.</summary>
    public static readonly string[] Cases =
    [
        "storage unavailable mid-run",
        "crash between scoring and publish",
        "two runs requested at once",
        "read load during publish",
    ];

    private readonly ConcurrentDictionary<string, string> _outcomes = new(StringComparer.Ordinal);

    /// <summary>Records (or replaces) the outcome of <paramref name="faultOrLoad"/>, and rewrites the report.</summary>
    public void Record(string faultOrLoad, string outcome)
    {
        if (!Cases.Contains(faultOrLoad, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown reliability case '{faultOrLoad}'.", nameof(faultOrLoad));
        }

        _outcomes[faultOrLoad] = outcome;
        Write();
    }

    /// <summary>Where the report goes.</summary>
    public static string ReportPath => Path.Combine(AzuriteFixture.RepositoryRoot(), "TestResults", "reliability", "faults.md");

    /// <inheritdoc />
    public void Dispose() => Write();

    private void Write()
    {
        var text = new StringBuilder();
        text.AppendLine("# Reliability: faults and load").AppendLine();
        text.AppendLine("| fault or load | outcome |").AppendLine("|---|---|");
        foreach (string name in Cases)
        {
            if (_outcomes.TryGetValue(name, out string? outcome))
            {
                text.Append("| ").Append(name).Append(" | ").Append(outcome.Replace("|", "\\|", StringComparison.Ordinal)).AppendLine(" |");
            }
        }

        lock (_outcomes)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(ReportPath)!);
            File.WriteAllText(ReportPath, text.ToString());
        }
    }
}
