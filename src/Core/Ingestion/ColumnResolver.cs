using System.Collections.Frozen;
using Parquet.Schema;

namespace Recommender.Core.Ingestion;

/// <summary>A column chosen for a role, with the Parquet field used to read it.</summary>
internal sealed record ResolvedColumn(InteractionRole Role, DataField Field, string ParquetType, bool Detected)
{
    public InteractionLogColumn ToLogColumn() => new(Field.Name, ParquetType, Detected);
}

/// <summary>The columns chosen for every role of one interaction log.</summary>
internal sealed record ResolvedColumns(
    ResolvedColumn User,
    ResolvedColumn Item,
    ResolvedColumn? Value,
    ResolvedColumn? EventType,
    ResolvedColumn? Timestamp)
{
    /// <summary>Columns named like a role but not used for it (nested), each as "name (type): why".</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>
/// Maps the top-level columns of a Parquet schema to interaction roles: an explicit
/// <see cref="ColumnMapping"/> first, then detection by name, then a check that each column's
/// type can serve its role. Every failure names the file and the column (or lists the columns).
/// </summary>
internal static class ColumnResolver
{
    /// <summary>Names recognised per role, most specific first; compared after <see cref="NormalizeName"/>.</summary>
    internal static readonly FrozenDictionary<InteractionRole, string[]> KnownNames = new Dictionary<InteractionRole, string[]>
    {
        [InteractionRole.User] =
        [
            "user_id", "userId", "user", "uid", "customer_id", "customer", "visitorid", "visitor",
            "reviewer_id", "client_id", "member_id", "account_id", "viewer_id", "listener_id", "reader_id", "player_id",
        ],
        [InteractionRole.Item] =
        [
            "item_id", "itemId", "item", "movieId", "movie_id", "movie", "product_id", "productId", "product", "iid",
            "article_id", "article", "asin", "sku", "track_id", "song_id", "book_id", "isbn", "video_id", "content_id",
            "post_id", "document_id", "doc_id",
        ],
        [InteractionRole.Value] =
        [
            "rating", "weight", "score", "value", "quantity", "qty", "stars", "play_count", "plays", "count", "confidence", "reward",
        ],
        [InteractionRole.EventType] =
        [
            "event_type", "eventType", "event", "action", "interaction_type", "interaction", "event_name", "action_type", "behavior", "behaviour",
        ],
        [InteractionRole.Timestamp] =
        [
            "timestamp", "ts", "event_time", "event_timestamp", "time", "datetime", "created_at", "occurred_at",
            "unix_time", "unix_timestamp", "epoch", "date", "event_date",
        ],
    }.ToFrozenDictionary();

    private static readonly InteractionRole[] RoleOrder =
        [InteractionRole.User, InteractionRole.Item, InteractionRole.Value, InteractionRole.EventType, InteractionRole.Timestamp];

    /// <summary>Lower case without <c>_</c>, <c>-</c> and spaces, so <c>User_ID</c>, <c>userId</c> and <c>user-id</c> compare equal.</summary>
    internal static string NormalizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Create(name.Length - CountSeparators(name), name, static (span, source) =>
        {
            int next = 0;
            foreach (char c in source)
            {
                if (!IsSeparator(c))
                {
                    span[next++] = char.ToLowerInvariant(c);
                }
            }
        });
    }

    public static ResolvedColumns Resolve(ParquetSchema schema, ColumnMapping mapping, string source)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(mapping);

        IReadOnlyList<Field> fields = schema.Fields;
        var chosen = new Dictionary<InteractionRole, ResolvedColumn>();
        var used = new Dictionary<Field, InteractionRole>(ReferenceEqualityComparer.Instance);
        var skipped = new List<string>();

        // A column of the wrong type does not stop the others from being checked, so one message names every such column.
        var unusable = new List<InvalidInteractionLogException>();
        void CheckInto(Field field, InteractionRole role, bool detected)
        {
            try
            {
                chosen[role] = Check(field, role, detected, source);
            }
            catch (InvalidInteractionLogException ex)
            {
                unusable.Add(ex);
            }
        }

        // Explicit names first, so detection never takes a column the mapping gave to another role.
        foreach (InteractionRole role in RoleOrder)
        {
            string? name = ExplicitName(mapping, role);
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            Field field = FindExplicit(fields, name, role, source);
            if (used.TryGetValue(field, out InteractionRole other))
            {
                throw new InvalidInteractionLogException(source, field.Name,
                    $"the mapping uses this column for both the {Describe(other)} and the {Describe(role)}");
            }

            used[field] = role;
            CheckInto(field, role, detected: false);
        }

        foreach (InteractionRole role in RoleOrder)
        {
            if (chosen.ContainsKey(role) || ExplicitName(mapping, role) is not null)
            {
                continue;
            }

            Field? field = Detect(fields, role, used, source, skipped);
            if (field is not null)
            {
                used[field] = role;
                CheckInto(field, role, detected: true);
            }
        }

        if (unusable.Count > 0)
        {
            InvalidInteractionLogException first = unusable[0];
            string others = string.Concat(unusable.Skip(1).Select(other => $"; and column '{other.Field}': {other.Reason}"));
            throw new InvalidInteractionLogException(source, first.Field, first.Reason + others);
        }

        return new ResolvedColumns(
            chosen[InteractionRole.User],
            chosen[InteractionRole.Item],
            chosen.GetValueOrDefault(InteractionRole.Value),
            chosen.GetValueOrDefault(InteractionRole.EventType),
            chosen.GetValueOrDefault(InteractionRole.Timestamp))
        {
            Skipped = skipped,
        };
    }

    /// <summary>The Parquet type of a column as people who write Parquet know it.</summary>
    internal static string DescribeType(Field field)
    {
        switch (field.SchemaType)
        {
            case SchemaType.List:
                return "list";
            case SchemaType.Struct:
                return "struct";
            case SchemaType.Map:
                return "map";
        }

        var data = (DataField)field;
        string repeated = data.IsArray ? "repeated " : string.Empty;
        Parquet.Meta.SchemaElement? element = field.SchemaElement;
        if (element?.Type is null)
        {
            return repeated + data.ClrType.Name;
        }

        string physical = element.Type.Value.ToString();
        string? annotation = Annotation(data, element);
        return annotation is null ? repeated + physical : $"{repeated}{physical} {annotation}";
    }

    private static string? Annotation(DataField field, Parquet.Meta.SchemaElement element)
    {
        Parquet.Meta.LogicalType? logical = element.LogicalType;
        if (field is DateTimeDataField { DateTimeFormat: DateTimeFormat.Timestamp } timestamp)
        {
            return $"TIMESTAMP({timestamp.Unit.ToString().ToUpperInvariant()})";
        }

        if (logical?.DECIMAL is not null || element.ConvertedType == Parquet.Meta.ConvertedType.DECIMAL)
        {
            return $"DECIMAL({element.Precision ?? logical?.DECIMAL?.Precision},{element.Scale ?? logical?.DECIMAL?.Scale})";
        }

        if (logical?.STRING is not null)
        {
            return "STRING";
        }

        if (logical?.UUID is not null)
        {
            return "UUID";
        }

        // INT_32 on INT32 and INT_64 on INT64 say nothing the physical type does not.
        return element.ConvertedType switch
        {
            Parquet.Meta.ConvertedType.INT_32 when element.Type == Parquet.Meta.Type.INT32 => null,
            Parquet.Meta.ConvertedType.INT_64 when element.Type == Parquet.Meta.Type.INT64 => null,
            { } converted => converted.ToString(),
            null => null,
        };
    }

    private static ResolvedColumn Check(Field field, InteractionRole role, bool detected, string source)
    {
        string type = DescribeType(field);
        if (field is not DataField data || data.IsArray || field.MaxRepetitionLevel > 0)
        {
            throw new InvalidInteractionLogException(source, field.Name,
                $"is a nested column ({type}); the {Describe(role)} must be a flat column");
        }

        if (!Accepts(role, data.ClrType))
        {
            string hint = detected
                ? role is InteractionRole.User or InteractionRole.Item
                    ? " (name another column in the mapping)"
                    : " (name another column in the mapping, or an empty name to read the log without one)"
                : string.Empty;
            throw new InvalidInteractionLogException(source, field.Name,
                $"has type {type}, which cannot hold the {Describe(role)}; expected {Expected(role)}{hint}");
        }

        return new ResolvedColumn(role, data, type, detected);
    }

    internal static bool Accepts(InteractionRole role, Type clrType) => role switch
    {
        InteractionRole.User or InteractionRole.Item => IsText(clrType) || IsInteger(clrType) || clrType == typeof(Guid),
        InteractionRole.Value => IsInteger(clrType) || clrType == typeof(float) || clrType == typeof(double) || clrType == typeof(decimal),
        InteractionRole.EventType => IsText(clrType) || IsInteger(clrType),
        InteractionRole.Timestamp => IsInteger(clrType) || clrType == typeof(DateTime) || clrType == typeof(DateOnly) || clrType == typeof(DateTimeOffset),
        _ => false,
    };

    internal static bool IsText(Type clrType) => clrType == typeof(ReadOnlyMemory<char>) || clrType == typeof(string);

    internal static bool IsInteger(Type clrType) =>
        clrType == typeof(int) || clrType == typeof(long) || clrType == typeof(short) || clrType == typeof(sbyte) ||
        clrType == typeof(byte) || clrType == typeof(ushort) || clrType == typeof(uint) || clrType == typeof(ulong);

    private static string Expected(InteractionRole role) => role switch
    {
        InteractionRole.User or InteractionRole.Item => "a string (BYTE_ARRAY UTF8), an integer (INT32/INT64) or a UUID",
        InteractionRole.Value => "a number (integer, FLOAT, DOUBLE or DECIMAL)",
        InteractionRole.EventType => "a string (BYTE_ARRAY UTF8) or an integer code",
        _ => "an integer epoch (seconds, milliseconds, microseconds or nanoseconds), TIMESTAMP, INT96 or DATE",
    };

    internal static string Describe(InteractionRole role) => role switch
    {
        InteractionRole.User => "user id",
        InteractionRole.Item => "item id",
        InteractionRole.Value => "rating/weight",
        InteractionRole.EventType => "event type",
        _ => "timestamp",
    };

    private static string? ExplicitName(ColumnMapping mapping, InteractionRole role) => role switch
    {
        InteractionRole.User => mapping.UserColumn,
        InteractionRole.Item => mapping.ItemColumn,
        InteractionRole.Value => mapping.ValueColumn,
        InteractionRole.EventType => mapping.EventTypeColumn,
        _ => mapping.TimestampColumn,
    };

    private static Field FindExplicit(IReadOnlyList<Field> fields, string name, InteractionRole role, string source)
    {
        foreach (Field field in fields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field;
            }
        }

        Field[] caseInsensitive = [.. fields.Where(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))];
        if (caseInsensitive.Length == 1)
        {
            return caseInsensitive[0];
        }

        throw new InvalidInteractionLogException(source, name,
            $"the mapping names this column as the {Describe(role)}, but the file has no such column; columns: {ListColumns(fields)}");
    }

    private static Field? Detect(IReadOnlyList<Field> fields, InteractionRole role, Dictionary<Field, InteractionRole> used, string source, List<string> skipped)
    {
        Field? nested = null;
        Field? claimed = null;
        foreach (string known in KnownNames[role])
        {
            string wanted = NormalizeName(known);
            foreach (Field field in fields)
            {
                if (NormalizeName(field.Name) != wanted)
                {
                    continue;
                }

                if (used.ContainsKey(field))
                {
                    claimed ??= field;
                    continue;
                }

                if (field.SchemaType == SchemaType.Data)
                {
                    return field;
                }

                nested ??= field;
            }
        }

        bool required = role is InteractionRole.User or InteractionRole.Item;
        if (!required)
        {
            // An optional role is absent when only a nested column carries its name (e.g. an "event" struct); the log says so.
            if (nested is not null)
            {
                skipped.Add($"{nested.Name} ({DescribeType(nested)}): a nested column cannot be the {Describe(role)}");
            }

            return null;
        }

        if (nested is not null)
        {
            throw new InvalidInteractionLogException(source, nested.Name,
                $"is a nested column ({DescribeType(nested)}); the {Describe(role)} must be a flat column");
        }

        if (claimed is not null)
        {
            // The column that would have been found serves another role the mapping gave it.
            throw new InvalidInteractionLogException(source, null,
                $"no {Describe(role)} column: {claimed.Name} is named like one, but the mapping uses it as the {Describe(used[claimed])} (name another column in the mapping)");
        }

        throw new InvalidInteractionLogException(source, null,
            $"no {Describe(role)} column: none of the columns is named like one ({string.Join(", ", KnownNames[role])}); " +
            $"name it in the column mapping; columns: {ListColumns(fields)}");
    }

    private static string ListColumns(IReadOnlyList<Field> fields) =>
        fields.Count == 0 ? "(none)" : string.Join(", ", fields.Select(f => $"{f.Name} ({DescribeType(f)})"));

    private static int CountSeparators(string name)
    {
        int count = 0;
        foreach (char c in name)
        {
            if (IsSeparator(c))
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsSeparator(char c) => c is '_' or '-' or ' ';
}
