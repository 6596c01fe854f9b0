namespace NativeNet.Metrics;

/// <summary>Argument checks shared by the metric functions, so every message has the same shape.</summary>
internal static class MetricGuard
{
    public static void SameLength(int a, int b, string nameA, string nameB)
    {
        if (a != b)
            throw new ArgumentException($"{nameA} and {nameB} must have the same length. Received: {nameA}.Length={a}, {nameB}.Length={b}.");
        if (a == 0)
            throw new ArgumentException($"{nameA} must not be empty. Received: {nameA}.Length=0.");
    }

    public static void BinaryLabels(ReadOnlySpan<int> yTrue, string name)
    {
        for (int i = 0; i < yTrue.Length; i++)
            if (yTrue[i] is not (0 or 1))
                throw new ArgumentException($"{name} must hold binary labels 0 or 1. Received: {name}[{i}]={yTrue[i]}.");
    }

    public static void Finite(ReadOnlySpan<float> v, string name)
    {
        for (int i = 0; i < v.Length; i++)
            if (!float.IsFinite(v[i]))
                throw new ArgumentException($"{name} must be finite. Received: {name}[{i}]={v[i]}.");
    }
}
