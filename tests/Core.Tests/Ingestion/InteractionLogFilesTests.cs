using Recommender.Core.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

public sealed class InteractionLogFilesTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public InteractionLogFilesTests()
    {
        foreach (string file in new[] { "b.parquet", "a.parquet", "notes.txt", "2024/part-1.parquet", "2024/part-0.parquet", "2024/deep/x.parquet", "2024/_SUCCESS" })
        {
            File.WriteAllBytes(_folder.Combine(file.Split('/')), []);
        }

        // What a walk leaves out: Spark's output while a job runs, its markers, hidden files.
        foreach (string file in new[] { "2024/_temporary/0/part-2.parquet", "_SUCCESS.parquet", ".partial.parquet", "2024/.snapshots/part-3.parquet" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_folder.Combine(file.Split('/')))!);
            File.WriteAllBytes(_folder.Combine(file.Split('/')), []);
        }
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Expand_Folder_GivesEveryParquetFileBelowSorted()
    {
        IReadOnlyList<string> files = InteractionLogFiles.Expand([_folder.FullPath]);

        Assert.Equal(Paths("2024/deep/x.parquet", "2024/part-0.parquet", "2024/part-1.parquet", "a.parquet", "b.parquet"), files);
    }

    [Fact]
    public void Expand_SkippedFileNamedInFull_IsRead()
    {
        string partial = Path.Combine(_folder.FullPath, ".partial.parquet");

        Assert.Equal([partial], InteractionLogFiles.Expand([partial]));
    }

    [Theory]
    [InlineData("part-0.parquet", false)]
    [InlineData("2024/deep/x.parquet", false)]
    [InlineData("./logs/x.parquet", false)]
    [InlineData("_temporary/0/part-0.parquet", true)]
    [InlineData("2024/_SUCCESS.parquet", true)]
    [InlineData("2024\\.hidden\\x.parquet", true)]
    public void IsSkippedInWalk_ASegmentStartingWithDotOrUnderscore_IsSkipped(string relativePath, bool skipped) =>
        Assert.Equal(skipped, InteractionLogFiles.IsSkippedInWalk(relativePath));

    [Fact]
    public void Expand_StarGlob_MatchesOneFolderLevel()
    {
        IReadOnlyList<string> files = InteractionLogFiles.Expand([Path.Combine(_folder.FullPath, "*.parquet")]);

        Assert.Equal(Paths("a.parquet", "b.parquet"), files);
    }

    [Fact]
    public void Expand_DoubleStarGlob_MatchesAcrossFolders()
    {
        IReadOnlyList<string> files = InteractionLogFiles.Expand([_folder.FullPath + "/**/part-?.parquet"]);

        Assert.Equal(Paths("2024/part-0.parquet", "2024/part-1.parquet"), files);
    }

    [Fact]
    public void Expand_TrailingDoubleStar_GivesParquetFilesBelow()
    {
        IReadOnlyList<string> files = InteractionLogFiles.Expand([_folder.FullPath + "/2024/**"]);

        Assert.Equal(Paths("2024/deep/x.parquet", "2024/part-0.parquet", "2024/part-1.parquet"), files);
    }

    [Fact]
    public void Expand_OverlappingInputs_GivesEachFileOnce()
    {
        string file = Path.Combine(_folder.FullPath, "a.parquet");

        IReadOnlyList<string> files = InteractionLogFiles.Expand([file, _folder.FullPath + "/*.parquet", file]);

        Assert.Equal(Paths("a.parquet", "b.parquet"), files);
    }

    [Fact]
    public void Expand_NamedFileOfOtherExtension_IsTaken()
    {
        IReadOnlyList<string> files = InteractionLogFiles.Expand([Path.Combine(_folder.FullPath, "notes.txt")]);

        Assert.Equal(Paths("notes.txt"), files);
    }

    [Theory]
    [InlineData("missing.parquet")]
    [InlineData("*.csv")]
    [InlineData("nowhere/*.parquet")]
    public void Expand_InputMatchingNothing_ThrowsNamingIt(string input)
    {
        string path = Path.Combine(_folder.FullPath, input);

        FileNotFoundException error = Assert.Throws<FileNotFoundException>(() => InteractionLogFiles.Expand([path]));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_FolderWithoutParquetFiles_ThrowsNamingIt()
    {
        string empty = _folder.Combine("empty", "placeholder.txt");
        File.WriteAllBytes(empty, []);
        string folder = Path.GetDirectoryName(empty)!;

        FileNotFoundException error = Assert.Throws<FileNotFoundException>(() => InteractionLogFiles.Expand([folder]));

        Assert.Contains($"'{folder}' contains no .parquet files", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expand_NoInputs_Throws()
    {
        Assert.Throws<ArgumentException>(() => InteractionLogFiles.Expand([]));
    }

    private string[] Paths(params string[] relative) =>
        [.. relative.Select(path => Path.GetFullPath(Path.Combine([_folder.FullPath, .. path.Split('/')])))];
}
