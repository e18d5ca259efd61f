using Parquet.Schema;
using Recommender.Core.Ingestion;

namespace Recommender.Core.Tests.Ingestion;

public sealed class ColumnResolverTests
{
    [Theory]
    [InlineData("user_id", "userid")]
    [InlineData("User-ID", "userid")]
    [InlineData("Customer ID", "customerid")]
    [InlineData("movieId", "movieid")]
    public void NormalizeName_Variant_RemovesSeparatorsAndCase(string name, string expected)
    {
        Assert.Equal(expected, ColumnResolver.NormalizeName(name));
    }

    [Theory]
    [InlineData("UserId", "ItemID")]
    [InlineData("USER-ID", "item-id")]
    [InlineData("customer_id", "product_id")]
    [InlineData("visitorid", "itemid")]
    [InlineData("uid", "iid")]
    [InlineData("reviewerID", "asin")]
    [InlineData("user", "article_id")]
    [InlineData("userId", "movieId")]
    public void Resolve_KnownNameVariants_DetectsUserAndItem(string userName, string itemName)
    {
        var schema = new ParquetSchema(new DataField<string>("noise"), new DataField<long>(itemName), new DataField<int>(userName));

        ResolvedColumns columns = ColumnResolver.Resolve(schema, ColumnMapping.AutoDetect, "log.parquet");

        Assert.Equal((userName, itemName), (columns.User.Field.Name, columns.Item.Field.Name));
        Assert.True(columns.User.Detected);
    }

    [Fact]
    public void Resolve_SeveralCandidateNames_PrefersTheMostSpecific()
    {
        var schema = new ParquetSchema(
            new DataField<int>("user"), new DataField<int>("user_id"), new DataField<int>("item"),
            new DataField<long>("date"), new DataField<long>("timestamp"), new DataField<string>("action"), new DataField<string>("event_type"));

        ResolvedColumns columns = ColumnResolver.Resolve(schema, ColumnMapping.AutoDetect, "log.parquet");

        Assert.Equal("user_id", columns.User.Field.Name);
        Assert.Equal("timestamp", columns.Timestamp!.Field.Name);
        Assert.Equal("event_type", columns.EventType!.Field.Name);
    }

    [Fact]
    public void Resolve_ExplicitNameInOtherCase_MatchesIgnoringCase()
    {
        var schema = new ParquetSchema(new DataField<int>("Person"), new DataField<int>("item_id"));

        ResolvedColumns columns = ColumnResolver.Resolve(schema, new ColumnMapping { UserColumn = "person" }, "log.parquet");

        Assert.Equal("Person", columns.User.Field.Name);
        Assert.False(columns.User.Detected);
    }

    [Fact]
    public void Resolve_ExplicitColumnAlsoNamedLikeAnotherRole_IsNotTakenTwice()
    {
        var schema = new ParquetSchema(new DataField<int>("user_id"), new DataField<int>("item"), new DataField<int>("item_id"));

        ResolvedColumns columns = ColumnResolver.Resolve(schema, new ColumnMapping { UserColumn = "item_id" }, "log.parquet");

        Assert.Equal(("item_id", "item"), (columns.User.Field.Name, columns.Item.Field.Name));
    }

    [Fact]
    public void Resolve_TheOnlyItemColumnMappedAsTheValue_SaysTheMappingTookIt()
    {
        var schema = new ParquetSchema(new DataField<int>("user_id"), new DataField<int>("item_id"), new DataField<int>("rating"));

        var error = Assert.Throws<InvalidInteractionLogException>(() => ColumnResolver.Resolve(schema, new ColumnMapping { ValueColumn = "item_id" }, "log.parquet"));

        Assert.Equal(
            "log.parquet: no item id column: item_id is named like one, but the mapping uses it as the rating/weight (name another column in the mapping)",
            error.Message);
    }

    [Fact]
    public void Resolve_NoOptionalColumns_LeavesThemNull()
    {
        var schema = new ParquetSchema(new DataField<int>("user_id"), new DataField<int>("item_id"));

        ResolvedColumns columns = ColumnResolver.Resolve(schema, ColumnMapping.AutoDetect, "log.parquet");

        Assert.Equal((null, null, null), (columns.Value, columns.EventType, columns.Timestamp));
    }
}
