using System.Text.RegularExpressions;
using Recommender.Infra.Tests.Tooling;

namespace Recommender.Infra.Tests.Docker;

/// <summary>
/// The training images' Dockerfiles, read as text (no Docker daemon in the test environment):
/// what they copy exists and they publish the CLI the way the job runs it.
/// </summary>
[Trait("Category", "Infra")]
public sealed partial class TrainingDockerfileTests
{
    private const string CpuDockerfile = "training.cpu.Dockerfile";
    private const string CudaDockerfile = "training.cuda.Dockerfile";

    private static string Read(string dockerfile) => File.ReadAllText(Repository.PathOf("eng", "docker", dockerfile));

    [Theory]
    [InlineData(CpuDockerfile)]
    [InlineData(CudaDockerfile)]
    public void Copy_FromTheBuildContext_NamesPathsThatExist(string dockerfile)
    {
        string[] sources =
        [
            .. ContextCopy().Matches(Read(dockerfile))
                .SelectMany(copy => copy.Groups["arguments"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1)),
        ];

        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.True(
            File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)),
            $"{dockerfile} copies '{source}', which is not in the repository."));
    }

    [Theory]
    [InlineData(CpuDockerfile)]
    [InlineData(CudaDockerfile)]
    public void Build_EveryImage_PublishesTheCliFrameworkDependentForLinuxX64(string dockerfile)
    {
        string text = Read(dockerfile);

        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", text);
        Assert.Matches(@"dotnet publish src/Cli/Recommender\.Cli\.csproj -c Release -r linux-x64 --self-contained false", text);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""dotnet"", ""recommender\.dll""\]$", text);
        Assert.True(File.Exists(Repository.PathOf("eng", "docker", $"{dockerfile}.dockerignore")), $"{dockerfile} has no .dockerignore.");
    }

    [Fact]
    public void CpuImage_Runtime_IsTheDotnet10RuntimeWithCpuTorch()
    {
        string text = Read(CpuDockerfile);

        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/runtime:10\.0 AS runtime$", text);
        Assert.DoesNotContain("TorchDevice", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CudaImage_RestoreAndPublish_SelectCudaTorchOnACuda12Runtime()
    {
        string text = Read(CudaDockerfile);

        Assert.Matches(@"dotnet restore [^\n]*-p:TorchDevice=cuda", text);
        Assert.Matches(@"dotnet publish [^\n]*(\\\n[^\n]*)*-p:TorchDevice=cuda", text);
        Assert.Matches(@"(?m)^FROM nvidia/cuda:12\.\d+\.\d+-runtime-ubuntu\d+\.\d+ AS runtime$", text);
        Assert.Matches(@"(?m)^COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet$", text);
    }

    // COPY lines that read the build context (no --from=stage).
    [GeneratedRegex(@"(?m)^COPY (?!--from)(?<arguments>[^\n]+)$")]
    private static partial Regex ContextCopy();
}
