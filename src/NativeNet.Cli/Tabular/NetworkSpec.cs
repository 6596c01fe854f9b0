using System.Globalization;
using NativeNet.Models;
using NativeNet.Nn;

namespace NativeNet.Cli.Tabular;

/// <summary>
/// The --model argument. For CSV tables: <c>mlp</c> (hidden 64,32) or <c>mlp:H1,H2,…</c>, the
/// recipe of the breast-cancer test: Linear → ReLU → Dropout(0.5) after the first hidden layer,
/// Linear → ReLU for the others, then a linear output. For .npz images: <c>cnn</c>, the seed's
/// network (conv 16 → pool → conv 32 → pool → fc 128, for any C×H×W with H, W ≥ 4). For .npz
/// signals: <c>lstm</c> or <c>lstm:H</c> (an LSTM with H = 48 units whose outputs are averaged over
/// time, then a linear output). The output is one logit (two classes), one logit per class, or one
/// value (regression). For images, also a torchvision backbone by name (<c>resnet18</c>,
/// <c>mobilenet_v2</c>, …: RGB input, H, W ≥ 32), optionally from pretrained weights and with the
/// feature extractor frozen.
/// </summary>
public sealed record NetworkSpec(string Kind, IReadOnlyList<int> Hidden, double Dropout)
{
    /// <summary>Smallest image side a backbone takes (five stride-2 stages leave at least one pixel).</summary>
    public const int MinBackboneSize = 32;

    /// <summary>Backbones: a .pt/.pth or .safetensors file of torchvision-named weights to start from (--pretrained).</summary>
    public string? Pretrained { get; init; }

    /// <summary>Backbones: train only the head; the feature extractor and its BatchNorm statistics stay as loaded (--freeze backbone).</summary>
    public bool FreezeBackbone { get; init; }

    /// <summary>Whether <see cref="Kind"/> names a torchvision backbone.</summary>
    public bool IsBackbone => Torchvision.Names.Contains(Kind);

    /// <summary>Default --model for CSV tables.</summary>
    public const string Default = "mlp";

    /// <summary>The default --model for an input kind: mlp, cnn or lstm.</summary>
    public static string DefaultFor(string input) => input switch
    {
        InputKinds.Images => "cnn",
        InputKinds.Signals => "lstm",
        _ => Default,
    };

    /// <summary>Parses --model for data of <paramref name="input"/> kind (<see cref="InputKinds"/>) read from <paramref name="dataPath"/>.</summary>
    public static NetworkSpec Parse(string text, string dataPath, string input = InputKinds.Table)
    {
        string t = text.Trim().ToLowerInvariant();
        string kind = t.Split(':')[0];
        string needs = kind switch { "mlp" => InputKinds.Table, "cnn" => InputKinds.Images, "lstm" => InputKinds.Signals, _ when Torchvision.Names.Contains(kind) => InputKinds.Images, _ => "" };
        if (needs.Length == 0)
            throw new CliInputException($"--model must be mlp, mlp:H1,H2,… (hidden sizes), cnn, lstm[:H], or a backbone for images ({string.Join(", ", Torchvision.Names)}). Received: '{text}'");
        if (needs != input)
            throw new CliInputException($"--model {kind} needs {Describe(needs)}; '{dataPath}' holds {Describe(input)}. Use --model {DefaultFor(input)}.");
        if (Torchvision.Names.Contains(t)) return new NetworkSpec(t, [], 0);
        if (t == "cnn") return new NetworkSpec("cnn", [16, 32, 128], 0.3);
        if (t is "mlp" or "lstm") return new NetworkSpec(t, t == "mlp" ? [64, 32] : [48], t == "mlp" ? 0.5 : 0);
        if (kind == "cnn" || !t.Contains(':')) throw new CliInputException($"--model cnn takes no sizes. Received: '{text}'");
        var hidden = new List<int>();
        foreach (var p in t[(kind.Length + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int h) || h < 1 || h > 65536)
                throw new CliInputException($"--model: hidden sizes must be integers in [1, 65536]. Received: '{text}'");
            hidden.Add(h);
        }
        if (kind == "lstm" && hidden.Count != 1) throw new CliInputException($"--model lstm:H takes one hidden size. Received: '{text}'");
        return new NetworkSpec(kind, hidden, kind == "mlp" ? 0.5 : 0);
    }

    private static string Describe(string input) => input switch
    {
        InputKinds.Images => "images (.npz: train_images/train_labels or images/labels)",
        InputKinds.Signals => "signals (.npz: signals/labels)",
        _ => "a CSV table",
    };

    /// <summary>"mlp:64,32", "cnn", "lstm:48".</summary>
    public override string ToString() => Kind == "cnn" || IsBackbone ? Kind : $"{Kind}:{string.Join(",", Hidden)}";

    /// <summary>Adam's L2 penalty: the breast-cancer recipe's 0.03 for the MLP; none for cnn/lstm/backbones, as in the samples (a penalty that size stalls their training).</summary>
    public double WeightDecay => Kind == "mlp" ? 0.03 : 0;

    /// <summary>One line for the report.</summary>
    public string Description => Kind switch
    {
        "cnn" => $"cnn: conv 3×3 16 → ReLU → max-pool 2 → conv 3×3 32 → ReLU → max-pool 2 → fc 128 → ReLU → dropout {Dropout.ToString(CultureInfo.InvariantCulture)} → output",
        "lstm" => $"lstm: LSTM {Hidden[0]} units → mean over time → linear output",
        _ when IsBackbone => $"{Kind} (torchvision architecture){(Pretrained is null ? ", random initialization" : $", pretrained weights from {Path.GetFileName(Pretrained)}")}{(FreezeBackbone ? ", feature extractor frozen (only the head trains)" : "")}",
        _ => $"{this} (ReLU, dropout {Dropout.ToString(CultureInfo.InvariantCulture)} after the first hidden layer)",
    };

    /// <summary>Trainable parameters of the network <see cref="Build"/> makes (computed, nothing allocated).</summary>
    public double ParameterCount(IReadOnlyList<int> sampleShape, int outputs)
    {
        static double Linear(double i, double o) => i * o + o;
        if (IsBackbone)
        {
            // The feature extractor's size does not depend on the input; count it once on a one-class model.
            using var probe = Torchvision.Create(Kind, 1);
            return probe.Parameters().Sum(p => (double)p.Count) - Linear(probe.FeatureCount, 1) + Linear(probe.FeatureCount, outputs);
        }
        switch (Kind)
        {
            case "cnn" when sampleShape.Count == 3:
                return Hidden[0] * (sampleShape[0] * 9.0 + 1) + Hidden[1] * (Hidden[0] * 9.0 + 1)
                    + Linear((double)Hidden[1] * (sampleShape[1] / 4) * (sampleShape[2] / 4), Hidden[2]) + Linear(Hidden[2], outputs);
            case "lstm" when sampleShape.Count == 2:
                double h = Hidden[0];
                return 4 * h * (sampleShape[1] + h + 2) + Linear(h, outputs);
        }
        double width = sampleShape.Aggregate(1.0, (a, b) => a * b), total = 0;
        foreach (int hidden in Hidden) { total += Linear(width, hidden); width = hidden; }
        return total + Linear(width, outputs);
    }

    /// <summary>Refuses a network of more than <paramref name="maxParams"/> parameters before any is allocated.</summary>
    public void CheckParameters(IReadOnlyList<int> sampleShape, int outputs, long maxParams)
    {
        double n = ParameterCount(sampleShape, outputs);
        if (n > maxParams)
            throw new CliInputException($"--model {this} has {n:N0} parameters on inputs [{string.Join(", ", sampleShape)}]; the parameter limit is --max-params {maxParams:N0} (raise it with --max-params N).");
    }

    /// <summary>Builds the network for samples of <paramref name="sampleShape"/> with seeded initialization.</summary>
    public Module Build(IReadOnlyList<int> sampleShape, int outputs, int seed)
    {
        Generator.ManualSeed((ulong)(uint)seed);
        if (IsBackbone) return BuildBackbone(sampleShape, outputs);
        var net = new Sequential();
        switch (Kind)
        {
            case "cnn":
                if (sampleShape.Count != 3 || sampleShape[1] < 4 || sampleShape[2] < 4)
                    throw new CliInputException($"--model cnn needs images [C, H, W] with H, W ≥ 4. Received: [{string.Join(", ", sampleShape)}]");
                int c = sampleShape[0], h = sampleShape[1], w = sampleShape[2];
                net.Add(new Conv2d(c, Hidden[0], 3, padding: 1)).Add(new ReLU()).Add(new MaxPool2d(2))
                   .Add(new Conv2d(Hidden[0], Hidden[1], 3, padding: 1)).Add(new ReLU()).Add(new MaxPool2d(2))
                   .Add(new Flatten()).Add(new Linear(Hidden[1] * (h / 4) * (w / 4), Hidden[2])).Add(new ReLU())
                   .Add(new Dropout(Dropout)).Add(new Linear(Hidden[2], outputs));
                return net;
            case "lstm":
                if (sampleShape.Count != 2) throw new CliInputException($"--model lstm needs signals [T, F]. Received: [{string.Join(", ", sampleShape)}]");
                net.Add(new LSTM(sampleShape[1], Hidden[0], batchFirst: true)).Add(new ReduceMean(1)).Add(new Linear(Hidden[0], outputs));
                return net;
        }
        int width = sampleShape.Aggregate(1, (a, b) => a * b);
        for (int i = 0; i < Hidden.Count; i++)
        {
            net.Add(new Linear(width, Hidden[i])).Add(new ReLU());
            if (i == 0 && Dropout > 0) net.Add(new Dropout(Dropout));
            width = Hidden[i];
        }
        net.Add(new Linear(width, outputs));
        return net;
    }

    private Backbone BuildBackbone(IReadOnlyList<int> sampleShape, int outputs)
    {
        if (sampleShape.Count != 3 || sampleShape[0] != 3 || sampleShape[1] < MinBackboneSize || sampleShape[2] < MinBackboneSize)
            throw new CliInputException($"--model {Kind} needs RGB images [3, H, W] with H, W ≥ {MinBackboneSize}. Received: [{string.Join(", ", sampleShape)}] (for image files: --channels 3 --image-size 224).");
        var model = Torchvision.Create(Kind, outputs);
        try
        {
            if (Pretrained is not null) model.LoadPretrained(Pretrained);
            if (FreezeBackbone) model.FreezeFeatures();
            return model;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            model.Dispose();
            throw new CliInputException($"--pretrained {Pretrained}: {e.Message}");
        }
        catch { model.Dispose(); throw; }
    }
}
