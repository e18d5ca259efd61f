using System.Text;
using System.Text.RegularExpressions;

namespace Recommender.Core.Ingestion;

/// <summary>Turns the inputs a person gives (files, folders, globs) into the list of log files to read.</summary>
public static class InteractionLogFiles
{
    /// <summary>The extension of interaction logs found in folders and by <c>**</c>.</summary>
    public const string Extension = ".parquet";

    /// <summary>
    /// True when a log found by walking folders is left out: some segment of <paramref name="relativePath"/> (below the
    /// folder walked) starts with <c>.</c> or <c>_</c>. Those are hidden files and what Spark and Hadoop write next to
    /// their output: <c>_temporary/</c> while a job runs (half-written part files) and markers such as <c>_SUCCESS</c>.
    /// </summary>
    public static bool IsSkippedInWalk(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        foreach (string segment in relativePath.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment[0] is '.' or '_' && segment is not ("." or ".."))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Expands each input: a file is taken as it is; a folder gives every <c>*.parquet</c> under it, recursively;
    /// a glob matches files with <c>*</c> and <c>?</c> inside one path segment and <c>**</c> across folders
    /// (<c>logs/*.parquet</c>, <c>logs/**/part-*.parquet</c>; a trailing <c>**</c> means every <c>*.parquet</c> below).
    /// A folder, <c>**</c> or a wildcard leaves out what <see cref="IsSkippedInWalk"/> skips; a path named in full is read.
    /// </summary>
    /// <returns>Full paths, distinct, sorted ordinally so every run reads files in the same order.</returns>
    /// <exception cref="ArgumentException">No inputs were given, or one is blank.</exception>
    /// <exception cref="FileNotFoundException">An input matches no file; the message names it.</exception>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);

        var files = new SortedSet<string>(StringComparer.Ordinal);
        int count = 0;
        foreach (string input in inputs)
        {
            count++;
            if (string.IsNullOrWhiteSpace(input))
            {
                throw new ArgumentException("An interaction log input is empty.", nameof(inputs));
            }

            string[] matched = ExpandOne(input);
            if (matched.Length == 0)
            {
                throw new FileNotFoundException(
                    Directory.Exists(input)
                        ? $"The folder '{input}' contains no {Extension} files."
                        : $"No interaction log matches '{input}'.",
                    input);
            }

            files.UnionWith(matched);
        }

        if (count == 0)
        {
            throw new ArgumentException("No interaction log inputs were given.", nameof(inputs));
        }

        return [.. files];
    }

    private static string[] ExpandOne(string input)
    {
        if (input.IndexOfAny(['*', '?']) < 0)
        {
            if (File.Exists(input))
            {
                return [Path.GetFullPath(input)];
            }

            return Directory.Exists(input) ? ParquetFilesUnder(input) : [];
        }

        string[] segments = input.Split(['/', '\\']);
        int firstPattern = Array.FindIndex(segments, segment => segment.IndexOfAny(['*', '?']) >= 0);
        string root = string.Join(Path.DirectorySeparatorChar, segments[..firstPattern]);
        if (root.Length == 0 && firstPattern > 0)
        {
            root = Path.DirectorySeparatorChar.ToString(); // the input began at the file system root
        }
        else if (root.EndsWith(':'))
        {
            root += Path.DirectorySeparatorChar; // a Windows drive, not the drive's current folder
        }

        root = Path.GetFullPath(root.Length == 0 ? "." : root);
        if (!Directory.Exists(root))
        {
            return [];
        }

        string[] pattern = segments[firstPattern..];
        if (pattern is ["**"])
        {
            return ParquetFilesUnder(root);
        }

        Regex matcher = ToRegex(pattern);
        bool recursive = pattern.Length > 1;
        return
        [
            .. Directory.EnumerateFiles(root, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                .Select(file => Path.GetRelativePath(root, file).Replace('\\', '/'))
                .Where(relative => matcher.IsMatch(relative) && !IsSkippedInWalk(relative))
                .Select(relative => Path.GetFullPath(Path.Combine(root, relative))),
        ];
    }

    private static string[] ParquetFilesUnder(string folder) =>
    [
        .. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => file.EndsWith(Extension, StringComparison.OrdinalIgnoreCase) && !IsSkippedInWalk(Path.GetRelativePath(folder, file)))
            .Select(Path.GetFullPath),
    ];

    private static Regex ToRegex(string[] pattern)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            string segment = pattern[i];
            bool last = i == pattern.Length - 1;
            if (segment == "**")
            {
                regex.Append(last ? ".*" + Regex.Escape(Extension) : "(?:[^/]+/)*");
                continue;
            }

            foreach (char c in segment)
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }

            if (!last)
            {
                regex.Append('/');
            }
        }

        regex.Append('$');
        RegexOptions options = RegexOptions.CultureInvariant | (OperatingSystem.IsWindows() ? RegexOptions.IgnoreCase : RegexOptions.None);
        return new Regex(regex.ToString(), options);
    }
}
