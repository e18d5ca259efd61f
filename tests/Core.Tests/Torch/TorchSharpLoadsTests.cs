using Recommender.Build;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Torch;

public sealed class TorchSharpLoadsTests
{
    private const string Glibcxx = "GLIBCXX_3.4.32";

    [Fact]
    public void NativeLibraryInTestOutput_RequiresGlibcxx33432Weakly()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

        Assert.True(File.Exists(library), $"missing {library}");
        Assert.True(ElfVersionRequirement.IsWeak(library, Glibcxx));
    }

    [Fact]
    public void MarkWeak_RunTwiceOnPristineCopy_PatchesOnceThenLeavesBytesUnchanged()
    {
        string pristine = FindPackageCacheLibrary();
        string copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        File.Copy(pristine, copy);
        try
        {
            Assert.False(ElfVersionRequirement.IsWeak(copy, Glibcxx));

            Assert.Equal(ElfPatchOutcome.Patched, ElfVersionRequirement.MarkWeak(copy, Glibcxx));
            byte[] once = File.ReadAllBytes(copy);
            Assert.Equal(ElfPatchOutcome.AlreadyWeak, ElfVersionRequirement.MarkWeak(copy, Glibcxx));

            Assert.Equal(once, File.ReadAllBytes(copy));
            byte[] original = File.ReadAllBytes(pristine);
            Assert.Equal(original.Length, once.Length);
            Assert.Equal(1, original.Zip(once).Count(pair => pair.First != pair.Second));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void MarkWeak_VersionTheFileDoesNotRequire_ReportsNotRequired()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

        Assert.Equal(ElfPatchOutcome.NotRequired, ElfVersionRequirement.MarkWeak(library, "GLIBCXX_99.0"));
    }

    [Fact]
    public void MarkWeak_NotAnElfFile_ThrowsNamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"not-elf-{Guid.NewGuid():N}.so");
        File.WriteAllText(path, "definitely not a shared library, just some text that is long enough to have a header");
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => ElfVersionRequirement.MarkWeak(path, Glibcxx));
            Assert.Contains(path, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EmbeddingModel_TrainsAFewSteps_LossGoesDown()
    {
        torch.manual_seed(7);
        using var users = nn.Embedding(20, 8);
        using var items = nn.Embedding(30, 8);
        var parameters = users.parameters().Concat(items.parameters());
        using var optimizer = optim.Adam(parameters, lr: 0.05);
        using var userIds = torch.randint(0, 20, [256], dtype: int64);
        using var itemIds = torch.randint(0, 30, [256], dtype: int64);
        using var targets = torch.rand(256);

        float first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var prediction = (users.forward(userIds) * items.forward(itemIds)).sum(1);
            var loss = nn.functional.mse_loss(prediction, targets);
            loss.backward();
            optimizer.step();
            float value = loss.item<float>();
            if (step == 0)
            {
                first = value;
            }

            last = value;
        }

        Assert.True(float.IsFinite(last));
        Assert.True(last < first * 0.5f, $"loss {first} -> {last}");
    }

    private static string FindPackageCacheLibrary()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string version = typeof(torch).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.107.0";
        return Path.Combine(packages, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }
}
