using System.Text.RegularExpressions;

namespace Recommender.Cli;

/// <summary>
/// Core's messages speak of "the column mapping" and of settings such as <c>Device=cpu</c>, which the Functions app
/// configures in settings; on the command line they are options, so the hints name the option to use.
/// </summary>
internal static partial class CliWording
{
    /// <summary>The option that names the column of each role, by the role's name in Core's messages.</summary>
    public static string OptionOf(string role) => role switch
    {
        "user id" => "--user-column",
        "item id" => "--item-column",
        "rating/weight" => "--value-column",
        "event type" => "--event-column",
        _ => "--time-column",
    };

    /// <summary><paramref name="message"/> with each hint about the column mapping naming the option instead.</summary>
    public static string ForOptions(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = DeviceSetting().Replace(message, match => $"--device {match.Groups["device"].Value}");
        if (!message.Contains("mapping", StringComparison.Ordinal))
        {
            return message;
        }

        message = AnotherColumn().Replace(message, match =>
        {
            string option = OptionOf(match.Groups["role"].Value);
            string rest = match.Groups["rest"].Value.Replace(", or an empty name to read the log without one", $", or {option} \"\" to read the log without one", StringComparison.Ordinal);
            return $"{match.Groups["role"].Value}{match.Groups["middle"].Value}(name another column with {option}{rest})";
        });
        message = NoColumn().Replace(message, match =>
            $"no {match.Groups["role"].Value} column: {match.Groups["middle"].Value}name it with {OptionOf(match.Groups["role"].Value)}");
        message = UsedAs().Replace(message, match =>
            $"but {OptionOf(match.Groups["role"].Value)} names it as the {match.Groups["role"].Value}");
        message = NamedButMissing().Replace(message, match =>
            $"{OptionOf(match.Groups["role"].Value)} names this column as the {match.Groups["role"].Value}, but");
        return message.Replace("the mapping uses this column for both", "the --…-column options use this column for both", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\bDevice=(?<device>cpu|cuda|auto)\b")]
    private static partial Regex DeviceSetting();

    [GeneratedRegex(@"(?<role>user id|item id|rating/weight|event type|timestamp)(?<middle>[^()]*?)\(name another column in the mapping(?<rest>[^)]*)\)")]
    private static partial Regex AnotherColumn();

    [GeneratedRegex(@"no (?<role>user id|item id|rating/weight|event type|timestamp) column: (?<middle>.*?)name it in the column mapping")]
    private static partial Regex NoColumn();

    [GeneratedRegex(@"but the mapping uses it as the (?<role>user id|item id|rating/weight|event type|timestamp)")]
    private static partial Regex UsedAs();

    [GeneratedRegex(@"the mapping names this column as the (?<role>user id|item id|rating/weight|event type|timestamp), but")]
    private static partial Regex NamedButMissing();
}
