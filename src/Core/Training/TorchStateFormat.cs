using System.Text;
using Recommender.Core.Models;
using static TorchSharp.torch;

namespace Recommender.Core.Training;

/// <summary>
/// Checks TorchSharp's own tensor serialization (what <c>Module.save</c> and the optimizers'
/// <c>save_state_dict</c> write) against the tensors a model is known to have, before TorchSharp
/// reads it. TorchSharp allocates from the shape lengths and strings it reads, so a crafted or
/// corrupted file is walked here first: every header must name an expected tensor with the expected
/// element type and shape, and every byte must be accounted for.
/// </summary>
internal static class TorchStateFormat
{
    private const int MaxNameBytes = 1024;
    private const int MaxDimensions = 8;

    /// <summary>Bytes of element data a tensor of this shape holds.</summary>
    public static long DataBytes(ScalarType elementType, IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (long size in shape)
        {
            count = checked(count * size);
        }

        return checked(count * ElementSize(elementType));
    }

    /// <summary>
    /// Walks a module state section of exactly <paramref name="length"/> bytes: an entry count, then per
    /// entry a name and a tensor. Each expected tensor must appear once; nothing else may.
    /// </summary>
    public static void ValidateModuleState(BinaryReader reader, long length, IReadOnlyList<TensorShape> expected, string path)
    {
        long end = reader.BaseStream.Position + length;
        long count = ReadLeb128(reader, end, path);
        if (count != expected.Count)
        {
            throw Invalid(path, $"the model state has {count} tensors where {expected.Count} were expected");
        }

        var byName = expected.ToDictionary(shape => shape.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            string name = ReadName(reader, end, path);
            if (!byName.TryGetValue(name, out TensorShape? shape) || !seen.Add(name))
            {
                throw Invalid(path, $"the model state holds an unexpected or repeated tensor '{name}'");
            }

            SkipTensor(reader, end, shape, path);
        }

        ExpectEnd(reader, end, path);
    }

    /// <summary>
    /// Walks an Adam optimizer section of exactly <paramref name="length"/> bytes: the optimizer name,
    /// group and state counts, <paramref name="optionsLength"/> bytes of group options, then per parameter
    /// its step count, first and second moments (shaped like the parameter) and no AMSGrad maximum.
    /// </summary>
    public static void ValidateAdamState(BinaryReader reader, long length, string optimizerName, IReadOnlyList<TensorShape> parameters, long optionsLength, string path)
    {
        long end = reader.BaseStream.Position + length;
        string name = ReadName(reader, end, path);
        if (name != optimizerName)
        {
            throw Invalid(path, $"the optimizer state is for '{name}', not '{optimizerName}'");
        }

        if (ReadLeb128(reader, end, path) != 1 || ReadLeb128(reader, end, path) != parameters.Count)
        {
            throw Invalid(path, $"the optimizer state does not hold one parameter group of {parameters.Count} parameters");
        }

        Skip(reader, end, optionsLength, path);
        foreach (TensorShape parameter in parameters)
        {
            Skip(reader, end, sizeof(long), path);
            SkipTensor(reader, end, parameter, path);
            SkipTensor(reader, end, parameter, path);
            Require(reader, end, 1, path);
            if (reader.ReadByte() != 0)
            {
                throw Invalid(path, $"the optimizer state of '{parameter.Name}' has an AMSGrad maximum this optimizer does not use");
            }
        }

        ExpectEnd(reader, end, path);
    }

    private static void SkipTensor(BinaryReader reader, long end, TensorShape expected, string path)
    {
        long elementType = ReadLeb128(reader, end, path);
        if (!Enum.TryParse(expected.ElementType, out ScalarType expectedType) || elementType != (long)expectedType)
        {
            throw Invalid(path, $"tensor '{expected.Name}' has element type {elementType}, expected {expected.ElementType}");
        }

        long dimensions = ReadLeb128(reader, end, path);
        if (dimensions != expected.Shape.Count || dimensions > MaxDimensions)
        {
            throw Invalid(path, $"tensor '{expected.Name}' has {dimensions} dimensions, expected {expected.Shape.Count}");
        }

        for (int i = 0; i < dimensions; i++)
        {
            long size = ReadLeb128(reader, end, path);
            if (size != expected.Shape[i])
            {
                throw Invalid(path, $"tensor '{expected.Name}' has size {size} in dimension {i}, expected {expected.Shape[i]}");
            }
        }

        Skip(reader, end, DataBytes(expectedType, expected.Shape), path);
    }

    private static string ReadName(BinaryReader reader, long end, string path)
    {
        int byteCount = 0;
        for (int shift = 0; ; shift += 7)
        {
            Require(reader, end, 1, path);
            byte next = reader.ReadByte();
            byteCount |= (next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                break;
            }

            if (shift >= 14)
            {
                throw Invalid(path, "a tensor name is longer than allowed");
            }
        }

        if (byteCount is < 0 or > MaxNameBytes)
        {
            throw Invalid(path, "a tensor name is longer than allowed");
        }

        Require(reader, end, byteCount, path);
        try
        {
            return new UTF8Encoding(false, true).GetString(reader.ReadBytes(byteCount));
        }
        catch (DecoderFallbackException ex)
        {
            throw Invalid(path, "a tensor name is not valid UTF-8", ex);
        }
    }

    private static long ReadLeb128(BinaryReader reader, long end, string path)
    {
        long value = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            Require(reader, end, 1, path);
            byte next = reader.ReadByte();
            value |= (long)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }

        throw Invalid(path, "a length field is malformed");
    }

    private static void Skip(BinaryReader reader, long end, long count, string path)
    {
        Require(reader, end, count, path);
        reader.BaseStream.Seek(count, SeekOrigin.Current);
    }

    private static void Require(BinaryReader reader, long end, long count, string path)
    {
        if (count < 0 || reader.BaseStream.Position + count > end)
        {
            throw Invalid(path, "it ends before the state it describes");
        }
    }

    private static void ExpectEnd(BinaryReader reader, long end, string path)
    {
        if (reader.BaseStream.Position != end)
        {
            throw Invalid(path, "it holds bytes after the state it describes");
        }
    }

    private static long ElementSize(ScalarType elementType) => elementType switch
    {
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"Tensors of {elementType} are not used by the models."),
    };

    private static InvalidModelArtifactException Invalid(string path, string reason, Exception? inner = null) => new(path, reason, inner);
}
