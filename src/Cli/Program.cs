using Recommender.Cli;

return await CommandRunner.InvokeAsync(RecommenderCommandLine.Create(), args).ConfigureAwait(false);
