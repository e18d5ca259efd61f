using System.Numerics;
using System.Runtime.InteropServices;
using Recommender.Core.Datasets;
using Recommender.Core.Models;

namespace Recommender.Core.Evaluation;

/// <summary>Error metrics for explicit rating predictions (Microsoft Recommenders' <c>rmse</c> and <c>mae</c>).</summary>
public static class RatingEvaluator
{
    private const int RowsPerPartition = 16384;

    /// <summary>RMSE and MAE of <paramref name="predicted"/> against <paramref name="actual"/>, pair by pair; NaN when there are no pairs.</summary>
    public static RatingMetrics Evaluate(ReadOnlySpan<float> actual, ReadOnlySpan<float> predicted)
    {
        if (actual.Length != predicted.Length)
        {
            throw new ArgumentException($"Got {actual.Length} actual ratings but {predicted.Length} predictions.", nameof(predicted));
        }

        double squared = 0;
        double absolute = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double error = (double)predicted[i] - actual[i];
            squared += error * error;
            absolute += Math.Abs(error);
        }

        return Summarize(actual.Length, squared, absolute);
    }

    /// <summary>
    /// RMSE and MAE of factor-model predictions on <paramref name="truth"/>: each row's prediction is the
    /// dot product of its user's and item's factor rows (any biases are already columns of the factors).
    /// </summary>
    public static RatingMetrics Evaluate(FactorSnapshot factors, InteractionTable truth)
    {
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(truth);
        int dimension = factors.Dimension;
        int rows = truth.Count;
        int partitions = Math.Max(1, (rows + RowsPerPartition - 1) / RowsPerPartition);
        var squared = new double[partitions];
        var absolute = new double[partitions];
        Parallel.For(0, partitions, partition =>
        {
            double partSquared = 0;
            double partAbsolute = 0;
            int end = Math.Min(rows, (partition + 1) * RowsPerPartition);
            for (int row = partition * RowsPerPartition; row < end; row++)
            {
                int user = truth.Users[row];
                int item = truth.Items[row];
                if ((uint)user >= (uint)factors.UserCount || (uint)item >= (uint)factors.ItemCount)
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(truth),
                        $"Row {row} refers to user {user} / item {item}, outside the factors' {factors.UserCount} users and {factors.ItemCount} items.");
                }

                float prediction = Dot(
                    factors.UserFactors.AsSpan(user * dimension, dimension),
                    factors.ItemFactors.AsSpan(item * dimension, dimension));
                double error = (double)prediction - truth.Weights[row];
                partSquared += error * error;
                partAbsolute += Math.Abs(error);
            }

            squared[partition] = partSquared;
            absolute[partition] = partAbsolute;
        });

        return Summarize(rows, squared.Sum(), absolute.Sum());
    }

    internal static float Dot(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        int width = Vector<float>.Count;
        var accumulator = Vector<float>.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var leftVectors = MemoryMarshal.Cast<float, Vector<float>>(left);
            var rightVectors = MemoryMarshal.Cast<float, Vector<float>>(right);
            for (int v = 0; v < leftVectors.Length; v++)
            {
                accumulator += leftVectors[v] * rightVectors[v];
            }

            i = leftVectors.Length * width;
        }

        float sum = Vector.Sum(accumulator);
        for (; i < left.Length; i++)
        {
            sum += left[i] * right[i];
        }

        return sum;
    }

    private static RatingMetrics Summarize(long count, double squared, double absolute) =>
        count == 0
            ? new RatingMetrics(0, double.NaN, double.NaN)
            : new RatingMetrics(count, Math.Sqrt(squared / count), absolute / count);
}
