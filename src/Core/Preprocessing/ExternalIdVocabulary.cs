using System.Globalization;
using System.Runtime.InteropServices;
using Recommender.Core.Ingestion;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// Gives every distinct external id a provisional dense code as rows stream in. Integer ids are keyed by
/// value, so encoding them allocates nothing; string ids that are the canonical text of an integer
/// ("42", not "042") share the integer's code, so a log with integer ids and one with string ids agree.
/// The final, order-independent numbering is made once all logs are read (<see cref="SortedExternalIds"/>).
/// </summary>
internal sealed class ExternalIdVocabulary
{
    /// <summary>Code of a row without an id.</summary>
    public const int Missing = -1;

    /// <summary>Code of an id that is empty or only whitespace.</summary>
    public const int Blank = -2;

    /// <summary>Code of an id longer than the maximum length.</summary>
    public const int TooLong = -3;

    /// <summary>Code of an id that contains control characters.</summary>
    public const int HasControlCharacters = -4;

    private readonly int _maxLength;
    private readonly Dictionary<long, int> _byNumber = [];
    private readonly Dictionary<string, int> _byText = new(StringComparer.Ordinal);
    private long[] _numbers = new long[1024];
    private string?[] _texts = new string?[1024];
    private int _count;

    public ExternalIdVocabulary(int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        _maxLength = maxLength;
    }

    /// <summary>Number of distinct ids seen so far (including ids of rows dropped later).</summary>
    public int Count => _count;

    /// <summary>
    /// Writes the code of every row of <paramref name="column"/> into <paramref name="codes"/>: a code of at least
    /// zero for a usable id, or one of the negative constants of this class.
    /// </summary>
    public void Encode(IdColumn column, Span<int> codes)
    {
        if (column.Numbers is { } numbers)
        {
            EncodeNumbers(numbers, column.IsNull, codes);
        }
        else
        {
            EncodeTexts(column.Strings!, codes);
        }
    }

    /// <summary>The external id of a provisional code, as text.</summary>
    public string ExternalIdOf(int code) =>
        _texts[code] ?? _numbers[code].ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The external ids of the codes marked in <paramref name="used"/> in ordinal order, and the final dense index of
    /// each provisional code (-1 for unused codes). Ordinal order makes the numbering independent of file and row order.
    /// </summary>
    public (string[] ExternalIds, int[] IndexOfCode) SortedExternalIds(ReadOnlySpan<bool> used)
    {
        int usedCount = 0;
        for (int code = 0; code < _count; code++)
        {
            if (used[code])
            {
                usedCount++;
            }
        }

        var externalIds = new string[usedCount];
        var codes = new int[usedCount];
        int next = 0;
        for (int code = 0; code < _count; code++)
        {
            if (used[code])
            {
                externalIds[next] = ExternalIdOf(code);
                codes[next] = code;
                next++;
            }
        }

        Array.Sort(externalIds, codes, StringComparer.Ordinal);
        var indexOfCode = new int[_count];
        Array.Fill(indexOfCode, -1);
        for (int index = 0; index < codes.Length; index++)
        {
            indexOfCode[codes[index]] = index;
        }

        return (externalIds, indexOfCode);
    }

    private void EncodeNumbers(long[] numbers, bool[]? isNull, Span<int> codes)
    {
        for (int row = 0; row < codes.Length; row++)
        {
            codes[row] = isNull is not null && isNull[row] ? Missing : CodeOfNumber(numbers[row]);
        }
    }

    private void EncodeTexts(string?[] texts, Span<int> codes)
    {
        // Readers give equal ids of a batch one shared string, and logs often hold a user's rows together:
        // a row whose id is the very string of the row before takes its code without a lookup.
        string? previous = null;
        int previousCode = Missing;
        for (int row = 0; row < codes.Length; row++)
        {
            string? text = texts[row];
            if (ReferenceEquals(text, previous))
            {
                codes[row] = previousCode;
                continue;
            }

            previous = text;
            if (text is null)
            {
                codes[row] = Missing;
            }
            else if (text.Length > _maxLength)
            {
                codes[row] = TooLong;
            }
            else if (_byText.TryGetValue(text, out int code))
            {
                codes[row] = code;
            }
            else
            {
                codes[row] = AddText(text);
            }

            previousCode = codes[row];
        }
    }

    private int CodeOfNumber(long number)
    {
        ref int code = ref CollectionsMarshal.GetValueRefOrAddDefault(_byNumber, number, out bool exists);
        if (!exists)
        {
            code = Append(number, null);
        }

        return code;
    }

    private int AddText(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Blank;
        }

        foreach (char character in text)
        {
            if (char.IsControl(character))
            {
                return HasControlCharacters;
            }
        }

        // The text of an integer shares the integer's code; remembering the text too makes the next lookup direct.
        int code = TryParseCanonicalInteger(text, out long number) ? CodeOfNumber(number) : Append(0, text);
        _byText.Add(text, code);
        return code;
    }

    private int Append(long number, string? text)
    {
        if (_count == _numbers.Length)
        {
            Array.Resize(ref _numbers, _count * 2);
            Array.Resize(ref _texts, _count * 2);
        }

        _numbers[_count] = number;
        _texts[_count] = text;
        return _count++;
    }

    private static bool TryParseCanonicalInteger(string text, out long number)
    {
        number = 0;
        if (text.Length > 20 || !(char.IsAsciiDigit(text[0]) || (text[0] == '-' && text.Length > 1)))
        {
            return false;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        Span<char> canonical = stackalloc char[20];
        return number.TryFormat(canonical, out int written, default, CultureInfo.InvariantCulture)
            && canonical[..written].SequenceEqual(text);
    }
}
