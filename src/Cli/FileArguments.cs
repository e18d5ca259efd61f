using System.Text;

namespace Recommender.Cli;

/// <summary>Checks of the files a command reads or writes, made before any work so the message names the option and the file.</summary>
internal static class FileArguments
{
    private static readonly byte[] ParquetMagic = "PAR1"u8.ToArray();

    /// <summary>Throws unless <paramref name="path"/>, given as <paramref name="option"/>, is a Parquet file (PAR1 at both ends).</summary>
    public static void RequireParquet(string path, string option)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{option} {path} is a folder; name a Parquet file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{option} {path}: no such file.", path);
        }

        using FileStream stream = File.OpenRead(path);
        var head = new byte[Math.Min(stream.Length, 16)];
        stream.ReadExactly(head);
        var tail = new byte[4];
        bool hasTail = stream.Length >= 12;
        if (hasTail)
        {
            stream.Seek(-4, SeekOrigin.End);
            stream.ReadExactly(tail);
        }

        if (head.Length < 4 || !head.AsSpan(0, 4).SequenceEqual(ParquetMagic))
        {
            throw new InvalidDataException($"{option} {path} is not a Parquet file ({Describe(head, stream.Length)}).");
        }

        if (!hasTail || !tail.AsSpan().SequenceEqual(ParquetMagic))
        {
            throw new InvalidDataException($"{option} {path} is truncated or damaged: it starts as Parquet but does not end with the PAR1 footer ({stream.Length} bytes).");
        }
    }

    /// <summary>Throws an input error when the file <paramref name="full"/> (given as <paramref name="path"/> to <paramref name="option"/>) exists and <paramref name="force"/> is not set.</summary>
    public static void RefuseOverwrite(string full, string path, string option, bool force)
    {
        if (File.Exists(full) && !force)
        {
            throw new ArgumentException($"{option} {path} exists; pass --force to overwrite it, or name another file.");
        }
    }

    /// <summary>Throws unless <paramref name="path"/>, given as <paramref name="option"/>, can be written as a file: not a folder, in a folder that exists.</summary>
    public static string RequireWritableFile(string path, string option)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full) || path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar))
        {
            throw new ArgumentException($"{option} {path} is a folder; name the file to write, e.g. {Path.Combine(path, "recs.parquet")}.");
        }

        string? folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{option} {path}: the folder {folder} does not exist.");
        }

        return full;
    }

    private static string Describe(byte[] head, long length)
    {
        if (length == 0)
        {
            return "it is empty";
        }

        bool text = head.All(b => b is >= 0x20 and < 0x7f or (byte)'\n' or (byte)'\r' or (byte)'\t');
        return text
            ? $"it starts with \"{Encoding.ASCII.GetString(head).ReplaceLineEndings("\\n")}\": text, not the PAR1 magic bytes"
            : "it does not start with the PAR1 magic bytes";
    }
}
