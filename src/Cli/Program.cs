using Recommender.Cli;

return await RecommenderCommandLine.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
