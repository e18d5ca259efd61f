namespace Recommender.Infra.Tests.Tooling;

/// <summary>Just enough reading of ARM template expressions (<c>[func(arg, ...)]</c>) for the tests.</summary>
internal static class ArmExpression
{
    /// <summary>
    /// The top-level arguments of <paramref name="expression"/> when it is exactly one call of
    /// <paramref name="function"/>, e.g. <c>[guid(a, b(c, d), 'e')]</c> gives <c>a</c>, <c>b(c, d)</c>, <c>'e'</c>;
    /// null when it is anything else.
    /// </summary>
    public static IReadOnlyList<string>? CallArguments(string expression, string function)
    {
        string prefix = $"[{function}(";
        if (!expression.StartsWith(prefix, StringComparison.Ordinal) || !expression.EndsWith(")]", StringComparison.Ordinal))
        {
            return null;
        }

        string inner = expression[prefix.Length..^2];
        List<string> arguments = [];
        int depth = 0;
        int start = 0;
        bool inString = false;
        for (int i = 0; i < inner.Length; i++)
        {
            char c = inner[i];
            if (c == '\'')
            {
                inString = !inString; // '' inside a string toggles twice: still inside.
            }
            else if (!inString && c is '(' or '[')
            {
                depth++;
            }
            else if (!inString && c is ')' or ']')
            {
                depth--;
                if (depth < 0)
                {
                    return null; // The call closed before the end: not a single call.
                }
            }
            else if (!inString && depth == 0 && c == ',')
            {
                arguments.Add(inner[start..i].Trim());
                start = i + 1;
            }
        }

        arguments.Add(inner[start..].Trim());
        return arguments;
    }

    /// <summary>The expression inside brackets, e.g. <c>[parameters('x')]</c> gives <c>parameters('x')</c>.</summary>
    public static string Unwrap(string expression) =>
        expression.StartsWith('[') && expression.EndsWith(']') ? expression[1..^1] : expression;
}
