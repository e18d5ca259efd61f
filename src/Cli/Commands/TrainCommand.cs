using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>recommender train --dataset VERSION --run-id ID</c>: trains (or resumes) one run on a curated
/// dataset of the artifact store. The local store by default; Azure Blob Storage when the
/// <c>Recommender__Storage__*</c> settings are in the environment, which is how the training
/// container job and the child-process host run it.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var store = CommonOptions.Store();
        var dataset = new Option<string>("--dataset") { Description = "Curated dataset version (datasets/{version}/).", Required = true };
        var runId = new Option<string>("--run-id") { Description = "Run id; training again with the same id resumes from its newest checkpoint.", Required = true };
        var warmStart = new Option<string?>("--warm-start") { Description = "A finished run whose embeddings seed the users and items both share." };
        var refitOf = new Option<string?>("--refit-of")
        {
            Description = "Train the refit of this finished run: on train + validation for its best epoch count, with its options (--run-id must be RUN.refit).",
        };
        var candidate = new Option<string?>("--candidate")
        {
            Description = "With --model Auto: train only this candidate of the automatic choice (ease, ials or softmax), as run RUN.CANDIDATE.",
        };
        var evaluationK = CommonOptions.EvaluationK("Cut-off of the validation NDCG.");
        var maxEpochs = CheckedOption.Number("--max-epochs-this-call", "Stop after this many epochs (0: train to the end); the run resumes later. Default 0.", 0, int.MaxValue);
        var wait = CommonOptions.Wait();
        var training = new TrainingArguments();
        var command = new Command("train", "Train (or resume) a model on a curated dataset, checkpointing every epoch.") { store, dataset, runId, warmStart, refitOf, candidate, evaluationK, maxEpochs, wait };
        training.AddTo(command);

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            TrainingOptions options = training.Options(parse, TrainingDefaultsFromEnvironment());
            string id = parse.GetValue(runId)!;
            TrainingRun.ValidateRunId(id, "--run-id");
            BlobArtifactStore? blobs = ArtifactsFromEnvironment();
            var layout = new StoreLayout(parse.GetValue(store));

            // A local store has one writer at a time, as for `run`; on Blob storage the app's orchestration is that writer.
            await using StoreLock? storeLock = blobs is null
                ? await StoreLock.AcquireAsync(layout, "train", parse.GetValue(wait), cancellationToken).ConfigureAwait(false)
                : null;
            IArtifactStore artifacts = (IArtifactStore?)blobs ?? new LocalArtifactStore(layout.Artifacts);

            // The train stage itself, so a host that trains in a child process or a job gets what the app's own
            // training gets: the automatic choice (kind Auto), the refit, the warm-start check.
            var datasets = new CuratedDatasetReader(artifacts);
            await RequireDatasetAsync(datasets, artifacts, parse.GetValue(dataset)!, cancellationToken).ConfigureAwait(false);
            var stage = new TrainStage(artifacts, datasets, new ModelTrainer(), Options.Create(options));
            var input = new TrainStageInput(id, parse.GetValue(dataset)!, parse.GetValue(evaluationK), Overrides: null, parse.GetValue(warmStart), parse.GetValue(maxEpochs) ?? 0)
            {
                RefitOf = parse.GetValue(refitOf),
                Candidate = parse.GetValue(candidate),
            };
            await CheckWarmStartAsync(datasets, artifacts, input, options, cancellationToken).ConfigureAwait(false);
            TrainStageOutput output = await stage.RunAsync(input, EpochLines.Create(string.Empty), cancellationToken).ConfigureAwait(false);
            if ((await TrainedModel.ReadManifestAsync(artifacts, output.RunId, cancellationToken).ConfigureAwait(false))?.FellBackToCpu == true)
            {
                ConsoleOutput.Error.MarkupLine("[yellow]CUDA is not available: trained on the CPU.[/]");
            }

            Console.Out.WriteLine(TrainingCommandLine.FormatOutput(output));
        }));
        return command;
    }

    /// <summary>
    /// Refuses a <c>--warm-start</c> run that does not exist, and says so when one exists but cannot seed this run (another
    /// kind or dimension, or unfinished): the run then trains from scratch, as a pipeline run does when its live model is
    /// of another kind. Nothing is said where no warm start applies: a resume of the same run, a refit (it starts where its
    /// source started), or the automatic choice (each candidate decides for itself).
    /// </summary>
    private static async Task CheckWarmStartAsync(CuratedDatasetReader datasets, IArtifactStore artifacts, TrainStageInput input, TrainingOptions options, CancellationToken cancellationToken)
    {
        if (input.WarmStartRunId is not { } source || source == input.RunId || input.RefitOf is not null)
        {
            return;
        }

        ModelManifest manifest = await TrainedModel.ReadManifestAsync(artifacts, source, cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"--warm-start {source}: there is no such run in this store.");
        bool isExplicit = (await datasets.ReadManifestAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false)).Feedback == FeedbackKind.Explicit;
        if (options.Kind != ModelKind.Auto && !TrainStage.CanSeed(manifest, options, isExplicit))
        {
            ConsoleOutput.Error.MarkupLineInterpolated(
                $"[yellow]--warm-start {source} is not used: it is a {manifest.Kind} run of dimension {manifest.Dimension} ({manifest.Status}); this run trains {options.Kind} of dimension {options.Dimension}, from scratch.[/]");
        }
    }

    /// <summary>Throws an input error naming <c>--dataset</c> and where it was looked for when the store has no such dataset.</summary>
    private static async Task RequireDatasetAsync(CuratedDatasetReader datasets, IArtifactStore artifacts, string version, CancellationToken cancellationToken)
    {
        try
        {
            await datasets.ReadManifestAsync(version, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactNotFoundException)
        {
            string where = artifacts is LocalArtifactStore local ? local.GetFullPath("datasets") : "the store's datasets/";
            throw new ArgumentException(
                $"--dataset {version}: there is no such dataset in {where}. `preprocess` prints the version it wrote; with `preprocess --out DIR`, pass --store to the folder that holds DIR as its artifacts/ folder.");
        }
    }

    /// <summary>Training options from <c>Recommender__Training__*</c> environment variables (the job's device, the host's options), else the defaults; flags override them.</summary>
    private static TrainingOptions TrainingDefaultsFromEnvironment()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        TrainingOptions options = configuration.GetSection(TrainingOptions.SectionName).Get<TrainingOptions>() ?? new TrainingOptions();
        options.Validate();
        return options;
    }

    /// <summary>The Blob artifact store when the environment configures Azure Storage, else null.</summary>
    private static BlobArtifactStore? ArtifactsFromEnvironment()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var options = new StorageOptions();
        configuration.GetSection(StorageOptions.SectionName).Bind(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString) && string.IsNullOrWhiteSpace(options.AccountName))
        {
            return null;
        }

        return new StorageClients(options).CreateArtifactStore();
    }
}
