using Parquet.Schema;
using Recommender.Core.Tests.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Reliability;

/// <summary>
/// A bad log as real systems produce it, written by code into a folder.
/// </summary>
/// <param name="Name">The case's name: one test row and one row of the report.</param>
/// <param name="ReplacesGoodLog">True: the pipeline's second run sees only this case's files; false: the good log and these files.</param>
/// <param name="WriteAsync">Writes the case's files into the folder and returns their paths.</param>
/// <param name="Expected">The exact outcome of preprocessing the case's files alone and then running the pipeline.</param>
public sealed record BadInputCase(string Name, bool ReplacesGoodLog, Func<string, Task<IReadOnlyList<string>>> WriteAsync, string Expected);

/// <summary>The bad-input corpus.</summary>
public static class BadInputCorpus
{
    // Rows like the good log's: 30 users, 40 items, ratings 1-5, unix seconds.
    private const string UserSql = "'u' || lpad((i % 30)::varchar, 3, '0')";
    private const string ItemSql = "'i' || lpad(((i * 7) % 40)::varchar, 3, '0')";

    public static IReadOnlyList<BadInputCase> All { get; } =
    [
        Bytes("not-parquet", "user_id,item_id,rating\nu001,i001,5\n"u8.ToArray(), "rejected: not-parquet.parquet: is not a Parquet file (it does not start with the PAR1 magic bytes); pipeline: published a new version"),
        Bytes("empty-file", [], "rejected: empty-file.parquet: is empty (0 bytes), not a Parquet file; pipeline: published a new version"),
        Bytes("magic-only", "PAR1PAR1"u8.ToArray(), "rejected: magic-only.parquet: is truncated or damaged: it starts as Parquet but does not end with the PAR1 footer (8 bytes); pipeline: published a new version"),
        new("truncated-half", false, async folder => [await TruncateAsync(folder, "truncated-half", keep: bytes => bytes / 2)], "rejected: truncated-half.parquet: is truncated or damaged: it starts as Parquet but does not end with the PAR1 footer (582 bytes); pipeline: published a new version"),
        new("truncated-tail", false, async folder => [await TruncateAsync(folder, "truncated-tail", keep: bytes => bytes - 20)], "rejected: truncated-tail.parquet: is truncated or damaged: it starts as Parquet but does not end with the PAR1 footer (1144 bytes); pipeline: published a new version"),
        new("corrupt-footer-length", false, async folder => [await CorruptFooterLengthAsync(folder, "corrupt-footer-length", int.MaxValue - 1)], "rejected: corrupt-footer-length.parquet: the Parquet footer cannot be read: its length field claims 2147483646 bytes but the file holds 817 bytes; pipeline: published a new version"),
        new("negative-footer-length", false, async folder => [await CorruptFooterLengthAsync(folder, "negative-footer-length", -5)], "rejected: negative-footer-length.parquet: the Parquet footer cannot be read: its length field claims -5 bytes but the file holds 817 bytes; pipeline: published a new version"),
        Duck("zero-rows", $"select {UserSql} as user_id, {ItemSql} as item_id, 5 as rating from range(10) t(i) where false", "rejected: zero-rows.parquet: contains no rows; pipeline: published a new version"),
        new("zero-rows-parquet-net", false, async folder => [await ParquetNetLog.WriteAsync(Path.Combine(folder, "zero-rows-parquet-net.parquet"), (new DataField<string>("user_id"), Array.Empty<string>()), (new DataField<string>("item_id"), Array.Empty<string>()))], "rejected: zero-rows-parquet-net.parquet: contains no rows; pipeline: published a new version"),
        Duck("missing-item-column", $"select {UserSql} as user_id, 5 as rating from range(10) t(i)", "rejected: missing-item-column.parquet: no item id column: none of the columns is named like one (item_id, itemId, item, movieId, movie_id, movie, product_id, productId, product, iid, article_id, article, asin, sku, track_id, song_id, book_id, isbn, video_id, content_id, post_id, document_id, doc_id); name it in the column mapping; columns: user_id (BYTE_ARRAY UTF8), rating (INT32); pipeline: published a new version"),
        Duck("renamed-columns", $"select {UserSql} as customer, {ItemSql} as product, 4 as stars from range(10) t(i)", "handled: 10 rows read, 0 dropped, 0 combined, 10 users, 10 items, 10 interactions; pipeline: published a new version"),
        Duck("user-id-boolean", $"select (i % 2 = 0) as user_id, {ItemSql} as item_id from range(10) t(i)", "rejected: user-id-boolean.parquet: column 'user_id': has type BOOLEAN, which cannot hold the user id; expected a string (BYTE_ARRAY UTF8), an integer (INT32/INT64) or a UUID (name another column in the mapping); pipeline: published a new version"),
        Duck("rating-as-text", $"select {UserSql} as user_id, {ItemSql} as item_id, 'five' as rating from range(10) t(i)", "rejected: rating-as-text.parquet: column 'rating': has type BYTE_ARRAY UTF8, which cannot hold the rating/weight; expected a number (integer, FLOAT, DOUBLE or DECIMAL) (name another column in the mapping, or an empty name to read the log without one); pipeline: published a new version"),
        Duck("timestamp-as-text", $"select {UserSql} as user_id, {ItemSql} as item_id, 3 as rating, '2024-01-02 03:04:05' as timestamp from range(10) t(i)", "rejected: timestamp-as-text.parquet: column 'timestamp': has type BYTE_ARRAY UTF8, which cannot hold the timestamp; expected an integer epoch (seconds, milliseconds, microseconds or nanoseconds), TIMESTAMP, INT96 or DATE (name another column in the mapping, or an empty name to read the log without one); pipeline: published a new version"),
        new("mixed-id-types-across-files", false, folder => Task.FromResult<IReadOnlyList<string>>(
        [
            DuckDbParquet.Write(Path.Combine(folder, "mixed-a-int.parquet"), "select (i % 30)::bigint as user_id, ((i * 7) % 40)::bigint as item_id, 4 as rating from range(20) t(i)"),
            DuckDbParquet.Write(Path.Combine(folder, "mixed-b-double.parquet"), "select (i % 30)::double as user_id, ((i * 7) % 40)::double as item_id, 4.5::double as rating from range(20) t(i)"),
        ]), "handled: 20 rows read, 0 dropped, 0 combined, 20 users, 20 items, 20 interactions; rejected: mixed-b-double.parquet: column 'user_id': has type DOUBLE, which cannot hold the user id; expected a string (BYTE_ARRAY UTF8), an integer (INT32/INT64) or a UUID (name another column in the mapping); and column 'item_id': has type DOUBLE, which cannot hold the item id; expected a string (BYTE_ARRAY UTF8), an integer (INT32/INT64) or a UUID (name another column in the mapping); pipeline: published a new version"),
        Duck("nested-struct-user", $"select {{'id': {UserSql}}} as user_id, {ItemSql} as item_id, 3 as rating from range(10) t(i)", "rejected: nested-struct-user.parquet: column 'user_id': is a nested column (struct); the user id must be a flat column; pipeline: published a new version"),
        Duck("nested-list-item", $"select {UserSql} as user_id, [{ItemSql}, 'i001'] as item_id, 3 as rating from range(10) t(i)", "rejected: nested-list-item.parquet: column 'item_id': is a nested column (list); the item id must be a flat column; pipeline: published a new version"),
        Duck("all-null-user-ids", $"select null::varchar as user_id, {ItemSql} as item_id, 3 as rating from range(10) t(i)", "no usable rows: No interaction is left after the row rules: 10 rows read, dropped: MissingUserId 10.; pipeline: published a new version"),
        Duck("partly-null-ids", $"select case when i % 5 = 0 then null else {UserSql} end as user_id, case when i % 7 = 0 then null else {ItemSql} end as item_id, 3 as rating from range(35) t(i)", "handled: 35 rows read, dropped 7 MissingUserId, 4 MissingItemId, 0 combined, 20 users, 24 items, 24 interactions; pipeline: published a new version"),
        Duck("blank-ids", $"select case i % 3 when 0 then '' when 1 then '   ' else {UserSql} end as user_id, {ItemSql} as item_id, 3 as rating from range(12) t(i)", "handled: 12 rows read, dropped 8 BlankId, 0 combined, 4 users, 4 items, 4 interactions; pipeline: published a new version"),
        Duck("non-finite-ratings", $"select {UserSql} as user_id, {ItemSql} as item_id, case i % 5 when 0 then 'nan'::double when 1 then 'inf'::double when 2 then '-inf'::double when 3 then null else 4.0 end as rating from range(20) t(i)", "handled: 20 rows read, dropped 8 NonFiniteValue, 8 InfiniteValue, 0 combined, 4 users, 4 items, 4 interactions; pipeline: published a new version"),
        Duck("negative-and-zero-ratings", $"select {UserSql} as user_id, {ItemSql} as item_id, (i % 4) - 2 as rating from range(20) t(i)", "handled: 20 rows read, dropped 15 NonPositiveWeight, 0 combined, 5 users, 5 items, 5 interactions; pipeline: published a new version"),
        Duck("timestamps-far-past", $"select {UserSql} as user_id, {ItemSql} as item_id, 3 as rating, (timestamp '0001-01-01 00:00:00' + to_seconds(i)) as timestamp from range(10) t(i)", "handled: 10 rows read, 0 dropped, 0 combined, 10 users, 10 items, 10 interactions; pipeline: published a new version"),
        Duck("timestamps-far-future", $"select {UserSql} as user_id, {ItemSql} as item_id, 3 as rating, (timestamp '9999-12-31 00:00:00' + to_seconds(i)) as timestamp from range(10) t(i)", "handled: 10 rows read, 0 dropped, 0 combined, 10 users, 10 items, 10 interactions; pipeline: published a new version"),
        Duck("epoch-seconds-out-of-range", $"select {UserSql} as user_id, {ItemSql} as item_id, 3 as rating, case i % 2 when 0 then -9223372036854775807 else 9223372036854775807 end::bigint as timestamp from range(10) t(i)", "rejected: epoch-seconds-out-of-range.parquet: column 'timestamp': row group 0 cannot be read: the value -9223372036854775807 in column 'timestamp' does not fit a timestamp in nanoseconds; pipeline: published a new version"),
        Duck("ids-with-path-characters", "select ['a/b', 'a\\b', 'a#b', 'a?b', '../..', '%2F'][(i % 6) + 1] as user_id, ['x/y', 'x\\y', 'x#y', 'x?y', '.', '?#'][((i * 5) % 6) + 1] as item_id, 3 as rating from range(24) t(i)", "handled: 24 rows read, 0 dropped, 18 combined, 6 users, 6 items, 6 interactions; pipeline: published a new version"),
        Duck("ids-with-control-characters", $"select [chr(0) || 'u', 'u' || chr(10) || 'v', chr(27) || '[31m', 'tab' || chr(9), {UserSql}][(i % 5) + 1] as user_id, {ItemSql} as item_id, 3 as rating from range(20) t(i)", "handled: 20 rows read, dropped 16 IdWithControlCharacters, 0 combined, 4 users, 4 items, 4 interactions; pipeline: published a new version"),
        Duck("unicode-ids", "select ['ユーザー', 'مستخدم', 'e\u0301', '😀👍', 'Ωmega'][(i % 5) + 1] as user_id, ['商品', 'élément', '𝔘𝔫𝔦', '\u200Bzero-width', 'ß'][((i * 3) % 5) + 1] as item_id, 3 as rating from range(25) t(i)", "handled: 25 rows read, 0 dropped, 20 combined, 5 users, 5 items, 5 interactions; pipeline: published a new version"),
        Duck("ids-2000-characters", $"select case when i % 2 = 0 then repeat('x', 2000) || i::varchar else {UserSql} end as user_id, {ItemSql} as item_id, 3 as rating from range(10) t(i)", "handled: 10 rows read, dropped 5 IdTooLong, 0 combined, 5 users, 5 items, 5 interactions; pipeline: published a new version"),
        new("invalid-utf8-ids", false, async folder => [await ParquetNetLog.WriteAsync(Path.Combine(folder, "invalid-utf8-ids.parquet"), (new DataField<byte[]>("user_id"), new[] { new byte[] { 0xC3, 0x28 }, new byte[] { 0xFF } }), (new DataField<string>("item_id"), new[] { "i001", "i002" }))], "rejected: invalid-utf8-ids.parquet: column 'user_id': has type BYTE_ARRAY, which cannot hold the user id; expected a string (BYTE_ARRAY UTF8), an integer (INT32/INT64) or a UUID (name another column in the mapping); pipeline: published a new version"),
        Replacing("single-user", $"select 'only-user' as user_id, {ItemSql} as item_id, 3 as rating from range(40) t(i)", "handled: 40 rows read, 0 dropped, 0 combined, 1 users, 40 items, 40 interactions; pipeline: failed in train (ArgumentException: Dataset '<version>' has no training interactions: its split held out all 40 for validation. A stratified split holds out the only interaction of an item (per item) or of a user (per user), which leaves nothing to train on when each has one: split RandomPerUser (it keeps one interaction of each user for training), or add data.), live version kept"),
        Replacing("single-item", $"select {UserSql} as user_id, 'only-item' as item_id, 3 as rating from range(30) t(i)", "handled: 30 rows read, 0 dropped, 0 combined, 30 users, 1 items, 30 interactions; pipeline: published a new version"),
        Replacing("one-interaction", "select 'u000' as user_id, 'i000' as item_id, 5 as rating", "handled: 1 rows read, 0 dropped, 0 combined, 1 users, 1 items, 1 interactions; pipeline: failed in train (ArgumentException: Dataset '<version>' has no training interactions: its split held out all 1 for validation. A stratified split holds out the only interaction of an item (per item) or of a user (per user), which leaves nothing to train on when each has one: split RandomPerUser (it keeps one interaction of each user for training), or add data.), live version kept"),
        Replacing("every-item-seen-by-every-user", "select 'u' || u::varchar as user_id, 'i' || it::varchar as item_id, 4 as rating from range(6) a(u), range(5) b(it)", "handled: 30 rows read, 0 dropped, 0 combined, 6 users, 5 items, 30 interactions; pipeline: published a new version"),
        new("schema-drift-yesterday-today", false, folder => Task.FromResult<IReadOnlyList<string>>(
        [
            DuckDbParquet.Write(Path.Combine(folder, "interactions-today.parquet"), $"select {UserSql} as userId, {ItemSql} as itemId, (i % 5 + 1)::double as score, 'view' as event_type, epoch_ms(1700000000000 + i) as event_time from range(30) t(i)"),
        ]), "handled: 30 rows read, 0 dropped, 0 combined, 30 users, 30 items, 30 interactions; pipeline: published a new version"),
        new("extra-row-groups-with-drift-in-one-file", false, folder => Task.FromResult<IReadOnlyList<string>>(
        [
            DuckDbParquet.Write(Path.Combine(folder, "row-groups.parquet"), $"select {UserSql} as user_id, {ItemSql} as item_id, case when i < 5 then 'nan'::double else 3.0 end as rating from range(100) t(i)", rowGroupSize: 10),
        ]), "handled: 100 rows read, dropped 5 NonFiniteValue, 0 combined, 30 users, 40 items, 95 interactions; pipeline: published a new version"),
    ];

    public static TheoryData<string> Names
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (BadInputCase item in All)
            {
                names.Add(item.Name);
            }

            return names;
        }
    }

    public static BadInputCase Get(string name) => All.Single(item => item.Name == name);

    private static BadInputCase Duck(string name, string sql, string expected) =>
        new(name, false, folder => Task.FromResult<IReadOnlyList<string>>([DuckDbParquet.Write(Path.Combine(folder, name + ".parquet"), sql)]), expected);

    private static BadInputCase Replacing(string name, string sql, string expected) =>
        Duck(name, sql, expected) with { ReplacesGoodLog = true };

    private static BadInputCase Bytes(string name, byte[] content, string expected) =>
        new(name, false, async folder =>
        {
            string path = Path.Combine(folder, name + ".parquet");
            await File.WriteAllBytesAsync(path, content);
            return [path];
        }, expected);

    private static async Task<string> TruncateAsync(string folder, string name, Func<int, int> keep)
    {
        string path = DuckDbParquet.Write(Path.Combine(folder, name + ".parquet"), $"select {UserSql} as user_id, {ItemSql} as item_id, 3 as rating from range(200) t(i)");
        byte[] bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..keep(bytes.Length)]);
        return path;
    }

    private static async Task<string> CorruptFooterLengthAsync(string folder, string name, int footerLength)
    {
        string path = DuckDbParquet.Write(Path.Combine(folder, name + ".parquet"), $"select {UserSql} as user_id, {ItemSql} as item_id, 3 as rating from range(50) t(i)");
        byte[] bytes = await File.ReadAllBytesAsync(path);
        // The 4 bytes before the trailing magic give the footer's length; claim more than the file holds.
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8, 4), footerLength);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }
}
