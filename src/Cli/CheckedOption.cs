using System.CommandLine;
using System.CommandLine.Parsing;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Numerics;
using System.Reflection;

namespace Recommender.Cli;

/// <summary>
/// Options whose values are checked while the command line is parsed, before any work starts: a bad
/// value is a parse error naming the option, the allowed values and what was given (exit code 2).
/// Ranges come from the <see cref="RangeAttribute"/> of the setting an option fills, so the command
/// line and the settings classes accept the same values.
/// </summary>
internal static class CheckedOption
{
    /// <summary>A number in [<paramref name="minimum"/>, <paramref name="maximum"/>] (finite, for floating point).</summary>
    public static Option<T?> Number<T>(string name, string description, T minimum, T maximum, bool minimumIsExclusive = false, bool maximumIsExclusive = false)
        where T : struct, INumber<T>, IMinMaxValue<T> => new(name)
        {
            Description = description,
            CustomParser = result => ParseNumber(name, result, minimum, maximum, minimumIsExclusive, maximumIsExclusive),
        };

    /// <summary>A number in the range of <typeparamref name="TSettings"/>'s property <paramref name="property"/>.</summary>
    public static Option<T?> Number<T, TSettings>(string name, string description, string property)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        RangeAttribute range = RangeOf<TSettings>(property);
        return Number(name, description, Bound<T>(range.Minimum), Bound<T>(range.Maximum), range.MinimumIsExclusive, range.MaximumIsExclusive);
    }

    /// <summary>A number in the range of <typeparamref name="TSettings"/>'s property <paramref name="property"/>, <paramref name="defaultValue"/> when absent.</summary>
    public static Option<T> Number<T, TSettings>(string name, string description, string property, T defaultValue)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        RangeAttribute range = RangeOf<TSettings>(property);
        return new Option<T>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => ParseNumber(name, result, Bound<T>(range.Minimum), Bound<T>(range.Maximum), range.MinimumIsExclusive, range.MaximumIsExclusive) ?? defaultValue,
        };
    }

    private static T? ParseNumber<T>(string name, ArgumentResult result, T minimum, T maximum, bool minimumIsExclusive, bool maximumIsExclusive)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        // 1/2 is 0 in integer types only.
        bool whole = T.IsZero(T.One / (T.One + T.One));
        string text = string.Join(' ', result.Tokens.Select(token => token.Value));
        NumberStyles styles = whole ? NumberStyles.Integer : NumberStyles.Float;
        if (!T.TryParse(text, styles, CultureInfo.InvariantCulture, out T value) || !T.IsFinite(value))
        {
            result.AddError($"{name} expects {(whole ? "a whole number" : "a finite number")}; got '{text}'.");
            return null;
        }

        bool tooSmall = minimumIsExclusive ? value <= minimum : value < minimum;
        bool tooLarge = maximumIsExclusive ? value >= maximum : value > maximum;
        if (tooSmall || tooLarge)
        {
            result.AddError($"{name} must be {Describe(minimum, maximum, minimumIsExclusive, maximumIsExclusive)}; got {text}.");
            return null;
        }

        return value;
    }

    private static RangeAttribute RangeOf<TSettings>(string property) =>
        typeof(TSettings).GetProperty(property)?.GetCustomAttribute<RangeAttribute>()
            ?? throw new InvalidOperationException($"{typeof(TSettings).Name}.{property} has no [Range].");

    /// <summary>One of <typeparamref name="TEnum"/>'s names but <paramref name="excluded"/>, in any case (numbers are refused).</summary>
    public static Option<TEnum?> Choice<TEnum>(string name, string description, params TEnum[] excluded)
        where TEnum : struct, Enum => new(name)
        {
            Description = description,
            HelpName = string.Join('|', Allowed(excluded)),
            CustomParser = result => ParseChoice(name, result, excluded),
        };

    /// <summary>One of <typeparamref name="TEnum"/>'s names, <paramref name="defaultValue"/> when the option is absent.</summary>
    public static Option<TEnum> Choice<TEnum>(string name, string description, TEnum defaultValue)
        where TEnum : struct, Enum => new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result => ParseChoice<TEnum>(name, result) ?? defaultValue,
        };

    private static TEnum? ParseChoice<TEnum>(string name, ArgumentResult result, params TEnum[] excluded)
        where TEnum : struct, Enum
    {
        string text = string.Join(' ', result.Tokens.Select(token => token.Value));
        if (text.Length > 0 && !char.IsAsciiDigit(text[0]) && text[0] != '-'
            && Enum.TryParse(text, ignoreCase: true, out TEnum value) && Enum.IsDefined(value) && !excluded.Contains(value))
        {
            return value;
        }

        result.AddError($"{name} must be one of {string.Join(", ", Allowed(excluded))}; got '{text}'.");
        return null;
    }

    private static IEnumerable<string> Allowed<TEnum>(TEnum[] excluded)
        where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Where(value => !excluded.Contains(value)).Select(value => value.ToString());

    private static T Bound<T>(object bound)
        where T : struct, INumber<T>, IMinMaxValue<T> =>
        T.CreateSaturating(Convert.ToDouble(bound, CultureInfo.InvariantCulture));

    private static string Describe<T>(T minimum, T maximum, bool minimumIsExclusive, bool maximumIsExclusive)
        where T : struct, INumber<T>, IMinMaxValue<T>
    {
        string low = string.Create(CultureInfo.InvariantCulture, $"{minimum}");
        string high = string.Create(CultureInfo.InvariantCulture, $"{maximum}");
        bool unbounded = maximum == T.MaxValue;
        return (minimumIsExclusive, unbounded, maximumIsExclusive) switch
        {
            (false, true, _) => $"at least {low}",
            (true, true, _) => $"greater than {low}",
            (false, false, false) => $"from {low} to {high}",
            (true, false, true) => $"greater than {low} and less than {high}",
            (true, false, false) => $"greater than {low} and at most {high}",
            (false, false, true) => $"at least {low} and less than {high}",
        };
    }
}
