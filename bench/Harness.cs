using System.Diagnostics;

namespace OrleansAssets.Bench;

/// <summary>Percentiles by nearest rank over a set of samples (milliseconds or rates, whatever the scenario measures).</summary>
public sealed record Stats(int Count, double Min, double P50, double P99, double Max, double Mean)
{
    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
        {
            return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var sorted = samples.Order().ToArray();
        return new Stats(sorted.Length, sorted[0], Rank(sorted, 0.50), Rank(sorted, 0.99), sorted[^1], sorted.Average());
    }

    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// The end-to-end harness: a scenario is one function that does a repetition and returns what it measured; the
/// harness runs the warm-ups (thrown away), then the repetitions, and says how long the whole took.
/// </summary>
public static class Harness
{
    public static async Task<List<T>> RepeatAsync<T>(string name, int warmups, int repetitions, Func<int, Task<T>> once)
    {
        var total = Stopwatch.StartNew();
        for (var i = 0; i < warmups; i++)
        {
            await once(-1 - i);
        }

        var results = new List<T>(repetitions);
        for (var i = 0; i < repetitions; i++)
        {
            results.Add(await once(i));
        }

        Console.Error.WriteLine($"bench: {name}: {warmups} warm-up(s) + {repetitions} repetition(s) in {total.Elapsed.TotalSeconds:F1} s");
        return results;
    }

    public static double Median(IEnumerable<double> values) => Stats.Of([.. values]).P50;
}
