namespace NativeNet.Data;

/// <summary>Index sets of one train/validation/test split.</summary>
/// <param name="Train">Training indices.</param>
/// <param name="Validation">Validation indices (may be empty).</param>
/// <param name="Test">Test indices (may be empty).</param>
public sealed record SplitIndices(int[] Train, int[] Validation, int[] Test);

/// <summary>Index sets of one cross-validation fold.</summary>
/// <param name="Index">0-based fold number.</param>
/// <param name="Train">Training indices (the other folds).</param>
/// <param name="Test">Held-out indices of this fold.</param>
public sealed record Fold(int Index, int[] Train, int[] Test);

/// <summary>
/// Seeded splits. Stratified versions keep each class's share in every part: each class's
/// indices are shuffled and dealt out separately. Returned indices are sorted ascending.
/// </summary>
public static class Splits
{
    /// <summary>Stratified train/validation/test split of class <paramref name="labels"/>.</summary>
    public static SplitIndices StratifiedTrainValidationTest(ReadOnlySpan<int> labels, double validationFraction, double testFraction, int seed = 0)
    {
        CheckFractions(validationFraction, testFraction);
        var rng = new Random(seed);
        var train = new List<int>(); var val = new List<int>(); var test = new List<int>();
        foreach (var group in GroupByClass(labels))
        {
            Shuffle(group, rng);
            int nTest = (int)Math.Round(group.Count * testFraction);
            int nVal = (int)Math.Round(group.Count * validationFraction);
            if (nTest + nVal > group.Count) nVal = group.Count - nTest;
            test.AddRange(group.Take(nTest));
            val.AddRange(group.Skip(nTest).Take(nVal));
            train.AddRange(group.Skip(nTest + nVal));
        }
        return new SplitIndices(Sorted(train), Sorted(val), Sorted(test));
    }

    /// <summary>Random (unstratified) train/validation/test split of <paramref name="count"/> samples, e.g. for regression.</summary>
    public static SplitIndices TrainValidationTest(int count, double validationFraction, double testFraction, int seed = 0)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be positive. Received: count={count}");
        CheckFractions(validationFraction, testFraction);
        var all = Enumerable.Range(0, count).ToList();
        Shuffle(all, new Random(seed));
        int nTest = (int)Math.Round(count * testFraction), nVal = (int)Math.Round(count * validationFraction);
        return new SplitIndices(Sorted(all.Skip(nTest + nVal)), Sorted(all.Skip(nTest).Take(nVal)), Sorted(all.Take(nTest)));
    }

    /// <summary>
    /// Stratified k-fold cross-validation: every sample is in exactly one test fold, and each
    /// fold holds about 1/k of every class (fold sizes differ by at most one overall).
    /// </summary>
    public static IReadOnlyList<Fold> StratifiedKFold(ReadOnlySpan<int> labels, int folds, int seed = 0)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, $"folds must be at least 2. Received: folds={folds}");
        if (folds > labels.Length) throw new ArgumentOutOfRangeException(nameof(folds), folds, $"folds must not exceed the number of samples {labels.Length}. Received: folds={folds}");
        var rng = new Random(seed);
        var assigned = new int[labels.Length];
        int next = 0; // continue dealing where the previous class stopped, so fold sizes stay balanced
        foreach (var group in GroupByClass(labels))
        {
            Shuffle(group, rng);
            foreach (int i in group) { assigned[i] = next; next = (next + 1) % folds; }
        }
        var result = new List<Fold>(folds);
        for (int f = 0; f < folds; f++)
        {
            var test = new List<int>(); var train = new List<int>();
            for (int i = 0; i < assigned.Length; i++) (assigned[i] == f ? test : train).Add(i);
            result.Add(new Fold(f, train.ToArray(), test.ToArray()));
        }
        return result;
    }

    private static List<List<int>> GroupByClass(ReadOnlySpan<int> labels)
    {
        if (labels.Length == 0) throw new ArgumentException("labels must not be empty.", nameof(labels));
        var groups = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (!groups.TryGetValue(labels[i], out var g)) groups[labels[i]] = g = [];
            g.Add(i);
        }
        return [.. groups.Values];
    }

    internal static void Shuffle<T>(IList<T> list, Random rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    private static int[] Sorted(IEnumerable<int> v) { var a = v.ToArray(); Array.Sort(a); return a; }

    private static void CheckFractions(double val, double test)
    {
        if (!(val >= 0 && val < 1)) throw new ArgumentOutOfRangeException(nameof(val), val, $"validationFraction must be in [0, 1). Received: validationFraction={val}");
        if (!(test >= 0 && test < 1)) throw new ArgumentOutOfRangeException(nameof(test), test, $"testFraction must be in [0, 1). Received: testFraction={test}");
        if (val + test >= 1) throw new ArgumentException($"validationFraction + testFraction must leave training data. Received: {val} + {test}");
    }
}
