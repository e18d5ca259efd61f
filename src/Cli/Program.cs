using Recommender.Cli;

return await RecommenderCommandLine.InvokeAsync(args).ConfigureAwait(false);
