using Recommender.Core.Lookup;

namespace Recommender.Integration.Tests.Lookup;

/// <summary>What every lookup store must do, run against each implementation.</summary>
public abstract class LookupStoreContract
{
    private static readonly DateTimeOffset Generated = new(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> AwkwardUserIds() =>
    [
        "plain-user",
        "with/slash",
        "back\\slash",
        "hash#tag",
        "what?",
        "per%cent",
        "tab\tand\nnewline\u0001control",
        "ünïcødé-用户-🙂",
        new string('x', 2_000),
        "",
    ];

    protected abstract Task<ILookupStore> CreateStoreAsync();

    [Theory]
    [MemberData(nameof(AwkwardUserIds))]
    public async Task GetAsync_AnyExternalUserId_RoundTrips(string userId)
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List(userId, "v1", "i1", "i/2", "i#3")]);
        await store.PublishAsync("v1");

        UserRecommendations? read = await store.GetAsync(userId);

        Assert.NotNull(read);
        Assert.Equal(userId, read.UserId);
        Assert.Equal(["i1", "i/2", "i#3"], read.ItemIds);
        Assert.Equal([3f, 2f, 1f], read.Scores);
        Assert.Equal("v1", read.Version);
    }

    [Fact]
    public async Task GetAsync_BeforeAnyPublish_ReturnsNull()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);

        Assert.Null(await store.GetActiveVersionAsync());
        Assert.Null(await store.GetAsync("u1"));
        Assert.NotNull(await store.GetAsync("u1", "v1"));
    }

    [Fact]
    public async Task PublishAsync_SecondVersion_ReturnsPreviousAndSwitchesReads()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);
        await store.PublishAsync("v1");
        await store.WriteAsync("v2", [List("u1", "v2", "b")]);

        string? previous = await store.PublishAsync("v2");

        Assert.Equal("v1", previous);
        Assert.Equal("v2", await store.GetActiveVersionAsync());
        Assert.Equal(["b"], (await store.GetAsync("u1"))!.ItemIds);
    }

    [Fact]
    public async Task GetFallbackAsync_PublishedVersionWithFallback_ReturnsItForThatVersionOnly()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);
        await store.WriteFallbackAsync("v1", List("*", "v1", "top1", "top2"));
        await store.PublishAsync("v1");
        await store.WriteAsync("v2", [List("u1", "v2", "b")]);

        UserRecommendations? fallback = await store.GetFallbackAsync();

        Assert.NotNull(fallback);
        Assert.Equal(["top1", "top2"], fallback.ItemIds);
        Assert.Equal("v1", fallback.Version);
        Assert.Null(await store.GetFallbackAsync("v2"));
    }

    [Fact]
    public async Task DeleteVersionAsync_ActiveVersion_ThrowsAndKeepsIt()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);
        await store.PublishAsync("v1");

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.DeleteVersionAsync("v1"));

        Assert.NotNull(await store.GetAsync("u1"));
    }

    [Fact]
    public async Task WriteAsync_ActiveVersion_ThrowsAndKeepsItsLists()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);
        await store.PublishAsync("v1");

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync("v1", [List("u1", "v1", "changed")]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteFallbackAsync("v1", List("*", "v1", "changed")));

        Assert.Equal(["a"], (await store.GetAsync("u1"))!.ItemIds);
        Assert.Null(await store.GetFallbackAsync());
    }

    [Fact]
    public async Task PublishAsync_VersionWithoutUserLists_ThrowsKeyNotFoundAndKeepsTheActiveOne()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);
        await store.PublishAsync("v1");
        await store.WriteFallbackAsync("only-fallback", List("*", "only-fallback", "top"));

        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.PublishAsync("never-written"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.PublishAsync("only-fallback"));

        Assert.Equal("v1", await store.GetActiveVersionAsync());
    }

    [Fact]
    public async Task ReadAllAsync_UnknownVersion_ThrowsKeyNotFound()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);

        await Assert.ThrowsAsync<KeyNotFoundException>(async () =>
        {
            await foreach (UserRecommendations list in store.ReadAllAsync("never-written"))
            {
                Assert.Fail($"read {list.UserId} of a version that does not exist");
            }
        });
    }

    [Fact]
    public async Task UnknownVersion_GetsNullAndDeleteDoesNothing()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);
        await store.PublishAsync("v1");

        await store.DeleteVersionAsync("never-written");

        Assert.Null(await store.GetAsync("u1", "never-written"));
        Assert.Null(await store.GetFallbackAsync("never-written"));
        Assert.Equal(["v1"], (await store.ListVersionsAsync()).Select(version => version.Version));
    }

    [Fact]
    public async Task ListVersionsAsync_AfterDeleteOfOldVersion_ListsOnlyRemainingWithActiveFlag()
    {
        ILookupStore store = await CreateStoreAsync();
        await store.WriteAsync("v1", [List("u1", "v1", "a")]);
        await store.PublishAsync("v1");
        await store.WriteAsync("v2", [List("u1", "v2", "b")]);
        await store.PublishAsync("v2");

        await store.DeleteVersionAsync("v1");
        IReadOnlyList<LookupVersion> versions = await store.ListVersionsAsync();

        LookupVersion only = Assert.Single(versions);
        Assert.Equal("v2", only.Version);
        Assert.True(only.IsActive);
        Assert.Null(await store.GetAsync("u1", "v1"));
    }

    [Fact]
    public async Task ReadAllAsync_Version_ReturnsEveryUserOnce()
    {
        ILookupStore store = await CreateStoreAsync();
        var lists = Enumerable.Range(0, 250).Select(u => List($"user-{u:D4}", "v1", $"item-{u}")).ToList();
        await store.WriteAsync("v1", lists);

        var read = new List<UserRecommendations>();
        await foreach (UserRecommendations list in store.ReadAllAsync("v1"))
        {
            read.Add(list);
        }

        Assert.Equal(lists.Select(l => l.UserId).Order(StringComparer.Ordinal), read.Select(l => l.UserId));
    }

    [Fact]
    public async Task PublishAsync_WhileReadersLoop_EveryReadIsOneWholeVersion()
    {
        ILookupStore store = await CreateStoreAsync();
        string[] users = Enumerable.Range(0, 120).Select(u => $"u{u}").ToArray();
        await store.WriteAsync("v1", users.Select(u => List(u, "v1", $"{u}-v1-a", $"{u}-v1-b")).ToList());
        await store.PublishAsync("v1");

        using var stop = new CancellationTokenSource();
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            int i = r;
            while (!stop.IsCancellationRequested)
            {
                string user = users[i++ % users.Length];
                UserRecommendations? list = await store.GetAsync(user);
                Assert.NotNull(list);
                string version = list.Version;
                Assert.All(list.ItemIds, item => Assert.StartsWith($"{user}-{version}-", item, StringComparison.Ordinal));
                Assert.Equal(2, list.ItemIds.Count);
                seen.Add(version);
            }
        })).ToArray();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!seen.Contains("v1"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the readers did not start");
            await Task.Delay(5);
        }

        for (int chunk = 0; chunk < users.Length; chunk += 30)
        {
            await store.WriteAsync("v2", users.Skip(chunk).Take(30).Select(u => List(u, "v2", $"{u}-v2-a", $"{u}-v2-b")).ToList());
        }

        await store.PublishAsync("v2");
        await Task.Delay(200);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Contains("v1", seen);
        Assert.Contains("v2", seen);
    }

    private static UserRecommendations List(string user, string version, params string[] items) =>
        new(user, items, items.Select((_, rank) => (float)(items.Length - rank)).ToArray(), version, Generated);
}
