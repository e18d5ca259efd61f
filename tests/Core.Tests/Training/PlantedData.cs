using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

/// <summary>
/// Seeded synthetic datasets with a planted structure: users belong to one of a few taste clusters
/// and interact with (or rate highly) their cluster's items.
/// </summary>
internal static class PlantedData
{
    /// <summary>
    /// Implicit feedback: each user has <paramref name="trainPerUser"/> of their cluster's items in
    /// train plus one item of another cluster as noise, and <paramref name="heldOutPerUser"/> other
    /// cluster items in validation.
    /// </summary>
    public static CuratedDataset Implicit(int clusters = 4, int usersPerCluster = 15, int itemsPerCluster = 12, int trainPerUser = 7, int heldOutPerUser = 3, int seed = 11)
    {
        var random = new Random(seed);
        int userCount = clusters * usersPerCluster;
        int itemCount = clusters * itemsPerCluster;
        var train = new List<(int User, int Item)>();
        var validation = new List<(int User, int Item)>();
        for (int user = 0; user < userCount; user++)
        {
            int cluster = user % clusters;
            int[] own = Enumerable.Range(cluster * itemsPerCluster, itemsPerCluster).ToArray();
            random.Shuffle(own);
            train.AddRange(own.Take(trainPerUser).Select(item => (user, item)));
            validation.AddRange(own.Skip(trainPerUser).Take(heldOutPerUser).Select(item => (user, item)));
            int otherCluster = (cluster + 1 + random.Next(clusters - 1)) % clusters;
            train.Add((user, (otherCluster * itemsPerCluster) + random.Next(itemsPerCluster)));
        }

        return Build("planted-implicit", userCount, itemCount, Table(train, _ => 1f), Table(validation, _ => 1f), isExplicit: false);
    }

    /// <summary>
    /// Explicit ratings: about 4.5 inside the user's cluster and 1.5 outside, shifted by a per-user bias
    /// and small noise; 80% of each user's ratings train, the rest validate.
    /// </summary>
    public static CuratedDataset Explicit(int clusters = 3, int usersPerCluster = 20, int itemsPerCluster = 10, int ratedPerUser = 15, int seed = 5)
    {
        var random = new Random(seed);
        int userCount = clusters * usersPerCluster;
        int itemCount = clusters * itemsPerCluster;
        var train = new List<(int User, int Item, float Rating)>();
        var validation = new List<(int User, int Item, float Rating)>();
        for (int user = 0; user < userCount; user++)
        {
            int cluster = user % clusters;
            float userBias = (float)((random.NextDouble() - 0.5) * 0.6);
            int[] rated = Enumerable.Range(0, itemCount).ToArray();
            random.Shuffle(rated);
            for (int i = 0; i < ratedPerUser; i++)
            {
                int item = rated[i];
                float baseRating = item / itemsPerCluster == cluster ? 4.5f : 1.5f;
                float rating = baseRating + userBias + (float)((random.NextDouble() - 0.5) * 0.4);
                (i < ratedPerUser * 4 / 5 ? train : validation).Add((user, item, rating));
            }
        }

        return Build(
            "planted-explicit",
            userCount,
            itemCount,
            Table(train.Select(row => (row.User, row.Item)).ToList(), i => train[i].Rating),
            Table(validation.Select(row => (row.User, row.Item)).ToList(), i => validation[i].Rating),
            isExplicit: true);
    }

    /// <summary>A copy of <paramref name="data"/> under other external ids and version (for warm starts).</summary>
    public static CuratedDataset WithIds(CuratedDataset data, IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, string version) => new()
    {
        Version = version,
        UserIds = userIds,
        ItemIds = itemIds,
        Train = data.Train,
        Validation = data.Validation,
        IsExplicit = data.IsExplicit,
    };

    /// <summary>Options small and fast enough for unit tests.</summary>
    public static TrainingOptions FastOptions(ModelKind kind, int epochs = 20) => new()
    {
        Kind = kind,
        Dimension = 16,
        Epochs = epochs,
        BatchSize = 64,
        LearningRate = 0.02,
        Regularization = 0.01,
        InitialStandardDeviation = 0.1,
        Device = TrainingDevice.Cpu,
        EarlyStoppingPatience = 0,
    };

    private static CuratedDataset Build(string version, int userCount, int itemCount, InteractionTable train, InteractionTable validation, bool isExplicit) => new()
    {
        Version = version,
        UserIds = Enumerable.Range(0, userCount).Select(user => $"u{user}").ToArray(),
        ItemIds = Enumerable.Range(0, itemCount).Select(item => $"i{item}").ToArray(),
        Train = train,
        Validation = validation,
        IsExplicit = isExplicit,
    };

    private static InteractionTable Table(List<(int User, int Item)> rows, Func<int, float> weight) => new(
        rows.Select(row => row.User).ToArray(),
        rows.Select(row => row.Item).ToArray(),
        Enumerable.Range(0, rows.Count).Select(weight).ToArray(),
        new long[rows.Count]);
}
