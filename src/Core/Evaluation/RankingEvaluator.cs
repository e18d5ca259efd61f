using Recommender.Core.Scoring;

namespace Recommender.Core.Evaluation;

/// <summary>
/// Ranking metrics over compact inputs: ranked lists per user (as produced by top-K scoring) and
/// each user's relevant items. Linear in users x K; parallel over users.
/// </summary>
public static class RankingEvaluator
{
    private const int UsersPerPartition = 4096;

    /// <summary>
    /// Computes precision, recall, NDCG, MAP and MAP@K at <paramref name="k"/>, averaged over users
    /// that have at least one relevant item and at least one recommendation; and catalog coverage
    /// over all lists. Lists are truncated to their first <paramref name="k"/> entries and must not
    /// repeat an item.
    /// </summary>
    /// <param name="predictions">Ranked lists; row r belongs to user <c>FirstUser + r</c>.</param>
    /// <param name="relevant">Relevant (held-out) items per user; its <see cref="UserItemSets.ItemCount"/> is the catalog size.</param>
    /// <param name="k">Cut-off.</param>
    public static RankingMetrics Evaluate(RecommendationLists predictions, UserItemSets relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(relevant);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);

        var discounts = new Discounts(k);
        int rows = predictions.UserCount;
        int partitions = Math.Max(1, (rows + UsersPerPartition - 1) / UsersPerPartition);
        var sums = new MetricSums[partitions];
        Parallel.For(0, partitions, partition =>
        {
            var sum = default(MetricSums);
            int end = Math.Min(rows, (partition + 1) * UsersPerPartition);
            for (int row = partition * UsersPerPartition; row < end; row++)
            {
                var list = predictions.ItemsOf(row);
                var truth = relevant.ItemsOf(predictions.FirstUser + row);
                if (list.IsEmpty || truth.IsEmpty)
                {
                    continue;
                }

                sum.Add(UserMetrics(list[..Math.Min(k, list.Length)], truth, k, discounts));
            }

            sums[partition] = sum;
        });

        // Partition sums are combined in a fixed order so the result does not depend on scheduling.
        var total = default(MetricSums);
        foreach (var sum in sums)
        {
            total.Add(sum);
        }

        double coverage = relevant.ItemCount == 0 ? 0 : (double)CountDistinctRecommended(predictions, k, relevant.ItemCount) / relevant.ItemCount;
        if (total.Users == 0)
        {
            return new RankingMetrics(k, 0, 0, 0, 0, 0, 0, coverage);
        }

        double users = total.Users;
        return new RankingMetrics(
            k,
            total.Users,
            total.Precision / users,
            total.Recall / users,
            total.Ndcg / users,
            total.Map / users,
            total.MapAtK / users,
            coverage);
    }

    /// <summary>
    /// Each user's NDCG at <paramref name="k"/>, row by row of <paramref name="predictions"/>: NaN for a row
    /// <see cref="Evaluate"/> leaves out (no relevant item or no recommendation), so two models' rows on the same
    /// held-out data pair up user by user.
    /// </summary>
    public static double[] NdcgByUser(RecommendationLists predictions, UserItemSets relevant, int k)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(relevant);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var discounts = new Discounts(k);
        var values = new double[predictions.UserCount];
        for (int row = 0; row < values.Length; row++)
        {
            var list = predictions.ItemsOf(row);
            var truth = relevant.ItemsOf(predictions.FirstUser + row);
            values[row] = list.IsEmpty || truth.IsEmpty ? double.NaN : UserMetrics(list[..Math.Min(k, list.Length)], truth, k, discounts).Ndcg;
        }

        return values;
    }

    /// <summary>Distinct items among the first <paramref name="k"/> entries of every list, divided by <paramref name="catalogSize"/>.</summary>
    public static double CatalogCoverage(RecommendationLists predictions, int k, int catalogSize)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfNegative(catalogSize);
        return catalogSize == 0 ? 0 : (double)CountDistinctRecommended(predictions, k, catalogSize) / catalogSize;
    }

    private static MetricSums UserMetrics(ReadOnlySpan<int> topK, ReadOnlySpan<int> truth, int k, Discounts discounts)
    {
        int hits = 0;
        double dcg = 0;
        double precisionSum = 0;
        for (int rank = 1; rank <= topK.Length; rank++)
        {
            if (truth.BinarySearch(topK[rank - 1]) < 0)
            {
                continue;
            }

            hits++;
            dcg += discounts.Gain[rank];
            precisionSum += (double)hits / rank;
        }

        int relevantCount = truth.Length;
        int idealHits = Math.Min(k, relevantCount);
        return new MetricSums
        {
            Users = 1,
            Precision = (double)hits / k,
            Recall = (double)hits / relevantCount,
            Ndcg = dcg / discounts.IdealDcg[idealHits],
            Map = precisionSum / relevantCount,
            MapAtK = precisionSum / idealHits,
        };
    }

    /// <summary>Binary-gain discounts: the gain of a hit at each rank, and the DCG of hits at ranks 1..n.</summary>
    private sealed class Discounts
    {
        public Discounts(int k)
        {
            Gain = new double[k + 1];
            IdealDcg = new double[k + 1];
            for (int rank = 1; rank <= k; rank++)
            {
                Gain[rank] = 1.0 / Math.Log2(rank + 1);
                IdealDcg[rank] = IdealDcg[rank - 1] + Gain[rank];
            }
        }

        public double[] Gain { get; }

        public double[] IdealDcg { get; }
    }

    private static int CountDistinctRecommended(RecommendationLists predictions, int k, int catalogSize)
    {
        var recommended = new bool[catalogSize];
        int distinct = 0;
        for (int row = 0; row < predictions.UserCount; row++)
        {
            var list = predictions.ItemsOf(row);
            foreach (int item in list[..Math.Min(k, list.Length)])
            {
                if ((uint)item < (uint)catalogSize && !recommended[item])
                {
                    recommended[item] = true;
                    distinct++;
                }
            }
        }

        return distinct;
    }

    private struct MetricSums
    {
        public int Users;
        public double Precision;
        public double Recall;
        public double Ndcg;
        public double Map;
        public double MapAtK;

        public void Add(in MetricSums other)
        {
            Users += other.Users;
            Precision += other.Precision;
            Recall += other.Recall;
            Ndcg += other.Ndcg;
            Map += other.Map;
            MapAtK += other.MapAtK;
        }
    }
}
