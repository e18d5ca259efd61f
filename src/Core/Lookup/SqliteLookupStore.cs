using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Recommender.Core.Lookup;

/// <summary>
/// The embedded lookup table: one SQLite file in WAL mode, so readers never block on the writer
/// and always read one committed snapshot. Each user's list is one row (a compact blob of scores and
/// UTF-8 item ids) keyed by (version, user id); the active version is a one-row pointer that
/// <see cref="PublishAsync"/> flips in a single transaction, and <see cref="GetAsync"/> reads the pointer
/// and the row in one statement, so a reader sees the old or the new version, never a mix.
/// </summary>
/// <remarks>
/// User ids are stored as their exact UTF-8 bytes, so any well-formed Unicode string round-trips
/// unchanged (no normalization, case folding or trimming) and export order is ordinal code-point order.
/// Strings with unpaired surrogates are rejected rather than silently altered.
/// </remarks>
public sealed class SqliteLookupStore : ILookupStore, IDisposable
{
    private const byte PayloadFormat = 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _connectionString;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private volatile bool _initialized;

    /// <summary>SQLite's SQLITE_NOTADB: the file is not a database.</summary>
    private const int NotADatabase = 26;

    /// <summary>SQLite's SQLITE_CORRUPT: the database's pages are damaged.</summary>
    private const int Corrupt = 11;

    /// <summary>Opens (creating when missing) the lookup database at <paramref name="databasePath"/>.</summary>
    /// <param name="databasePath">Path of the SQLite file; its folder is created when missing.</param>
    /// <param name="timeProvider">Clock for version creation times; the system clock when null.</param>
    public SqliteLookupStore(string databasePath, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(databasePath));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        DatabasePath = databasePath;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
    }

    /// <summary>Path of the SQLite file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><paramref name="version"/> is the active version (publish another one first).</exception>
    public async Task WriteAsync(string version, IReadOnlyList<UserRecommendations> batch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(batch);
        var rows = batch.Select(entry => EncodeEntry(version, entry)).ToArray();

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long versionId = await EnsureWritableVersionAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);

        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO lookup_entries (version_id, user_id, generated_at, payload) VALUES ($version, $user, $generated, $payload)
            ON CONFLICT (version_id, user_id) DO NOTHING
            """;
        var insertVersion = insert.Parameters.Add("$version", SqliteType.Integer);
        var insertUser = insert.Parameters.Add("$user", SqliteType.Blob);
        var insertGenerated = insert.Parameters.Add("$generated", SqliteType.Integer);
        var insertPayload = insert.Parameters.Add("$payload", SqliteType.Blob);
        insert.Prepare();

        await using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE lookup_entries SET generated_at = $generated, payload = $payload WHERE version_id = $version AND user_id = $user";
        var updateVersion = update.Parameters.Add("$version", SqliteType.Integer);
        var updateUser = update.Parameters.Add("$user", SqliteType.Blob);
        var updateGenerated = update.Parameters.Add("$generated", SqliteType.Integer);
        var updatePayload = update.Parameters.Add("$payload", SqliteType.Blob);
        update.Prepare();

        long added = 0;
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            insertVersion.Value = versionId;
            insertUser.Value = row.UserKey;
            insertGenerated.Value = row.GeneratedAtTicks;
            insertPayload.Value = row.Payload;
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                added++;
                continue;
            }

            updateVersion.Value = versionId;
            updateUser.Value = row.UserKey;
            updateGenerated.Value = row.GeneratedAtTicks;
            updatePayload.Value = row.Payload;
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(
            connection,
            transaction,
            "UPDATE lookup_versions SET user_count = user_count + $added WHERE id = $id",
            cancellationToken,
            ("$added", added),
            ("$id", versionId)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><paramref name="version"/> is the active version.</exception>
    public async Task WriteFallbackAsync(string version, UserRecommendations fallback, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentNullException.ThrowIfNull(fallback);
        var row = EncodeEntry(version, fallback);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long versionId = await EnsureWritableVersionAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            transaction,
            """
            INSERT INTO lookup_fallbacks (version_id, generated_at, payload) VALUES ($id, $generated, $payload)
            ON CONFLICT (version_id) DO UPDATE SET generated_at = excluded.generated_at, payload = excluded.payload
            """,
            cancellationToken,
            ("$id", versionId),
            ("$generated", row.GeneratedAtTicks),
            ("$payload", row.Payload)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<UserRecommendations?> GetFallbackAsync(string? version = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = version is null
            ? """
              SELECT v.version, f.generated_at, f.payload
              FROM lookup_active a
              JOIN lookup_versions v ON v.id = a.version_id
              JOIN lookup_fallbacks f ON f.version_id = a.version_id
              WHERE a.id = 1
              """
            : """
              SELECT v.version, f.generated_at, f.payload
              FROM lookup_versions v
              JOIN lookup_fallbacks f ON f.version_id = v.id
              WHERE v.version = $version
              """;
        if (version is not null)
        {
            command.Parameters.AddWithValue("$version", version);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return DecodeEntry("*", reader.GetString(0), reader.GetInt64(1), (byte[])reader.GetValue(2));
    }

    /// <inheritdoc/>
    /// <exception cref="KeyNotFoundException">No user list was written under <paramref name="version"/>.</exception>
    public async Task<string?> PublishAsync(string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long? found = await FindVersionIdAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
        if (found is not { } versionId
            || await ScalarIntegerAsync(connection, transaction, "SELECT 1 FROM lookup_entries WHERE version_id = $id LIMIT 1", cancellationToken, ("$id", versionId)).ConfigureAwait(false) is null)
        {
            throw new KeyNotFoundException($"Lookup version '{version}' has no user lists; write them before publishing it.");
        }

        string? previous = await ScalarTextAsync(
            connection,
            transaction,
            "SELECT v.version FROM lookup_active a JOIN lookup_versions v ON v.id = a.version_id WHERE a.id = 1",
            cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            transaction,
            "INSERT INTO lookup_active (id, version_id) VALUES (1, $id) ON CONFLICT (id) DO UPDATE SET version_id = excluded.version_id",
            cancellationToken,
            ("$id", versionId)).ConfigureAwait(false);
        await ExecuteAsync(
            connection,
            transaction,
            "UPDATE lookup_versions SET published_at = coalesce(published_at, $now) WHERE id = $id",
            cancellationToken,
            ("$now", _timeProvider.GetUtcNow().UtcTicks),
            ("$id", versionId)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return previous;
    }

    /// <inheritdoc/>
    public async Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ScalarTextAsync(
            connection,
            null,
            "SELECT v.version FROM lookup_active a JOIN lookup_versions v ON v.id = a.version_id WHERE a.id = 1",
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<UserRecommendations?> GetAsync(string userId, string? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        byte[] userKey = EncodeUserId(userId);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();

        // One statement reads the pointer and the row from the same snapshot.
        command.CommandText = version is null
            ? """
              SELECT v.version, e.generated_at, e.payload
              FROM lookup_active a
              JOIN lookup_versions v ON v.id = a.version_id
              JOIN lookup_entries e ON e.version_id = a.version_id AND e.user_id = $user
              WHERE a.id = 1
              """
            : """
              SELECT v.version, e.generated_at, e.payload
              FROM lookup_versions v
              JOIN lookup_entries e ON e.version_id = v.id AND e.user_id = $user
              WHERE v.version = $version
              """;
        command.Parameters.AddWithValue("$user", userKey);
        if (version is not null)
        {
            command.Parameters.AddWithValue("$version", version);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return DecodeEntry(userId, reader.GetString(0), reader.GetInt64(1), (byte[])reader.GetValue(2));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<LookupVersion>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT v.version, v.created_at, v.user_count, v.published_at IS NOT NULL,
                   v.id = (SELECT a.version_id FROM lookup_active a WHERE a.id = 1)
            FROM lookup_versions v
            ORDER BY v.created_at DESC, v.id DESC
            """;
        var versions = new List<LookupVersion>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new LookupVersion(
                reader.GetString(0),
                new DateTimeOffset(reader.GetInt64(1), TimeSpan.Zero),
                reader.GetInt64(2),
                IsActive: !reader.IsDBNull(4) && reader.GetBoolean(4),
                IsPublished: reader.GetBoolean(3)));
        }

        return versions;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><paramref name="version"/> is the active version.</exception>
    public async Task DeleteVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await DeleteVersionAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <exception cref="KeyNotFoundException">The store has no such version.</exception>
    public async IAsyncEnumerable<UserRecommendations> ReadAllAsync(string version, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);

        // One read transaction: the export is a single snapshot even if the version is deleted meanwhile.
        await using var transaction = connection.BeginTransaction(deferred: true);
        long versionId = await FindVersionIdAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Lookup version '{version}' does not exist.");
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT user_id, generated_at, payload FROM lookup_entries WHERE version_id = $id ORDER BY user_id";
        command.Parameters.AddWithValue("$id", versionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string userId = StrictUtf8.GetString((byte[])reader.GetValue(0));
            yield return DecodeEntry(userId, version, reader.GetInt64(1), (byte[])reader.GetValue(2));
        }
    }

    /// <summary>Returns pooled connections, releasing the database file.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        _initialization.Dispose();
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (!_initialized)
            {
                await InitializeAsync(connection, cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, null, "PRAGMA synchronous = NORMAL", cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is NotADatabase or Corrupt)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new InvalidDataException(
                $"The lookup table '{Path.GetFullPath(DatabasePath)}' is not a readable SQLite database ({ex.Message.TrimEnd('.')}). Move it away and run the pipeline again: it writes a new one.",
                ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task InitializeAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            // WAL is a property of the file: set once, every later connection uses it.
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(
                connection,
                null,
                """
                CREATE TABLE IF NOT EXISTS lookup_versions (
                    id INTEGER PRIMARY KEY,
                    version TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL,
                    published_at INTEGER NULL,
                    user_count INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE IF NOT EXISTS lookup_active (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    version_id INTEGER NOT NULL REFERENCES lookup_versions (id));
                CREATE TABLE IF NOT EXISTS lookup_entries (
                    version_id INTEGER NOT NULL,
                    user_id BLOB NOT NULL,
                    generated_at INTEGER NOT NULL,
                    payload BLOB NOT NULL,
                    PRIMARY KEY (version_id, user_id)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS lookup_fallbacks (
                    version_id INTEGER PRIMARY KEY,
                    generated_at INTEGER NOT NULL,
                    payload BLOB NOT NULL);
                """,
                cancellationToken).ConfigureAwait(false);
            _initialized = true;
        }
        finally
        {
            _initialization.Release();
        }
    }

    /// <summary>The id of <paramref name="version"/>, created if new; throws when it is the active version (read-only).</summary>
    private async Task<long> EnsureWritableVersionAsync(SqliteConnection connection, SqliteTransaction transaction, string version, CancellationToken cancellationToken)
    {
        long versionId = await EnsureVersionAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
        if (await GetActiveVersionIdAsync(connection, transaction, cancellationToken).ConfigureAwait(false) == versionId)
        {
            throw new InvalidOperationException(
                $"Lookup version '{version}' is active and cannot be rewritten; write a new version and publish it.");
        }

        return versionId;
    }

    private async Task<long> EnsureVersionAsync(SqliteConnection connection, SqliteTransaction transaction, string version, CancellationToken cancellationToken)
    {
        await ExecuteAsync(
            connection,
            transaction,
            "INSERT INTO lookup_versions (version, created_at) VALUES ($version, $now) ON CONFLICT (version) DO NOTHING",
            cancellationToken,
            ("$version", version),
            ("$now", _timeProvider.GetUtcNow().UtcTicks)).ConfigureAwait(false);
        return (await FindVersionIdAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false))!.Value;
    }

    private static async Task DeleteVersionAsync(SqliteConnection connection, SqliteTransaction transaction, string version, CancellationToken cancellationToken)
    {
        long? versionId = await FindVersionIdAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false);
        if (versionId is null)
        {
            return;
        }

        if (await GetActiveVersionIdAsync(connection, transaction, cancellationToken).ConfigureAwait(false) == versionId)
        {
            throw new InvalidOperationException(
                $"Lookup version '{version}' is active and cannot be deleted; publish another version first.");
        }

        await ExecuteAsync(connection, transaction, "DELETE FROM lookup_entries WHERE version_id = $id", cancellationToken, ("$id", versionId.Value)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "DELETE FROM lookup_fallbacks WHERE version_id = $id", cancellationToken, ("$id", versionId.Value)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "DELETE FROM lookup_versions WHERE id = $id", cancellationToken, ("$id", versionId.Value)).ConfigureAwait(false);
    }

    private static Task<long?> FindVersionIdAsync(SqliteConnection connection, SqliteTransaction? transaction, string version, CancellationToken cancellationToken) =>
        ScalarIntegerAsync(connection, transaction, "SELECT id FROM lookup_versions WHERE version = $version", cancellationToken, ("$version", version));

    private static Task<long?> GetActiveVersionIdAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken) =>
        ScalarIntegerAsync(connection, transaction, "SELECT version_id FROM lookup_active WHERE id = 1", cancellationToken);

    private static async Task<long?> ScalarIntegerAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = CreateCommand(connection, transaction, sql, parameters);
        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string?> ScalarTextAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = CreateCommand(connection, transaction, sql, parameters);
        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value as string;
    }

    private static async Task ExecuteAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var command = CreateCommand(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SqliteCommand CreateCommand(SqliteConnection connection, SqliteTransaction? transaction, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static EncodedEntry EncodeEntry(string version, UserRecommendations entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!string.Equals(entry.Version, version, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The list of user '{entry.UserId}' is for version '{entry.Version}', not '{version}'.", nameof(entry));
        }

        if (entry.ItemIds.Count != entry.Scores.Count)
        {
            throw new ArgumentException($"The list of user '{entry.UserId}' has {entry.ItemIds.Count} items but {entry.Scores.Count} scores.", nameof(entry));
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, StrictUtf8, leaveOpen: true))
        {
            writer.Write(PayloadFormat);
            writer.Write7BitEncodedInt(entry.ItemIds.Count);
            for (int index = 0; index < entry.ItemIds.Count; index++)
            {
                writer.Write(entry.Scores[index]);
            }

            for (int index = 0; index < entry.ItemIds.Count; index++)
            {
                try
                {
                    writer.Write(entry.ItemIds[index]);
                }
                catch (EncoderFallbackException error)
                {
                    throw new ArgumentException($"Item id at rank {index + 1} of user '{entry.UserId}' is not well-formed Unicode.", nameof(entry), error);
                }
            }
        }

        return new EncodedEntry(EncodeUserId(entry.UserId), entry.GeneratedAt.UtcTicks, stream.ToArray());
    }

    private static UserRecommendations DecodeEntry(string userId, string version, long generatedAtTicks, byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload, writable: false), StrictUtf8);
        byte format = reader.ReadByte();
        if (format != PayloadFormat)
        {
            throw new InvalidDataException($"The list of user '{userId}' in lookup version '{version}' has unknown payload format {format}.");
        }

        int count = reader.Read7BitEncodedInt();
        var scores = new float[count];
        for (int index = 0; index < count; index++)
        {
            scores[index] = reader.ReadSingle();
        }

        var items = new string[count];
        for (int index = 0; index < count; index++)
        {
            items[index] = reader.ReadString();
        }

        return new UserRecommendations(userId, items, scores, version, new DateTimeOffset(generatedAtTicks, TimeSpan.Zero));
    }

    private static byte[] EncodeUserId(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        try
        {
            return StrictUtf8.GetBytes(userId);
        }
        catch (EncoderFallbackException error)
        {
            throw new ArgumentException($"User id '{userId}' is not well-formed Unicode (it has an unpaired surrogate).", nameof(userId), error);
        }
    }

    private sealed record EncodedEntry(byte[] UserKey, long GeneratedAtTicks, byte[] Payload);
}
