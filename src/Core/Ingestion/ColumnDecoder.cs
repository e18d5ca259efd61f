using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Parquet;
using Parquet.Schema;

namespace Recommender.Core.Ingestion;

/// <summary>
/// Reads one column chunk of a row group into the arrays of an <see cref="InteractionBatch"/>.
/// Columns are read with Parquet.Net's typed raw reader (values plus definition levels), then
/// nulls are spread in place, so a column costs one array of its own type and one conversion.
/// Most columns (text, integers, times) are read page by page by <see cref="ColumnChunkReader"/> where it can, so
/// equal text values share one string and pages leave no garbage; Parquet.Net reads the rest. Callers have checked with <see cref="ColumnResolver"/>
/// that the column's type fits its role.
/// </summary>
internal sealed class ColumnDecoder(ColumnChunkReader chunks, BatchArrays arrays)
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;
    private const long MicrosPerDay = 86_400_000_000;

    public async ValueTask<IdColumn> ReadIdsAsync(
        ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        Type type = field.ClrType;
        if (ColumnResolver.IsText(type))
        {
            string?[] ids = await chunks.TryReadTextAsync(rowGroup, field, count, cancellationToken).ConfigureAwait(false)
                ?? await ReadStringsAsync(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
            return IdColumn.FromStrings(ids);
        }

        if ((type == typeof(long) || type == typeof(int))
            && await chunks.TryReadIntegersAsync(rowGroup, field, count, cancellationToken).ConfigureAwait(false) is var (integers, missing))
        {
            return IdColumn.FromNumbers(integers, missing, type == typeof(int) ? ExternalIdType.Int32 : ExternalIdType.Int64);
        }

        if (type == typeof(long))
        {
            (long[] values, bool[]? isNull) = await ReadAsync<long>(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
            return IdColumn.FromNumbers(values, isNull);
        }

        if (type == typeof(ulong))
        {
            // Beyond long.MaxValue an unsigned id has no faithful long, so these ids travel as text.
            return IdColumn.FromStrings(ToText(await ReadAsync<ulong>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)));
        }

        if (type == typeof(Guid))
        {
            return IdColumn.FromStrings(ToText(await ReadAsync<Guid>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)));
        }

        return type switch
        {
            _ when type == typeof(int) => ToIds(await ReadAsync<int>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(short) => ToIds(await ReadAsync<short>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(sbyte) => ToIds(await ReadAsync<sbyte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(byte) => ToIds(await ReadAsync<byte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(ushort) => ToIds(await ReadAsync<ushort>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(uint) => ToIds(await ReadAsync<uint>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ => throw Unsupported(field, InteractionRole.User),
        };
    }

    public async ValueTask<float[]> ReadValuesAsync(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        Type type = field.ClrType;
        return type switch
        {
            _ when type == typeof(float) => ToFloats(await ReadAsync<float>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(double) => ToFloats(await ReadAsync<double>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(int) => ToFloats(await ReadAsync<int>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(long) => ToFloats(await ReadAsync<long>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(decimal) => ToFloats(await ReadAsync<decimal>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(short) => ToFloats(await ReadAsync<short>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(sbyte) => ToFloats(await ReadAsync<sbyte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(byte) => ToFloats(await ReadAsync<byte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(ushort) => ToFloats(await ReadAsync<ushort>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(uint) => ToFloats(await ReadAsync<uint>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(ulong) => ToFloats(await ReadAsync<ulong>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ => throw Unsupported(field, InteractionRole.Value),
        };
    }

    public async ValueTask<string?[]> ReadEventTypesAsync(
        ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        Type type = field.ClrType;
        if (ColumnResolver.IsText(type) && await chunks.TryReadTextAsync(rowGroup, field, count, cancellationToken).ConfigureAwait(false) is { } labels)
        {
            return labels;
        }

        return type switch
        {
            _ when type == typeof(ReadOnlyMemory<char>) => ToLabels(await ReadAsync<ReadOnlyMemory<char>>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(string) => await ReadStringsAsync(rowGroup, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(int) => ToCodes(await ReadAsync<int>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(long) => ToCodes(await ReadAsync<long>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(short) => ToCodes(await ReadAsync<short>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(sbyte) => ToCodes(await ReadAsync<sbyte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(byte) => ToCodes(await ReadAsync<byte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(ushort) => ToCodes(await ReadAsync<ushort>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(uint) => ToCodes(await ReadAsync<uint>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(ulong) => ToCodes(await ReadAsync<ulong>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ => throw Unsupported(field, InteractionRole.EventType),
        };
    }

    /// <summary>Reads event times as microseconds since the epoch; <paramref name="epochUnit"/> applies to integer columns only.</summary>
    public async ValueTask<long[]> ReadTimestampsAsync(
        ParquetRowGroupReader rowGroup, DataField field, int count, TimestampUnit epochUnit, CancellationToken cancellationToken)
    {
        Type type = field.ClrType;
        if (type == typeof(DateTime) && await chunks.TryReadTimesAsync(rowGroup, field, count, cancellationToken).ConfigureAwait(false) is var (micros, missing))
        {
            return WithMissingTimestamps(micros, missing);
        }

        if ((type == typeof(long) || type == typeof(int))
            && await chunks.TryReadIntegersAsync(rowGroup, field, count, cancellationToken).ConfigureAwait(false) is { } epoch)
        {
            return FromEpoch<long>(epoch, epochUnit, field);
        }

        if (type == typeof(DateTime))
        {
            // Parquet.Net returns TIMESTAMP (any unit), INT96 and DATE as DateTime whose ticks count from
            // 0001-01-01 in the file's own clock, whatever DateTimeKind it carries; nanoseconds are cut to ticks.
            (DateTime[] values, bool[]? isNull) = await ReadAsync<DateTime>(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
            return ToMicros(values, isNull, static value => EpochTimestamps.FloorDivide(value.Ticks - UnixEpochTicks, TimeSpan.TicksPerMicrosecond));
        }

        if (type == typeof(DateTimeOffset))
        {
            (DateTimeOffset[] values, bool[]? isNull) = await ReadAsync<DateTimeOffset>(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
            return ToMicros(values, isNull, static value => EpochTimestamps.FloorDivide(value.UtcTicks - UnixEpochTicks, TimeSpan.TicksPerMicrosecond));
        }

        if (type == typeof(DateOnly))
        {
            (DateOnly[] values, bool[]? isNull) = await ReadAsync<DateOnly>(rowGroup, field, count, cancellationToken).ConfigureAwait(false);
            int epochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
            return ToMicros(values, isNull, value => (value.DayNumber - epochDay) * MicrosPerDay);
        }

        return type switch
        {
            _ when type == typeof(long) => FromEpoch(await ReadAsync<long>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ when type == typeof(int) => FromEpoch(await ReadAsync<int>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ when type == typeof(uint) => FromEpoch(await ReadAsync<uint>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ when type == typeof(ulong) => FromEpoch(await ReadAsync<ulong>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ when type == typeof(short) => FromEpoch(await ReadAsync<short>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ when type == typeof(ushort) => FromEpoch(await ReadAsync<ushort>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ when type == typeof(sbyte) => FromEpoch(await ReadAsync<sbyte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ when type == typeof(byte) => FromEpoch(await ReadAsync<byte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false), epochUnit, field),
            _ => throw Unsupported(field, InteractionRole.Timestamp),
        };
    }

    /// <summary>The largest absolute value of an integer column in one row group, or null when every value is null.</summary>
    public async ValueTask<double?> ReadLargestMagnitudeAsync(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        Type type = field.ClrType;
        return type switch
        {
            _ when type == typeof(long) => LargestMagnitude(await ReadAsync<long>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(int) => LargestMagnitude(await ReadAsync<int>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(uint) => LargestMagnitude(await ReadAsync<uint>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(ulong) => LargestMagnitude(await ReadAsync<ulong>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(short) => LargestMagnitude(await ReadAsync<short>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(ushort) => LargestMagnitude(await ReadAsync<ushort>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(sbyte) => LargestMagnitude(await ReadAsync<sbyte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ when type == typeof(byte) => LargestMagnitude(await ReadAsync<byte>(rowGroup, field, count, cancellationToken).ConfigureAwait(false)),
            _ => throw Unsupported(field, InteractionRole.Timestamp),
        };
    }

    /// <summary>
    /// Reads a column of value type <typeparamref name="T"/> (which must be the field's CLR type).
    /// Optional columns come back packed with their definition levels; nulls are then spread in
    /// place from the back, leaving <c>default</c> in null rows and marking them in the mask.
    /// </summary>
    internal async ValueTask<(T[] Values, bool[]? IsNull)> ReadAsync<T>(
        ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        T[] values = arrays.Take<T>(count);
        if (field.MaxDefinitionLevel == 0)
        {
            await rowGroup.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return (values, null);
        }

        int[] levels = ArrayPool<int>.Shared.Rent(count);
        try
        {
            await rowGroup.ReadRawAsync(field, values.AsMemory(), levels.AsMemory(0, count), null, cancellationToken).ConfigureAwait(false);
            return (values, SpreadNulls(values, levels.AsSpan(0, count), field.MaxDefinitionLevel));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(levels);
        }
    }

    internal bool[]? SpreadNulls<T>(T[] values, ReadOnlySpan<int> levels, int presentLevel)
        where T : struct
    {
        int present = levels.Count(presentLevel);
        if (present == values.Length)
        {
            return null;
        }

        bool[] isNull = arrays.Take<bool>(values.Length);
        int next = present - 1;
        for (int row = values.Length - 1; row >= 0; row--)
        {
            if (levels[row] == presentLevel)
            {
                values[row] = values[next--];
            }
            else
            {
                values[row] = default;
                isNull[row] = true;
            }
        }

        return isNull;
    }

    private async ValueTask<string?[]> ReadStringsAsync(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        string?[] values = arrays.Take<string?>(count);
        await rowGroup.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        return values;
    }

    private IdColumn ToIds<T>((T[] Values, bool[]? IsNull) column)
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        T[] values = column.Values;
        long[] ids = arrays.Take<long>(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            ids[i] = long.CreateTruncating(values[i]);
        }

        // Types that fit 32 bits (int, short, byte and their unsigned kin up to ushort) give ids of that width.
        ExternalIdType type = long.CreateSaturating(T.MaxValue) <= int.MaxValue && long.CreateSaturating(T.MinValue) >= int.MinValue
            ? ExternalIdType.Int32
            : ExternalIdType.Int64;
        return IdColumn.FromNumbers(ids, column.IsNull, type);
    }

    private string?[] ToText<T>((T[] Values, bool[]? IsNull) column)
        where T : struct, IFormattable
    {
        (T[] values, bool[]? isNull) = column;
        string?[] text = arrays.Take<string?>(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            text[i] = isNull is not null && isNull[i] ? null : values[i].ToString(null, CultureInfo.InvariantCulture);
        }

        return text;
    }

    private string?[] ToLabels((ReadOnlyMemory<char>[] Values, bool[]? IsNull) column)
    {
        // A handful of event types repeat on every row: the text is decoded once per distinct label.
        (ReadOnlyMemory<char>[] values, bool[]? isNull) = column;
        string?[] labels = arrays.Take<string?>(values.Length);
        var known = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string>.AlternateLookup<ReadOnlySpan<char>> lookup = known.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int i = 0; i < values.Length; i++)
        {
            if (isNull is not null && isNull[i])
            {
                continue;
            }

            ReadOnlySpan<char> text = values[i].Span;
            if (!lookup.TryGetValue(text, out string? label))
            {
                label = text.ToString();
                known.Add(label);
            }

            labels[i] = label;
        }

        return labels;
    }

    private string?[] ToCodes<T>((T[] Values, bool[]? IsNull) column)
        where T : struct, IBinaryInteger<T>
    {
        // Event codes repeat on nearly every row: one string per distinct code, not per row.
        (T[] values, bool[]? isNull) = column;
        string?[] text = arrays.Take<string?>(values.Length);
        var known = new Dictionary<T, string>();
        for (int i = 0; i < values.Length; i++)
        {
            if (isNull is not null && isNull[i])
            {
                continue;
            }

            if (!known.TryGetValue(values[i], out string? code))
            {
                code = values[i].ToString(null, CultureInfo.InvariantCulture);
                known.Add(values[i], code);
            }

            text[i] = code;
        }

        return text;
    }

    private float[] ToFloats<T>((T[] Values, bool[]? IsNull) column)
        where T : struct, INumberBase<T>
    {
        (T[] values, bool[]? isNull) = column;
        float[] floats = values as float[] ?? arrays.Take<float>(values.Length);
        if (!ReferenceEquals(floats, values))
        {
            for (int i = 0; i < values.Length; i++)
            {
                floats[i] = float.CreateSaturating(values[i]);
            }
        }

        if (isNull is not null)
        {
            for (int i = 0; i < isNull.Length; i++)
            {
                if (isNull[i])
                {
                    floats[i] = float.NaN;
                }
            }
        }

        return floats;
    }

    private static long[] WithMissingTimestamps(long[] micros, bool[]? isNull)
    {
        if (isNull is not null)
        {
            for (int i = 0; i < micros.Length; i++)
            {
                if (isNull[i])
                {
                    micros[i] = InteractionBatch.MissingTimestamp;
                }
            }
        }

        return micros;
    }

    private long[] ToMicros<T>(T[] values, bool[]? isNull, Func<T, long> toMicros)
        where T : struct
    {
        long[] micros = arrays.Take<long>(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            micros[i] = isNull is not null && isNull[i] ? InteractionBatch.MissingTimestamp : toMicros(values[i]);
        }

        return micros;
    }

    private long[] FromEpoch<T>((T[] Values, bool[]? IsNull) column, TimestampUnit unit, DataField field)
        where T : struct, IBinaryInteger<T>
    {
        (T[] values, bool[]? isNull) = column;
        long[] micros = arrays.Take<long>(values.Length);
        long scale = EpochTimestamps.MicrosPerUnit(unit);
        long limit = scale > 1 ? long.MaxValue / scale : long.MaxValue;
        for (int i = 0; i < values.Length; i++)
        {
            if (isNull is not null && isNull[i])
            {
                micros[i] = InteractionBatch.MissingTimestamp;
                continue;
            }

            // Saturation turns an unsigned value beyond long.MaxValue into the limit, which is rejected too.
            long value = long.CreateSaturating(values[i]);
            if (value >= limit || value <= -limit)
            {
                throw new OverflowException(
                    $"the value {values[i]} in column '{field.Name}' does not fit a timestamp in {unit.ToString().ToLowerInvariant()}");
            }

            micros[i] = scale == 0 ? EpochTimestamps.FloorDivide(value, 1_000) : value * scale;
        }

        return micros;
    }

    private static double? LargestMagnitude<T>((T[] Values, bool[]? IsNull) column)
        where T : struct, IBinaryInteger<T>
    {
        (T[] values, bool[]? isNull) = column;
        double? largest = null;
        for (int i = 0; i < values.Length; i++)
        {
            if (isNull is null || !isNull[i])
            {
                double magnitude = Math.Abs(double.CreateTruncating(values[i]));
                largest = largest is null ? magnitude : Math.Max(largest.Value, magnitude);
            }
        }

        return largest;
    }

    private static UnreachableException Unsupported(DataField field, InteractionRole role) =>
        new($"Column '{field.Name}' of type {field.ClrType} was accepted as the {ColumnResolver.Describe(role)} but has no decoder.");
}
