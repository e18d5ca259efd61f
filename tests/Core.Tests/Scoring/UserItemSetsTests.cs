using Recommender.Core.Datasets;
using Recommender.Core.Scoring;

namespace Recommender.Core.Tests.Scoring;

public sealed class UserItemSetsTests
{
    [Fact]
    public void FromInteractions_UnsortedRowsWithDuplicates_GroupsSortedDistinctItemsPerUser()
    {
        var table = new InteractionTable([2, 0, 2, 2, 0], [5, 1, 3, 5, 1], new float[5], new long[5]);

        var sets = UserItemSets.FromInteractions(table, userCount: 4, itemCount: 6);

        Assert.Equal([1], sets.ItemsOf(0).ToArray());
        Assert.True(sets.ItemsOf(1).IsEmpty);
        Assert.Equal([3, 5], sets.ItemsOf(2).ToArray());
        Assert.True(sets.ItemsOf(3).IsEmpty);
        Assert.Equal(3, sets.PairCount);
    }

    [Fact]
    public void FromInteractions_TrainAndHeldOutTables_GroupsTheirUnionPerUser()
    {
        var train = new InteractionTable([1, 0, 1], [4, 2, 0], new float[3], new long[3]);
        var heldOut = new InteractionTable([1, 2, 0], [2, 3, 2], new float[3], new long[3]);

        var sets = UserItemSets.FromInteractions([train, heldOut], userCount: 3, itemCount: 5);

        Assert.Equal([2], sets.ItemsOf(0).ToArray());
        Assert.Equal([0, 2, 4], sets.ItemsOf(1).ToArray());
        Assert.Equal([3], sets.ItemsOf(2).ToArray());
        Assert.Equal(5, sets.PairCount);
    }

    [Fact]
    public void FromInteractions_ItemOutsideCatalog_ThrowsNamingTheRow()
    {
        var table = new InteractionTable([0, 1], [1, 9], new float[2], new long[2]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => UserItemSets.FromInteractions(table, 2, 5));

        Assert.Contains("Row 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ItemsOf_UserBeyondRange_IsEmpty()
    {
        var sets = UserItemSets.Empty(userCount: 2, itemCount: 3);

        Assert.True(sets.ItemsOf(7).IsEmpty);
        Assert.False(sets.Contains(7, 1));
    }
}
