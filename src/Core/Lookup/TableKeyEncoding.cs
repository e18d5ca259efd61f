using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Recommender.Core.Lookup;

/// <summary>
/// Turns any external id into a valid Azure Table key and back. Table keys forbid
/// <c>/ \ # ?</c> and control characters and are limited in size, while user ids are whatever
/// the product uses. Forbidden characters (and the escape character itself) are written as
/// <c>%XX</c> of their UTF-8 bytes; ids whose encoding would be too long become a SHA-256 key,
/// and the caller keeps the full id in a property to check it on read.
/// </summary>
public static class TableKeyEncoding
{
    /// <summary>Longest encoded key kept readable; longer ones are hashed.</summary>
    public const int MaxReadableKeyLength = 400;

    private const string HashedPrefix = "~h~";

    /// <summary>Encodes <paramref name="id"/> as a table key. Deterministic; never empty.</summary>
    public static string Encode(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var builder = new StringBuilder(id.Length + 8);
        builder.Append('k');
        Span<byte> bytes = stackalloc byte[4];
        foreach (Rune rune in id.EnumerateRunes())
        {
            if (NeedsEscape(rune))
            {
                int written = rune.EncodeToUtf8(bytes);
                for (int i = 0; i < written; i++)
                {
                    builder.Append('%').Append(bytes[i].ToString("X2", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        if (builder.Length <= MaxReadableKeyLength)
        {
            return builder.ToString();
        }

        return HashedPrefix + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
    }

    /// <summary>True when <paramref name="key"/> was hashed, so the id must be read from a property.</summary>
    public static bool IsHashed(string key) => key.StartsWith(HashedPrefix, StringComparison.Ordinal);

    /// <summary>Decodes a readable key back into the id; throws for hashed keys.</summary>
    public static string Decode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (IsHashed(key) || key.Length == 0 || key[0] != 'k')
        {
            throw new FormatException($"Table key '{key}' is not a readable encoded id.");
        }

        var bytes = new List<byte>(key.Length);
        for (int i = 1; i < key.Length; i++)
        {
            if (key[i] == '%' && i + 2 < key.Length)
            {
                bytes.Add(byte.Parse(key.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                int length = char.IsHighSurrogate(key[i]) && i + 1 < key.Length ? 2 : 1;
                bytes.AddRange(Encoding.UTF8.GetBytes(key.Substring(i, length)));
                i += length - 1;
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>A stable bucket in [0, <paramref name="buckets"/>) for spreading ids over partitions (FNV-1a of UTF-8).</summary>
    public static int Bucket(string id, int buckets)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(id))
        {
            hash = (hash ^ b) * 16777619;
        }

        return (int)(hash % (uint)buckets);
    }

    private static bool NeedsEscape(Rune rune) =>
        rune.Value is '/' or '\\' or '#' or '?' or '%' or '\t' or '\n' or '\r'
        || Rune.IsControl(rune)
        || rune.Value is >= 0x7F and <= 0x9F
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
}
