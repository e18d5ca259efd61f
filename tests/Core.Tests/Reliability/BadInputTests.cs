using System.Globalization;
using System.Text.RegularExpressions;
using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;
using Xunit;

namespace Recommender.Core.Tests.Reliability;

/// <summary>
/// Every case of the bad-input corpus: preprocessed alone its outcome is exactly the expected one
/// (rows dropped by reason, or the rejected file and field), then run through the whole local
/// pipeline on top of a published good version the live version stays the old one or becomes a
/// new complete one, and the input files are never modified.
/// </summary>
[Trait("Category", "Reliability")]
public sealed partial class BadInputTests(BadInputBaseline baseline) : IClassFixture<BadInputBaseline>
{
    private const string NextRunId = "next";

    [Theory]
    [MemberData(nameof(BadInputCorpus.Names), MemberType = typeof(BadInputCorpus))]
    public async Task Run_BadInputCase_HasExpectedOutcomeAndKeepsLiveVersionWhole(string name)
    {
        // Arrange
        BadInputCase badCase = BadInputCorpus.Get(name);
        using var folder = new TempDirectory();
        string logs = folder.Combine("logs", "x");
        IReadOnlyList<string> files = await badCase.WriteAsync(Path.GetDirectoryName(logs)!);
        Dictionary<string, string> hashes = files.ToDictionary(file => file, BadInputBaseline.Hash);
        string store = Path.Combine(folder.FullPath, "store");
        BadInputBaseline.CopyFolder(baseline.StoreFolder, store);
        IReadOnlyList<string> pipelineLogs = badCase.ReplacesGoodLog ? files : [baseline.GoodLog, .. files];

        // Act
        string alone = await PreprocessAloneAsync(files, folder.Combine("alone"));
        string run;
        using (LocalPipelineParts pipeline = BadInputBaseline.Open(store, pipelineLogs))
        {
            run = await RunPipelineAsync(pipeline, folder.FullPath);
            await AssertLiveVersionWholeAsync(pipeline, run);
        }

        string outcome = $"{alone}; pipeline: {run}";
        BadInputBaseline.Record(name, outcome);

        // Assert
        Assert.All(files, file => Assert.Equal(hashes[file], BadInputBaseline.Hash(file)));
        Assert.DoesNotContain("crashed", outcome, StringComparison.Ordinal);
        Assert.Equal(badCase.Expected, outcome);
    }

    private static async Task<string> PreprocessAloneAsync(IReadOnlyList<string> files, string artifacts)
    {
        try
        {
            PreprocessingResult result = await new PreprocessStep().RunAsync(new LocalFileLogSource(files), ColumnMapping.AutoDetect, BadInputBaseline.Preprocessing, new LocalArtifactStore(artifacts));
            string rejected = result.RejectedLogs.Count == 0 ? string.Empty : $"; {Rejected(result.RejectedLogs)}";
            return string.Create(CultureInfo.InvariantCulture, $"handled: {result.RowsRead} rows read, {Dropped(result.RowsDropped)}, {result.DuplicatesCombined} combined, {result.Users} users, {result.Items} items, {result.Interactions} interactions{rejected}");
        }
        catch (NoUsableInteractionsException ex) when (ex.RejectedLogs.Count > 0)
        {
            return Rejected(ex.RejectedLogs);
        }
        catch (NoUsableInteractionsException ex)
        {
            return $"no usable rows: {ex.Message}";
        }
        catch (Exception ex)
        {
            return $"crashed: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private static string Rejected(IReadOnlyList<RejectedInteractionLog> logs) =>
        "rejected: " + string.Join("; ", logs.Select(log => log.Field is null ? $"{Path.GetFileName(log.Source)}: {log.Reason}" : $"{Path.GetFileName(log.Source)}: column '{log.Field}': {log.Reason}"));

    private static string Dropped(IReadOnlyDictionary<RowDropReason, long> dropped)
    {
        var nonZero = dropped.Where(pair => pair.Value > 0).OrderBy(pair => pair.Key).Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Value} {pair.Key}")).ToList();
        return nonZero.Count == 0 ? "0 dropped" : $"dropped {string.Join(", ", nonZero)}";
    }

    private static async Task<string> RunPipelineAsync(LocalPipelineParts pipeline, string folder)
    {
        try
        {
            PipelineOutcome outcome = await pipeline.Sequential.RunAsync(new PipelineRunRequest(NextRunId, "test", BadInputBaseline.Settings));
            return outcome.Result == RunResults.Published ? "published a new version" : $"{outcome.Result}, live version kept";
        }
        catch (PipelineFailedException ex)
        {
            // Dataset versions are content hashes; the outcome keeps the words, not the hash.
            string reason = DatasetVersionPattern().Replace(ex.InnerException?.Message.Replace(folder, "<tmp>", StringComparison.Ordinal) ?? string.Empty, "Dataset '<version>'");
            return $"failed in {ex.Stage} ({ex.InnerException?.GetType().Name}: {reason}), live version kept";
        }
        catch (Exception ex)
        {
            return $"crashed: {ex.GetType().Name}: {ex.Message}";
        }
    }

    [GeneratedRegex("Dataset '[0-9a-f]+'")]
    private static partial Regex DatasetVersionPattern();

    private static async Task AssertLiveVersionWholeAsync(LocalPipelineParts pipeline, string run)
    {
        string? active = await pipeline.Lookup.GetActiveVersionAsync();
        Assert.Equal(run.StartsWith("published", StringComparison.Ordinal) ? NextRunId : BadInputBaseline.GoodRunId, active);

        RunRecord record = await pipeline.History.GetAsync(active!) ?? throw new InvalidOperationException($"No run record of the live version '{active}'.");
        CuratedDataset dataset = await new CuratedDatasetReader(pipeline.Artifacts).ReadAsync(record.DatasetVersion!);
        var seen = new HashSet<(int User, int Item)>();
        foreach (InteractionTable table in new[] { dataset.Train, dataset.Validation })
        {
            for (int row = 0; row < table.Count; row++)
            {
                seen.Add((table.Users[row], table.Items[row]));
            }
        }

        var itemIndex = dataset.ItemIds.Select((id, index) => (id, index)).ToDictionary(pair => pair.id, pair => pair.index, StringComparer.Ordinal);
        for (int user = 0; user < dataset.UserCount; user++)
        {
            UserRecommendations list = await pipeline.Lookup.GetAsync(dataset.UserIds[user], active)
                ?? throw new InvalidOperationException($"User '{dataset.UserIds[user]}' has no list in live version '{active}'.");
            Assert.Equal(list.ItemIds.Count, list.ItemIds.Distinct(StringComparer.Ordinal).Count());
            Assert.True(list.ItemIds.Count <= BadInputBaseline.Settings.TopK);
            Assert.All(list.ItemIds, item => Assert.DoesNotContain((user, itemIndex[item]), seen));
            Assert.All(list.Scores, score => Assert.True(float.IsFinite(score)));
        }

        Assert.NotNull(await pipeline.Lookup.GetFallbackAsync(active));
    }
}
