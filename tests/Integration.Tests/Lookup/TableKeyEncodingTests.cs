using Recommender.Core.Lookup;

namespace Recommender.Integration.Tests.Lookup;

public sealed class TableKeyEncodingTests
{
    [Theory]
    [MemberData(nameof(LookupStoreContract.AwkwardUserIds), MemberType = typeof(LookupStoreContract))]
    public void Encode_AnyId_HasNoForbiddenCharactersAndFitsKeyLimit(string id)
    {
        string key = TableKeyEncoding.Encode(id);

        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        Assert.InRange(key.Length, 1, TableKeyEncoding.MaxReadableKeyLength);
    }

    [Theory]
    [InlineData("with/slash")]
    [InlineData("ünïcødé-用户-🙂")]
    [InlineData("tab\tand%\u0001")]
    [InlineData("")]
    public void Decode_ReadableKey_GivesBackTheId(string id)
    {
        Assert.Equal(id, TableKeyEncoding.Decode(TableKeyEncoding.Encode(id)));
    }

    [Fact]
    public void Encode_DifferentIds_GiveDifferentKeys()
    {
        Assert.NotEqual(TableKeyEncoding.Encode("a/b"), TableKeyEncoding.Encode("a%2Fb"));
        Assert.NotEqual(TableKeyEncoding.Encode(new string('x', 2000)), TableKeyEncoding.Encode(new string('x', 2001)));
    }
}
