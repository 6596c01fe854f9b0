using NativeNet.Nn;

namespace NativeNet.AbuseHelper;

/// <summary>
/// The same abuse through the public API: every operation on a disposed tensor throws
/// ObjectDisposedException (never reaches native code with a freed pointer), and mismatched
/// shapes or impossible sizes throw ArgumentException naming what was received.
/// </summary>
internal static class PublicApiAbuseCases
{
    private static AbuseCase Throws<TException>(string entry, string name, Action act, string? mention = null)
        where TException : Exception => new(entry, name, () =>
    {
        try
        {
            act();
            return $"no exception, expected {typeof(TException).Name}";
        }
        catch (TException e)
        {
            if (e.Message.Length == 0) return "empty message";
            if (mention is not null && !e.Message.Contains(mention, StringComparison.Ordinal))
                return $"message does not mention '{mention}': '{e.Message}'";
            return null;
        }
    });

    private static Tensor Disposed()
    {
        var t = Tensor.Ones(2, 3);
        t.Dispose();
        return t;
    }

    public static IEnumerable<AbuseCase> All()
    {
        var disposedOps = new (string Name, Action<Tensor> Op)[]
        {
            ("Add(Tensor)", t => t.Add(Tensor.Ones(2, 3))),
            ("Add(float)", t => t.Add(1f)),
            ("Mul(Tensor)", t => t.Mul(Tensor.Ones(2, 3))),
            ("Div(float)", t => t.Div(2f)),
            ("MatMul", t => t.MatMul(Tensor.Ones(3, 2))),
            ("Relu", t => t.Relu()),
            ("Exp", t => t.Exp()),
            ("Gelu", t => t.Gelu()),
            ("Pow", t => t.Pow(2f)),
            ("Clamp", t => t.Clamp(0f, 1f)),
            ("Neg", t => t.Neg()),
            ("Sum()", t => t.Sum()),
            ("Sum(dim)", t => t.Sum(0)),
            ("Reshape", t => t.Reshape(3, 2)),
            ("Expand", t => t.Expand(2, 3)),
            ("ToArray", t => t.ToArray()),
            ("Item", t => t.Item()),
            ("Linear.Forward", t => new Linear(3, 2).Forward(t)),
            ("Conv2d.Forward", t => new Conv2d(2, 2, 1).Forward(t)),
            ("Functional.Conv1d", t => Functional.Conv1d(t, Tensor.Ones(1, 3, 1))),
            ("Functional.MaxPool2d", t => Functional.MaxPool2d(t, (1, 1))),
            ("Functional.AvgPool2d", t => Functional.AvgPool2d(t, (1, 1))),
            ("Functional.AdaptiveAvgPool2d", t => Functional.AdaptiveAvgPool2d(t, (1, 1))),
            ("Functional.BatchNorm", t => Functional.BatchNorm(t, null, null, null, null, true)),
            ("Functional.LayerNorm", t => Functional.LayerNorm(t, 4)),
            ("Functional.Dropout", t => Functional.Dropout(t, 0.5, true)),
            ("Functional.Embedding", t => Functional.Embedding(Tensor.Zeros(2), t)),
            ("Functional.MseLoss", t => Functional.MseLoss(t, Tensor.Ones(3))),
            ("Functional.CrossEntropy", t => Functional.CrossEntropy(t, new[] { 0, 1, 2 })),
            ("Functional.NllLoss", t => Functional.NllLoss(t, new[] { 0 })),
        };
        foreach (var (name, op) in disposedOps)
            yield return Throws<ObjectDisposedException>("public:disposed", name, () => op(Disposed()));
        yield return Throws<ObjectDisposedException>("public:disposed", "Add with a disposed right operand",
            () => Tensor.Ones(2, 3).Add(Disposed()));
        yield return Throws<ObjectDisposedException>("public:disposed", "MatMul with a disposed right operand",
            () => Tensor.Ones(3, 2).MatMul(Disposed()));
        yield return new AbuseCase("public:disposed", "Dispose twice is harmless", () =>
        {
            var t = Tensor.Ones(4);
            t.Dispose();
            t.Dispose();
            return null;
        });

        yield return Throws<ArgumentException>("public:shapes", "MatMul inner dimensions differ",
            () => Tensor.Ones(2, 3).MatMul(Tensor.Ones(4, 5)), "[2, 3]");
        yield return Throws<ArgumentException>("public:shapes", "Add shapes do not broadcast",
            () => Tensor.Ones(2, 3).Add(Tensor.Ones(4)));
        yield return Throws<ArgumentException>("public:shapes", "Linear input features differ",
            () => new Linear(3, 4).Forward(Tensor.Ones(2, 5)));
        yield return Throws<ArgumentException>("public:shapes", "Conv2d input channels differ",
            () => new Conv2d(3, 4, 3).Forward(Tensor.Ones(1, 2, 8, 8)));
        yield return Throws<ArgumentException>("public:shapes", "Conv2d kernel larger than the input",
            () => new Conv2d(1, 1, 5).Forward(Tensor.Ones(1, 1, 3, 3)));
        yield return Throws<ArgumentException>("public:shapes", "FromArray length differs from the shape",
            () => Tensor.FromArray(new float[5], 2, 3));
        yield return Throws<ArgumentException>("public:shapes", "Zeros with a negative size",
            () => Tensor.Zeros(2, -1));
        yield return Throws<ArgumentException>("public:shapes", "Reshape to another element count",
            () => Tensor.Ones(2, 3).Reshape(7));
        yield return Throws<ArgumentException>("public:shapes", "Zeros whose element count overflows int",
            () => Tensor.Zeros(1 << 16, 1 << 16));
    }
}
