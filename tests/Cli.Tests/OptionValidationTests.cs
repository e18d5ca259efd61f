using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>Bad option values are refused while the command line is parsed: exit code 2, a message naming the option, no work done.</summary>
public sealed class OptionValidationTests
{
    [Theory]
    [InlineData("--epochs abc", "--epochs expects a whole number; got 'abc'.")]
    [InlineData("--epochs 0", "--epochs must be from 1 to 100000; got 0.")]
    [InlineData("--patience -1", "--patience must be from 0 to 100000; got -1.")]
    [InlineData("--eval-every 0", "--eval-every must be from 1 to 100000; got 0.")]
    [InlineData("--learning-rate NaN", "--learning-rate expects a finite number; got 'NaN'.")]
    [InlineData("--learning-rate 0", "--learning-rate must be at least 1E-12; got 0.")]
    [InlineData("--regularization -0.5", "--regularization must be at least 0; got -0.5.")]
    [InlineData("--dimension 5000", "--dimension must be from 1 to 4096; got 5000.")]
    [InlineData("--batch-size 0", "--batch-size must be from 1 to 4194304; got 0.")]
    [InlineData("--train-ratio 1", "--train-ratio must be greater than 0 and less than 1; got 1.")]
    [InlineData("--k 0", "--k must be from 1 to 1000; got 0.")]
    [InlineData("--eval-k 1001", "--eval-k must be from 1 to 1000; got 1001.")]
    [InlineData("--min-user-interactions 0", "--min-user-interactions must be at least 1; got 0.")]
    [InlineData("--model Foo", "--model must be one of Auto, MatrixFactorization, Bpr, Softmax, Ease, Ials; got 'Foo'.")]
    [InlineData("--device gpu", "--device must be one of Auto, Cpu, Cuda; got 'gpu'.")]
    [InlineData("--event-weight view", "--event-weight must be type=weight with a positive weight, e.g. purchase=5; got 'view'.")]
    [InlineData("--explicit --rating-threshold 4", "--rating-threshold turns ratings into implicit interactions; it cannot be combined with --explicit.")]
    [InlineData("--validation-last 3", "--validation-last needs --split ChronologicalPerUser.")]
    public async Task Run_BadOptionValue_ExitsWithCode2NamingTheOptionBeforeReadingAnyLog(string options, string message)
    {
        using var folder = new TempDirectory();
        string log = folder.Combine("never-read.parquet");
        await File.WriteAllTextAsync(log, "not parquet either");

        CliResult result = await CliProcess.RunAsync(folder.FullPath, ["run", "--input", log, .. options.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, Unwrapped(result.Error), StringComparison.Ordinal);
        Assert.DoesNotContain("▸", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("never-read.parquet", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(folder.FullPath, ".recommender")));
    }

    [Theory]
    [InlineData("train --dataset d --run-id r --max-epochs-this-call -1", "--max-epochs-this-call must be at least 0; got -1.")]
    [InlineData("train --dataset d --run-id ../escape", "Run id '../escape' must be 1-128 letters, digits, '.', '_' or '-'.")]
    [InlineData("demo --users 0", "--users must be from 1 to 10000000; got 0.")]
    [InlineData("train --dataset missing --run-id r", "--dataset missing: there is no such dataset in ")]
    [InlineData("run --input x.parquet --model Ease --regularization 0", "Regularization must be above 0 for EASE")]
    [InlineData("recommend --user u --k 0", "--k must be from 1 to 1000; got 0.")]
    [InlineData("preprocess --input x.parquet --split Sideways", "--split must be one of StratifiedPerItem, StratifiedPerUser, RandomPerUser, ChronologicalPerUser; got 'Sideways'.")]
    public async Task OtherCommands_BadOptionValue_ExitWithCode2NamingTheOption(string commandLine, string message)
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, Unwrapped(result.Error), StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_OptionsTheModelHasNoUseFor_AreNamedAsIgnored()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "train", "--dataset", "missing", "--run-id", "r", "--model", "Ease", "--learning-rate", "0.1", "--regularization", "50");

        Assert.Contains("note: --learning-rate does not apply to --model Ease and is ignored.", Unwrapped(result.Error), StringComparison.Ordinal);
        Assert.DoesNotContain("--regularization does not apply", result.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Train_DeviceCudaWithoutCuda_ExitsWithCode2BeforeAnyWork()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "train", "--dataset", "missing", "--run-id", "r", "--device", "cuda");

        // With a CUDA device the option passes and the missing dataset is what stops the command.
        Skip.If(Unwrapped(result.Error).Contains("--dataset missing:", StringComparison.Ordinal), "this machine has a CUDA device");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--device cuda: TorchSharp finds no CUDA device", Unwrapped(result.Error), StringComparison.Ordinal);
        Assert.Contains("use --device cpu or --device auto", Unwrapped(result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preprocess_OutNamesAFile_ExitsWithCode2NamingOutBeforeReadingAnyLog()
    {
        using var folder = new TempDirectory();
        string existing = folder.Combine("existing.parquet");
        await File.WriteAllTextAsync(existing, "kept as it is");
        string log = folder.Combine("log.parquet");
        await InteractionLogs.WriteAsync(log, ("user_id", [1, 2]), ("item_id", [1, 1]));

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "preprocess", "--input", log, "--out", existing);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--out {existing} is a file; --out names the folder that datasets/{{version}}/ is written into.", Unwrapped(result.Error), StringComparison.Ordinal);
        Assert.Equal("kept as it is", await File.ReadAllTextAsync(existing));
    }

    [Fact]
    public async Task Run_RejectedInAStoreWithNothingPublished_SaysNothingIsPublishedRatherThanAPreviousVersion()
    {
        using var folder = new TempDirectory();
        string log = folder.Combine("log.parquet");
        await InteractionLogs.WriteClusteredAsync(log, users: 20);

        CliResult result = await CliProcess.RunAsync(
            folder.FullPath, "run", "--input", log, "--model", "Ials", "--epochs", "2", "--dimension", "8", "--min-vs-popularity", "100");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("was not published; nothing is published in this store yet.", Unwrapped(result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_NotANumber_ExitsWithCode2SayingWhatTheOptionExpects()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "run", "--input", "x.parquet", "--k", "ten");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--k expects a whole number; got 'ten'.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Int32", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownOptionAfterInput_IsAnUnknownOptionNotAPath()
    {
        using var folder = new TempDirectory();
        string log = folder.Combine("log.parquet");
        await InteractionLogs.WriteClusteredAsync(log, users: 20);

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "run", "--input", log, "--bogus");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown option '--bogus'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("No interaction log matches", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownOption_ExitsWithCode2PointingAtHelp()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "run", "--inptu", "log.parquet");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown option '--inptu'", result.Error, StringComparison.Ordinal);
        Assert.Contains("recommender run --help", result.Error, StringComparison.Ordinal);
    }

    /// <summary>stderr with the console's line wrapping undone.</summary>
    private static string Unwrapped(string error) => error.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal);
}
