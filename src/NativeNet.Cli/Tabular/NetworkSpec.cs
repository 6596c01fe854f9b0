using System.Globalization;
using NativeNet.Nn;

namespace NativeNet.Cli.Tabular;

/// <summary>
/// The --model argument: <c>mlp</c> (hidden 64,32) or <c>mlp:H1,H2,…</c>. The MLP is the recipe of
/// the breast-cancer test: Linear → ReLU → Dropout(0.5) after the first hidden layer, Linear →
/// ReLU for the others, then a linear output (one logit, or one value for regression).
/// </summary>
public sealed record NetworkSpec(string Kind, IReadOnlyList<int> Hidden, double Dropout)
{
    /// <summary>Default --model.</summary>
    public const string Default = "mlp";

    /// <summary>Parses --model; <paramref name="dataPath"/> decides which presets apply.</summary>
    public static NetworkSpec Parse(string text, string dataPath)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "cnn" or "lstm")
            throw new CliInputException($"--model {t} needs image or signal data (.npz); it is not supported for CSV data ('{dataPath}'). Use --model mlp or mlp:H1,H2 (see samples/RetinopathyCnn and samples/EcgLstm for {t} training).");
        if (t == "mlp") return new NetworkSpec("mlp", [64, 32], 0.5);
        if (t.StartsWith("mlp:", StringComparison.Ordinal))
        {
            var parts = t[4..].Split(',', StringSplitOptions.TrimEntries);
            var hidden = new List<int>();
            foreach (var p in parts)
            {
                if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int h) || h < 1 || h > 65536)
                    throw new CliInputException($"--model: hidden sizes must be integers in [1, 65536]. Received: '{text}'");
                hidden.Add(h);
            }
            return new NetworkSpec("mlp", hidden, 0.5);
        }
        throw new CliInputException($"--model must be mlp, mlp:H1,H2,… (hidden sizes), cnn or lstm. Received: '{text}'");
    }

    /// <summary>"mlp:64,32".</summary>
    public override string ToString() => $"{Kind}:{string.Join(",", Hidden)}";

    /// <summary>Builds the network with seeded initialization.</summary>
    public Sequential Build(int inputs, int outputs, int seed)
    {
        Generator.ManualSeed((ulong)(uint)seed);
        var net = new Sequential();
        int width = inputs;
        for (int i = 0; i < Hidden.Count; i++)
        {
            net.Add(new Linear(width, Hidden[i])).Add(new ReLU());
            if (i == 0 && Dropout > 0) net.Add(new Dropout(Dropout));
            width = Hidden[i];
        }
        net.Add(new Linear(width, outputs));
        return net;
    }
}
