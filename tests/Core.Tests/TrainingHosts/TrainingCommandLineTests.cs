using System.ComponentModel.DataAnnotations;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;

namespace Recommender.Core.Tests.TrainingHosts;

public sealed class TrainingCommandLineTests
{
    [Fact]
    public void Arguments_RunWithOverrides_CarryDatasetRunChunkAndOptions()
    {
        var input = new TrainStageInput("run-1", "ds-7", 10, new TrainingOverrides { Dimension = 32 }, "live-0", 5);
        TrainingOptions options = TrainStage.ApplyOverrides(new TrainingOptions { Kind = ModelKind.Softmax, LearningRate = 0.02, BatchSize = 512 }, input.Overrides);

        IReadOnlyList<string> args = TrainingCommandLine.Arguments(input, options, warmStartRunId: "live-0");

        Assert.Equal("train", args[0]);
        Assert.Equal("ds-7", After(args, "--dataset"));
        Assert.Equal("run-1", After(args, "--run-id"));
        Assert.Equal("5", After(args, "--max-epochs-this-call"));
        Assert.Equal("10", After(args, "--eval-k"));
        Assert.Equal("32", After(args, "--dimension"));
        Assert.Equal("Softmax", After(args, "--model"));
        Assert.Equal("0.02", After(args, "--learning-rate"));
        Assert.Equal("512", After(args, "--batch-size"));
        Assert.Equal("live-0", After(args, "--warm-start"));
    }

    [Fact]
    public void Arguments_RefitCall_NameTheRunItRefitsAndLeaveEpochsToIt()
    {
        var input = new TrainStageInput("run-1.refit", "ds-7", 10, null, null, 5) { RefitOf = "run-1" };

        IReadOnlyList<string> args = TrainingCommandLine.Arguments(input, new TrainingOptions(), warmStartRunId: null);

        Assert.Equal("run-1", After(args, "--refit-of"));
        Assert.Equal("run-1.refit", After(args, "--run-id"));
        Assert.DoesNotContain("--epochs", args);
        Assert.DoesNotContain("--warm-start", args);
    }

    [Fact]
    public void Arguments_CandidateCall_NameTheCandidateUnderTheRunsId()
    {
        var input = new TrainStageInput("run-1", "ds-7", 10, null, null, 5) { Candidate = "ials" };

        IReadOnlyList<string> args = TrainingCommandLine.Arguments(input, new TrainingOptions(), warmStartRunId: null);

        Assert.Equal(("ials", "run-1", "Auto"), (After(args, "--candidate"), After(args, "--run-id"), After(args, "--model")));
        Assert.DoesNotContain("--batch-size", args); // each candidate takes its kind's default
    }

    [Fact]
    public void ParseOutput_LineWithMaxEpochs_TakesThePlannedEpochsFromIt()
    {
        string stdout = "{\"runId\":\"r\",\"status\":\"Completed\",\"epochs\":9,\"maxEpochs\":9,\"bestEpoch\":9,\"metric\":null,\"best\":null,\"device\":\"cpu\",\"resumedFromEpoch\":0}\n";

        TrainStageOutput output = TrainingCommandLine.ParseOutput("r", stdout, maxEpochs: 0, seconds: 1);

        Assert.Equal(new TrainStageOutput("r", 9, 9, true, 9, string.Empty, null, "cpu", 1), output);
    }

    [Fact]
    public void ParseOutput_ProgressLinesThenJson_ReadsTheJsonLine()
    {
        string stdout = "epoch 1\n{\"runId\":\"r\",\"status\":\"Running\",\"epochs\":5,\"bestEpoch\":4,\"metric\":\"ndcg@10\",\"best\":0.31,\"device\":\"cpu\",\"resumedFromEpoch\":0}\n";

        TrainStageOutput output = TrainingCommandLine.ParseOutput("r", stdout, maxEpochs: 30, seconds: 1.5);

        Assert.Equal(new TrainStageOutput("r", 5, 30, false, 4, "ndcg@10", 0.31, "cpu", 1.5), output);
    }

    [Fact]
    public void ParseOutput_OfFormatOutputWithALeaderboard_GivesBackTheStageOutput()
    {
        LeaderboardEntry[] board =
        [
            new("ease", ModelKind.Ease, "λ=25·2^(epoch-1)", "ndcg@10", 0.44, new Dictionary<string, double> { ["ndcg@10"] = 0.44 }, 2, 4, 16.8) { Chosen = true },
            new("ials", ModelKind.Ials, "d=64", "ndcg@10", 0.45, null, 16, 16, 3.0) { Note = "0.0100 ahead of ease, within the noise (2 SE = 0.0200)" },
        ];
        var written = new TrainStageOutput("r", 2, 30, true, 2, "ndcg@10", 0.44, "cpu", 20) { Leaderboard = board, ResumedFromEpoch = 1 };

        TrainStageOutput read = TrainingCommandLine.ParseOutput("r", "epoch 1\n" + TrainingCommandLine.FormatOutput(written) + "\n", maxEpochs: 0, seconds: 20);

        Assert.Equal(written with { Leaderboard = null }, read with { Leaderboard = null });
        Assert.Equal(2, read.Leaderboard!.Count);
        Assert.Equal((board[0].Candidate, board[0].Chosen, board[0].Metrics!["ndcg@10"]), (read.Leaderboard[0].Candidate, read.Leaderboard[0].Chosen, read.Leaderboard[0].Metrics!["ndcg@10"]));
        Assert.Equal((board[1].Kind, board[1].Note), (read.Leaderboard[1].Kind, read.Leaderboard[1].Note));
    }

    [Fact]
    public void ParseOutput_NoJsonLine_ThrowsNamingTheRun()
    {
        var ex = Assert.Throws<TrainingHostException>(() => TrainingCommandLine.ParseOutput("run-9", "nothing useful", 30, 1));

        Assert.Contains("run-9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SplitCommand_QuotedPath_StaysOneWord()
    {
        Assert.Equal(["dotnet", "/opt/my app/recommender.dll", "-x"], TrainingCommandLine.SplitCommand("dotnet \"/opt/my app/recommender.dll\"  -x"));
    }

    [Fact]
    public void Validate_ContainerJobWithoutJobResourceId_IsInvalid()
    {
        var options = new TrainingHostOptions { Kind = TrainingHostKind.ContainerJob };

        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        bool valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        Assert.Contains(results, r => r.ErrorMessage!.Contains("JobResourceId", StringComparison.Ordinal));
    }

    private static string After(IReadOnlyList<string> args, string name) => args[args.ToList().IndexOf(name) + 1];
}
