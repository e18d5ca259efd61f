using System.Text.Json.Nodes;
using Recommender.Infra.Tests.Tooling;

namespace Recommender.Infra.Tests.Bicep;

/// <summary>Every template under infra/bicep compiles and lints cleanly, offline.</summary>
[Trait("Category", "Infra")]
public sealed class BicepCompilationTests
{
    [Fact]
    public async Task Build_EveryTemplate_SucceedsWithoutWarningsOrErrors()
    {
        TemplateBuild build = await InfraArtifacts.BuildAsync();

        Assert.True(build.Result.ExitCode == 0, build.Result.Transcript);
        Assert.True(build.Result.StandardError.Length == 0, build.Result.Transcript);
    }

    [Fact]
    public async Task Build_EveryTemplate_WritesItsArmJson()
    {
        TemplateBuild build = await InfraArtifacts.BuildAsync();

        Assert.NotEmpty(InfraArtifacts.TemplateFiles);
        Assert.All(InfraArtifacts.TemplateFiles, template =>
            Assert.True(File.Exists(Path.Combine(build.OutputFolder, Path.ChangeExtension(template, ".json"))),
                $"No compiled JSON for {template}.\n{build.Result.Transcript}"));
    }

    [Fact]
    public async Task Lint_EveryTemplate_ReportsNoDiagnostics()
    {
        CommandResult lint = await InfraArtifacts.LintAsync();

        Assert.True(lint.ExitCode == 0, lint.Transcript);
        Assert.True(lint.StandardError.Length == 0 && lint.StandardOutput.Trim().Length == 0, lint.Transcript);
    }

    [Fact]
    public async Task Build_EveryParameterAndOutput_HasADescription()
    {
        TemplateBuild build = await InfraArtifacts.BuildAsync();

        IEnumerable<string> undescribed =
            from template in InfraArtifacts.TemplateFiles
            let compiled = build.Compiled(template)
            from section in new[] { "parameters", "outputs" }
            from entry in compiled.Root[section] as JsonObject ?? []
            where string.IsNullOrWhiteSpace(entry.Value?["metadata"]?["description"]?.GetValue<string>())
            select $"{template}: {section}.{entry.Key}";
        Assert.Empty(undescribed);
    }
}
