using System.Globalization;
using System.Text.RegularExpressions;
using NativeNet.Nn;

namespace NativeNet.Tests.Parity;

/// <summary>
/// Builds a model from the `architecture` text of a model fixture, with the sizes written in the
/// text. Three forms:
///   "Sequential: 0 Linear(30,64) 1 ReLU 2 Dropout(0.2) …"                 (children "0", "1", …)
///   "conv1(3->16,3x3,p1)-relu-maxpool2-…-flatten-fc1(25088->128)-relu-fc2(128->2)"
///   "lstm(12->32, 2 layers, batch_first)-last step-fc(32->5)"
///   "torchvision.models.resnet18(num_classes=5)"                          (NativeNet.Models by torchvision name)
/// In the dashed forms, parts with parameters keep their names (conv1, fc2, lstm) as state-dict prefixes.
/// </summary>
public static partial class ArchitectureParser
{
    public static Module Parse(string text)
    {
        text = text.Trim();
        if (text.StartsWith("Sequential:", StringComparison.Ordinal)) return ParseSequential(text["Sequential:".Length..]);
        if (TorchvisionCall().Match(text) is { Success: true } tv)
            return global::NativeNet.Models.Torchvision.Create(tv.Groups[1].Value, int.Parse(tv.Groups[2].Value, CultureInfo.InvariantCulture));
        return ParseChain(text);
    }

    private static Module ParseSequential(string body)
    {
        var seq = new Sequential();
        var m = SeqItem().Matches(body);
        if (m.Count == 0) throw new FormatException($"Sequential architecture has no layers: '{body}'");
        int expected = 0;
        foreach (Match item in m)
        {
            int index = int.Parse(item.Groups[1].Value, CultureInfo.InvariantCulture);
            if (index != expected) throw new FormatException($"Sequential layer {index} out of order (expected {expected}) in '{body}'");
            expected++;
            seq.Add(Layer(item.Groups[2].Value, item.Groups[3].Success ? item.Groups[3].Value : null));
        }
        return seq;
    }

    private static Module Layer(string name, string? args)
    {
        var a = args?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? Array.Empty<string>();
        int I(int i) => int.Parse(a[i], CultureInfo.InvariantCulture);
        double D(int i) => double.Parse(a[i], CultureInfo.InvariantCulture);
        return name switch
        {
            "Linear" => new Linear(I(0), I(1), a.Length < 3 || a[2] != "False"),
            "ReLU" => new ReLU(),
            "Tanh" => new global::NativeNet.Nn.Tanh(),
            "Sigmoid" => new global::NativeNet.Nn.Sigmoid(),
            "GELU" => new GELU(),
            "ELU" => new ELU(a.Length > 0 ? D(0) : 1.0),
            "LeakyReLU" => new LeakyReLU(a.Length > 0 ? D(0) : 0.01),
            "Dropout" => new Dropout(a.Length > 0 ? D(0) : 0.5),
            "Flatten" => new Flatten(),
            "BatchNorm1d" => new BatchNorm1d(I(0)),
            "Softmax" => new global::NativeNet.Nn.Softmax(a.Length > 0 ? I(0) : -1),
            "LogSoftmax" => new LogSoftmax(a.Length > 0 ? I(0) : -1),
            _ => throw new FormatException($"Unknown layer '{name}' in architecture text."),
        };
    }

    private static Module ParseChain(string text)
    {
        var chain = new Chain();
        var parts = DashSplit().Split(text);
        for (int i = 0; i < parts.Length; i++)
        {
            string p = parts[i].Trim();
            Match m;
            if ((m = ConvPart().Match(p)).Success)
            {
                int k = int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), k2 = int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
                int pad = m.Groups[6].Success ? int.Parse(m.Groups[6].Value, CultureInfo.InvariantCulture) : 0;
                int stride = m.Groups[7].Success ? int.Parse(m.Groups[7].Value, CultureInfo.InvariantCulture) : 1;
                chain.Add(m.Groups[1].Value, new Conv2d(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), (k, k2), (stride, stride), (pad, pad)));
            }
            else if ((m = FcPart().Match(p)).Success)
                chain.Add(m.Groups[1].Value, new Linear(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            else if ((m = RnnPart().Match(p)).Success)
            {
                string kind = m.Groups[1].Value;
                int inp = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), hid = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                string opts = m.Groups[4].Value;
                var layers = LayersOpt().Match(opts);
                int n = layers.Success ? int.Parse(layers.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
                bool bf = opts.Contains("batch_first", StringComparison.Ordinal);
                bool bi = opts.Contains("bidirectional", StringComparison.Ordinal);
                Module rnn = kind.StartsWith("gru", StringComparison.Ordinal) ? new GRU(inp, hid, n, batchFirst: bf, bidirectional: bi) : new LSTM(inp, hid, n, batchFirst: bf, bidirectional: bi);
                chain.Add(kind, rnn);
                chain.BatchFirst = bf;
            }
            else if ((m = PoolPart().Match(p)).Success)
            {
                int k = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
                chain.Add($"{m.Groups[1].Value}{k}_{i}", m.Groups[1].Value == "maxpool" ? new MaxPool2d(k) : new AvgPool2d(k));
            }
            else if (p == "last step") chain.Add($"last_step_{i}", new LastStep(chain.BatchFirst));
            else if (p is "relu" or "tanh" or "sigmoid" or "gelu" or "flatten" or "gap")
                chain.Add($"{p}_{i}", p switch
                {
                    "relu" => new ReLU(),
                    "tanh" => new global::NativeNet.Nn.Tanh(),
                    "sigmoid" => new global::NativeNet.Nn.Sigmoid(),
                    "gelu" => new GELU(),
                    "gap" => new AdaptiveAvgPool2d(1),
                    _ => new Flatten(),
                });
            else throw new FormatException($"Unknown part '{p}' in architecture '{text}'.");
        }
        return chain;
    }

    /// <summary>A chain of named steps (parameterless steps carry generated names that add no state keys).</summary>
    private sealed class Chain : Module
    {
        private readonly List<Module> _steps = new();

        public bool BatchFirst { get; set; }

        public void Add(string name, Module m)
        {
            RegisterModule(name, m);
            _steps.Add(m);
        }

        public override Tensor Forward(Tensor input)
        {
            var x = input;
            foreach (var s in _steps) x = s.Forward(x);
            return x;
        }
    }

    /// <summary>The last time step of a recurrent output ([B, T, H] → [B, H], or [T, B, H] → [B, H]).</summary>
    private sealed class LastStep : Module
    {
        private readonly bool _batchFirst;

        public LastStep(bool batchFirst) => _batchFirst = batchFirst;

        public override Tensor Forward(Tensor input) => _batchFirst ? input.Select(1, -1) : input.Select(0, -1);
    }

    [GeneratedRegex(@"(\d+)\s+([A-Za-z0-9_]+)(?:\(([^)]*)\))?")]
    private static partial Regex SeqItem();

    [GeneratedRegex(@"-(?!>)")]
    private static partial Regex DashSplit();

    [GeneratedRegex(@"^(conv\d*)\((\d+)->(\d+),\s*(\d+)x(\d+)(?:,\s*p(\d+))?(?:,\s*s(\d+))?\)$")]
    private static partial Regex ConvPart();

    [GeneratedRegex(@"^(fc\d*|linear\d*)\((\d+)->(\d+)\)$")]
    private static partial Regex FcPart();

    [GeneratedRegex(@"^(lstm\d*|gru\d*)\((\d+)->(\d+)\s*(?:,(.*))?\)$")]
    private static partial Regex RnnPart();

    [GeneratedRegex(@"(\d+)\s+layers?")]
    private static partial Regex LayersOpt();

    [GeneratedRegex(@"^(maxpool|avgpool)(\d+)$")]
    private static partial Regex PoolPart();

    [GeneratedRegex(@"^torchvision\.models\.(\w+)\(num_classes=(\d+)\)$")]
    private static partial Regex TorchvisionCall();
}
