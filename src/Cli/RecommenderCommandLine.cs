using System.CommandLine;
using Recommender.Cli.Commands;

namespace Recommender.Cli;

/// <summary>The <c>recommender</c> command tree.</summary>
internal static class RecommenderCommandLine
{
    public static RootCommand Create() => new("Recommender: Parquet interaction logs in, fresh top-K recommendations out.")
    {
        DemoCommand.Create(),
        RunCommand.Create(),
        PreprocessCommand.Create(),
        TrainCommand.Create(),
        EvaluateCommand.Create(),
        RecommendCommand.Create(),
        ExportCommand.Create(),
    };
}
