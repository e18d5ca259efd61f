using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

/// <summary>NDCG@K over the validation interactions, training items excluded from the ranking.</summary>
internal sealed class NdcgValidator : ITrainingValidator
{
    private readonly CuratedDataset _data;
    private readonly int _k;
    private readonly HashSet<(int, int)> _seen;
    private readonly Dictionary<int, HashSet<int>> _relevant;

    public NdcgValidator(CuratedDataset data, int k = 5)
    {
        _data = data;
        _k = k;
        _seen = data.Train.Users.Zip(data.Train.Items).Select(pair => (pair.First, pair.Second)).ToHashSet();
        _relevant = data.Validation.Users.Zip(data.Validation.Items)
            .GroupBy(pair => pair.First)
            .ToDictionary(group => group.Key, group => group.Select(pair => pair.Second).ToHashSet());
    }

    public string MetricName => $"ndcg@{_k}";

    public bool HigherIsBetter => true;

    public int Calls { get; private set; }

    public ValidationResult Validate(FactorSnapshot factors, CancellationToken cancellationToken = default)
    {
        Calls++;
        double value = Ndcg((user, item) => Dot(factors, user, item));
        return new ValidationResult(value, new Dictionary<string, double> { [MetricName] = value });
    }

    /// <summary>NDCG@K of ranking every user's items by <paramref name="score"/>.</summary>
    public double Ndcg(Func<int, int, double> score)
    {
        double total = 0;
        foreach ((int user, HashSet<int> relevant) in _relevant)
        {
            int[] ranked = Enumerable.Range(0, _data.ItemCount)
                .Where(item => !_seen.Contains((user, item)))
                .OrderByDescending(item => score(user, item))
                .ThenBy(item => item)
                .Take(_k)
                .ToArray();
            double dcg = ranked.Select((item, rank) => relevant.Contains(item) ? 1.0 / Math.Log2(rank + 2) : 0.0).Sum();
            double ideal = Enumerable.Range(0, Math.Min(_k, relevant.Count)).Sum(rank => 1.0 / Math.Log2(rank + 2));
            total += dcg / ideal;
        }

        return total / _relevant.Count;
    }

    /// <summary>NDCG@K of recommending the most popular training items to everyone.</summary>
    public double PopularityNdcg()
    {
        var counts = new int[_data.ItemCount];
        foreach (int item in _data.Train.Items)
        {
            counts[item]++;
        }

        return Ndcg((_, item) => counts[item]);
    }

    public static double Dot(FactorSnapshot factors, int user, int item)
    {
        double sum = 0;
        for (int d = 0; d < factors.Dimension; d++)
        {
            sum += factors.UserFactors[(user * factors.Dimension) + d] * factors.ItemFactors[(item * factors.Dimension) + d];
        }

        return sum;
    }
}

/// <summary>RMSE of the factors' dot products against the validation ratings.</summary>
internal sealed class RmseValidator(CuratedDataset data) : ITrainingValidator
{
    public string MetricName => "rmse";

    public bool HigherIsBetter => false;

    public ValidationResult Validate(FactorSnapshot factors, CancellationToken cancellationToken = default)
    {
        double value = Rmse((user, item) => NdcgValidator.Dot(factors, user, item));
        return new ValidationResult(value, new Dictionary<string, double> { ["rmse"] = value });
    }

    public double Rmse(Func<int, int, double> predict)
    {
        InteractionTable validation = data.Validation;
        double squared = 0;
        for (int i = 0; i < validation.Count; i++)
        {
            double error = predict(validation.Users[i], validation.Items[i]) - validation.Weights[i];
            squared += error * error;
        }

        return Math.Sqrt(squared / validation.Count);
    }

    public double MeanPredictorRmse()
    {
        double mean = data.Train.Weights.Average();
        return Rmse((_, _) => mean);
    }
}

/// <summary>Reports a scripted metric per call, to drive early stopping.</summary>
internal sealed class ScriptedValidator(params double[] values) : ITrainingValidator
{
    private int _calls;

    public string MetricName => "scripted";

    public bool HigherIsBetter => true;

    public List<FactorSnapshot> Seen { get; } = [];

    public ValidationResult Validate(FactorSnapshot factors, CancellationToken cancellationToken = default)
    {
        Seen.Add(factors);
        double value = values[Math.Min(_calls++, values.Length - 1)];
        return new ValidationResult(value, new Dictionary<string, double> { ["scripted"] = value });
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its handler synchronously on the reporting thread.</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
