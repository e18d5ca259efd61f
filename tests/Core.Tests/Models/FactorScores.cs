using Recommender.Core.Models;

namespace Recommender.Core.Tests.Models;

/// <summary>Scores read straight off a factor snapshot, as the reference the scorers are checked against.</summary>
internal static class FactorScores
{
    /// <summary>The dot product of <paramref name="user"/>'s row and <paramref name="item"/>'s row, in double precision.</summary>
    public static double Of(FactorSnapshot factors, int user, int item) =>
        Enumerable.Range(0, factors.Dimension).Sum(d => (double)factors.UserFactors[(user * factors.Dimension) + d] * factors.ItemFactors[(item * factors.Dimension) + d]);
}
