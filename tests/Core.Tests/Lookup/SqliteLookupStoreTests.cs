using Recommender.Core.Lookup;

namespace Recommender.Core.Tests.Lookup;

public sealed class SqliteLookupStoreTests : IDisposable
{
    private static readonly DateTimeOffset Generated = new DateTimeOffset(2024, 6, 1, 12, 30, 15, TimeSpan.Zero).AddTicks(1234567);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"lookup-{Guid.NewGuid():N}");
    private readonly SteppingClock _clock = new();
    private readonly SqliteLookupStore _store;

    public SqliteLookupStoreTests()
    {
        _store = new SqliteLookupStore(Path.Combine(_folder, "lookup.db"), _clock);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task GetAsync_PublishedVersion_ReturnsTheWrittenListExactly()
    {
        var written = new UserRecommendations("u1", ["i3", "i1", "i2"], [2.5f, -0.125f, float.Epsilon], "v1", Generated);
        await _store.WriteAsync("v1", [written]);
        await _store.PublishAsync("v1");

        var read = await _store.GetAsync("u1");

        Assert.NotNull(read);
        Assert.Equal(written.ItemIds, read.ItemIds);
        Assert.Equal(written.Scores, read.Scores);
        Assert.Equal("v1", read.Version);
        Assert.Equal(Generated, read.GeneratedAt);
    }

    [Fact]
    public async Task GetAsync_FileThatIsNotADatabase_ThrowsNamingTheFileAndLeavesItAsItIs()
    {
        string path = Path.Combine(_folder, "damaged.db");
        byte[] content = [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 31))];
        await File.WriteAllBytesAsync(path, content);
        using var store = new SqliteLookupStore(path);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.GetAsync("u1"));

        Assert.Contains($"The lookup table '{path}' is not a readable SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task GetAsync_BeforePublish_ReturnsNullUnlessTheVersionIsNamed()
    {
        await _store.WriteAsync("v1", [List("u1", "v1", 2)]);

        Assert.Null(await _store.GetActiveVersionAsync());
        Assert.Null(await _store.GetAsync("u1"));
        Assert.Equal("v1", (await _store.GetAsync("u1", "v1"))?.Version);
        Assert.Null(await _store.GetAsync("someone-else", "v1"));
    }

    [Fact]
    public async Task PublishAsync_SecondVersion_ReturnsTheOneItReplaced()
    {
        await _store.WriteAsync("v1", [List("u", "v1", 1)]);
        await _store.WriteAsync("v2", [List("u", "v2", 1)]);

        string? first = await _store.PublishAsync("v1");
        string? second = await _store.PublishAsync("v2");

        Assert.Null(first);
        Assert.Equal("v1", second);
        Assert.Equal("v2", await _store.GetActiveVersionAsync());
        Assert.Equal("v2", (await _store.GetAsync("u"))?.Version);
    }

    [Fact]
    public async Task PublishAsync_UnknownVersion_ThrowsNamingIt()
    {
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => _store.PublishAsync("never-written"));

        Assert.Contains("never-written", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_WhileAReaderHammersGetAsync_EveryReadIsOneWholeVersion()
    {
        const int users = 300;
        await WriteVersionAsync("A", users, length: 5, batchSize: 100);
        await _store.PublishAsync("A");
        int publishStarted = 0;
        int publishCompleted = 0;
        using var stop = new CancellationTokenSource();
        var violations = new List<string>();
        var seen = new HashSet<string>();
        int readsOfA = 0;
        int readsOfB = 0;

        async Task ReadLoopAsync(int offset)
        {
            for (int read = offset; !stop.IsCancellationRequested; read++)
            {
                string user = $"user-{read % users}";
                bool completedBefore = Volatile.Read(ref publishCompleted) == 1;
                var list = await _store.GetAsync(user);
                bool startedAfter = Volatile.Read(ref publishStarted) == 1;
                string? problem = list switch
                {
                    null => $"{user}: no list",
                    _ when list.ItemIds.Count != (list.Version == "A" ? 5 : 7) => $"{user}: {list.ItemIds.Count} items in {list.Version}",
                    _ when list.ItemIds.Any(item => !item.StartsWith(list.Version + ":" + user + ":", StringComparison.Ordinal)) => $"{user}: items of another version or user in {list.Version}",
                    _ when list.Version == "B" && !startedAfter => $"{user}: B visible before publish",
                    _ when list.Version == "A" && completedBefore => $"{user}: A visible after publish",
                    _ => null,
                };
                Interlocked.Increment(ref list?.Version == "B" ? ref readsOfB : ref readsOfA);
                lock (violations)
                {
                    seen.Add(list?.Version ?? "none");
                    if (problem is not null)
                    {
                        violations.Add(problem);
                    }
                }
            }
        }

        var readers = new[] { Task.Run(() => ReadLoopAsync(0)), Task.Run(() => ReadLoopAsync(users / 2)) };
        await WaitUntilAsync(() => Volatile.Read(ref readsOfA) >= 50);
        await WriteVersionAsync("B", users, length: 7, batchSize: 25);
        Volatile.Write(ref publishStarted, 1);
        await _store.PublishAsync("B");
        Volatile.Write(ref publishCompleted, 1);
        await WaitUntilAsync(() => Volatile.Read(ref readsOfB) >= 50);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Empty(violations);
        Assert.Equal(["A", "B"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_ActiveVersion_ThrowsSoPublishedListsNeverChange()
    {
        await _store.WriteAsync("v1", [List("u", "v1", 1)]);
        await _store.PublishAsync("v1");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _store.WriteAsync("v1", [List("u", "v1", 2)]));

        Assert.Contains("v1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_SameUserTwice_ReplacesTheListAndCountsTheUserOnce()
    {
        await _store.WriteAsync("v1", [List("u", "v1", 1), List("w", "v1", 1)]);
        await _store.WriteAsync("v1", [List("u", "v1", 3)]);

        var versions = await _store.ListVersionsAsync();

        Assert.Equal(2, Assert.Single(versions).UserCount);
        Assert.Equal(3, (await _store.GetAsync("u", "v1"))?.ItemIds.Count);
    }

    [Fact]
    public async Task ListVersionsAsync_SeveralVersions_NewestFirstWithActiveAndPublishedFlags()
    {
        await _store.WriteAsync("v1", [List("u", "v1", 1)]);
        await _store.WriteAsync("v2", [List("u", "v2", 1), List("w", "v2", 1)]);
        await _store.WriteAsync("v3", [List("u", "v3", 1)]);
        await _store.PublishAsync("v1");
        await _store.PublishAsync("v2");

        var versions = await _store.ListVersionsAsync();

        Assert.Equal(["v3", "v2", "v1"], versions.Select(version => version.Version));
        Assert.Equal([false, true, false], versions.Select(version => version.IsActive));
        Assert.Equal([false, true, true], versions.Select(version => version.IsPublished));
        Assert.Equal([1L, 2L, 1L], versions.Select(version => version.UserCount));
        Assert.True(versions[0].CreatedAt > versions[1].CreatedAt);
    }

    [Fact]
    public async Task DeleteVersionAsync_InactiveVersion_RemovesItsRows()
    {
        await _store.WriteAsync("v1", [List("u", "v1", 1)]);
        await _store.WriteAsync("v2", [List("u", "v2", 1)]);
        await _store.PublishAsync("v2");

        await _store.DeleteVersionAsync("v1");

        Assert.Equal(["v2"], (await _store.ListVersionsAsync()).Select(version => version.Version));
        Assert.Null(await _store.GetAsync("u", "v1"));
    }

    [Fact]
    public async Task DeleteVersionAsync_ActiveVersion_ThrowsAndKeepsIt()
    {
        await _store.WriteAsync("v1", [List("u", "v1", 1)]);
        await _store.PublishAsync("v1");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _store.DeleteVersionAsync("v1"));

        Assert.Contains("active", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await _store.GetAsync("u"));
    }

    [Fact]
    public async Task ReadAllAsync_Version_StreamsEveryUserInOrdinalOrder()
    {
        await _store.WriteAsync("v1", [List("b", "v1", 1), List("a", "v1", 2), List("B", "v1", 1)]);

        var all = await _store.ReadAllAsync("v1").ToListAsync();

        Assert.Equal(["B", "a", "b"], all.Select(list => list.UserId));
        Assert.All(all, list => Assert.Equal("v1", list.Version));
    }

    [Fact]
    public async Task ReadAllAsync_UnknownVersion_Throws()
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(async () => await _store.ReadAllAsync("nope").ToListAsync());
    }

    [Theory]
    [InlineData("caf\u00e9")]
    [InlineData("cafe\u0301")]
    [InlineData("用户-42")]
    [InlineData("משתמש")]
    [InlineData("👩‍👩‍👧‍👦")]
    [InlineData("with\0nul")]
    [InlineData("  spaced  ")]
    [InlineData("")]
    public async Task GetAsync_UnicodeUserAndItemIds_RoundTripExactly(string userId)
    {
        var written = new UserRecommendations(userId, [userId + "-item", "𝔘𝔫𝔦"], [1f, 0.5f], "v1", Generated);
        await _store.WriteAsync("v1", [written, List("caf\u00e9-other", "v1", 1)]);
        await _store.PublishAsync("v1");

        var read = await _store.GetAsync(userId);
        var exported = await _store.ReadAllAsync("v1").ToListAsync();

        Assert.NotNull(read);
        Assert.Equal(userId, read.UserId);
        Assert.Equal(written.ItemIds, read.ItemIds);
        Assert.Contains(exported, list => string.Equals(list.UserId, userId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_PrecomposedAndDecomposedIds_AreDifferentUsers()
    {
        await _store.WriteAsync("v1", [List("caf\u00e9", "v1", 1), List("cafe\u0301", "v1", 2)]);
        await _store.PublishAsync("v1");

        Assert.Equal(1, (await _store.GetAsync("caf\u00e9"))?.ItemIds.Count);
        Assert.Equal(2, (await _store.GetAsync("cafe\u0301"))?.ItemIds.Count);
    }

    [Fact]
    public async Task WriteAsync_UnpairedSurrogateInUserId_IsRejectedNotAltered()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => _store.WriteAsync("v1", [List("bad\ud800", "v1", 1)]));

        Assert.Contains("Unicode", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the readers");
            await Task.Delay(5);
        }
    }

    private static UserRecommendations List(string user, string version, int length) =>
        new(user, Enumerable.Range(0, length).Select(rank => $"{version}:{user}:{rank}").ToArray(), Enumerable.Range(0, length).Select(rank => (float)-rank).ToArray(), version, Generated);

    private async Task WriteVersionAsync(string version, int users, int length, int batchSize)
    {
        for (int start = 0; start < users; start += batchSize)
        {
            var batch = Enumerable.Range(start, Math.Min(batchSize, users - start)).Select(user => List($"user-{user}", version, length)).ToArray();
            await _store.WriteAsync(version, batch);
        }
    }

    /// <summary>A clock that advances one second per reading, so creation order is unambiguous.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }
}
