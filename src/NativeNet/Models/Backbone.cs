using NativeNet.Nn;
using NativeNet.Serialization;
using NativeNet.Serialization.PyTorch;

namespace NativeNet.Models;

/// <summary>
/// An image classifier made of a convolutional feature extractor and a linear head, with
/// torchvision's module names (so a torchvision state dict loads with strict checking). The head
/// can be replaced for transfer learning (<see cref="ReplaceHead"/>); <see cref="Features"/> gives
/// the pooled feature vector the head reads.
/// </summary>
public abstract class Backbone : Module
{
    /// <summary>Width of the pooled feature vector (the head's in_features).</summary>
    public abstract int FeatureCount { get; }

    /// <summary>The final linear layer.</summary>
    public abstract Linear Head { get; set; }

    /// <summary>The pooled, flattened features [N, FeatureCount] of NCHW images.</summary>
    public abstract Tensor Features(Tensor input);

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var f = Features(input);
        return HeadForward(f);
    }

    /// <summary>Runs the head on pooled features (a subclass adds dropout before it where torchvision does).</summary>
    private protected virtual Tensor HeadForward(Tensor features) => Head.Call(features);

    /// <summary>Swaps the head for a freshly initialized Linear(FeatureCount, numClasses) (PyTorch's default init); returns it.</summary>
    public Linear ReplaceHead(int numClasses, Generator? generator = null)
    {
        if (numClasses <= 0) throw new ArgumentException($"numClasses must be positive. Received: numClasses={numClasses}", nameof(numClasses));
        var old = Head;
        var head = new Linear(FeatureCount, numClasses, true, generator);
        Head = head;
        old.Dispose();
        return head;
    }

    /// <summary>The module whose output is the last feature map [N, FeatureCount, h, w] (where Grad-CAM looks).</summary>
    public abstract Module FeatureMapLayer { get; }

    /// <summary>torchvision's name of this configuration ("resnet18", …; <see cref="Torchvision.Names"/>), or null for a custom one.</summary>
    public string? TorchvisionName { get; private protected init; }

    /// <summary>Spec type of a torchvision configuration: its name and the head's width rebuild it (<see cref="Torchvision.Create"/>).</summary>
    internal const string SpecType = "Torchvision";

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">A custom configuration (built with a public constructor rather than a torchvision factory).</exception>
    public override ModuleSpec ToSpec() => TorchvisionName is { } name
        ? new ModuleSpec(SpecType).With("name", name).With("num_classes", Head.OutFeatures)
        : throw new NotSupportedException($"This {GetType().Name} is a custom configuration; only torchvision's ({string.Join(", ", Torchvision.Names)}) describe their architecture. Save its weights with StateDictFile.Save instead.");

    // The factory behind SpecType; a model file's values are checked before anything is allocated.
    internal static Module Create(ModuleSpec spec)
    {
        string name = spec.Config.TryGetValue("name", out var n) && n is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out string? s) ? s : "";
        if (!Torchvision.Names.Contains(name))
            throw new InvalidDataException($"Torchvision spec: 'name' must be one of {string.Join(", ", Torchvision.Names)}. Received: '{name}'");
        int classes = spec.GetInt("num_classes");
        if (classes is < 1 or > 1 << 20) throw new InvalidDataException($"Torchvision spec: 'num_classes' must be in [1, {1 << 20}]. Received: {classes}");
        if (name != "mobilenet_v2") return Torchvision.Create(name, classes);
        double dropout = spec.GetDouble("dropout", 0.2);
        if (!(dropout >= 0 && dropout < 1)) throw new InvalidDataException($"Torchvision spec: 'dropout' must be in [0, 1). Received: {dropout}");
        return new MobileNetV2(classes, dropout);
    }

    /// <summary>
    /// Loads pretrained weights with torchvision's names from a PyTorch checkpoint (.pt/.pth written
    /// by <c>torch.save(model.state_dict(), f)</c>, read by the restricted unpickler) or a
    /// safetensors file. Every feature-extractor tensor must be present, with its shape, and nothing
    /// else may be (else <see cref="InvalidDataException"/> naming the file and keys). The head's
    /// tensors load only when they fit this head: ImageNet weights (1,000 classes) on a 3-class
    /// model keep the fresh head, which is what fine-tuning wants. Returns whether the head loaded.
    /// </summary>
    public bool LoadPretrained(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var state = ReadStateDict(path);
        try
        {
            string head = HeadName + ".";
            bool headFits = true;
            foreach (var (name, own) in Head.StateDict())
                headFits &= state.TryGetValue(head + name, out var t) && Tensor.SameShape(t.ShapeRef, own.ShapeRef);
            if (!headFits)
                foreach (var key in state.Keys.Where(k => k.StartsWith(head, StringComparison.Ordinal)).ToList())
                {
                    state[key].Dispose();
                    state.Remove(key);
                }
            var (missing, unexpected) = LoadStateDict(state, strict: false);
            var wrong = missing.Where(k => headFits || !k.StartsWith(head, StringComparison.Ordinal)).Select(k => "missing " + k)
                .Concat(unexpected.Select(k => "unexpected " + k)).ToList();
            if (wrong.Count > 0)
                throw new InvalidDataException($"'{path}' is not a {TorchvisionName ?? GetType().Name} state dict: {string.Join(", ", wrong.Take(6))}{(wrong.Count > 6 ? $", … ({wrong.Count} keys)" : "")}.");
            return headFits;
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{path}' does not fit this {TorchvisionName ?? GetType().Name}: {e.Message}", e);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Freezes every parameter but the head's (<see cref="Module.Freeze"/>: the BatchNorm layers keep
    /// their running statistics too), so training changes only the classifier. Returns how many
    /// tensors were frozen.
    /// </summary>
    public int FreezeFeatures()
    {
        int all = Freeze();
        return all - Unfreeze(HeadName);
    }

    // The head's dotted name in the state dict ("fc", "classifier.1", …).
    private string HeadName => NamedModules().First(m => ReferenceEquals(m.Module, Head)).Name;

    // A .pt/.pth (zip or legacy torch.save) or a safetensors file, by content, as float32 tensors.
    private static OrderedDictionary<string, Tensor> ReadStateDict(string path) =>
        PyTorchCheckpoint.LooksLikeCheckpoint(path) ? PyTorchCheckpoint.LoadStateDict(path) : StateDictFile.Load(path);

    /// <summary>Checks that a new head reads <paramref name="features"/> features.</summary>
    private protected static Linear CheckHead(Linear value, int features)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.InFeatures != features)
            throw new ArgumentException($"The head must take {features} features. Received: Linear({value.InFeatures}, {value.OutFeatures})", nameof(value));
        return value;
    }

    /// <summary>Checks an NCHW image batch with 3 channels.</summary>
    private protected static void CheckImages(Tensor input, string model)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.ThrowIfDisposed();
        if (input.Rank != 4 || input.Size(1) != 3)
            throw new ArgumentException($"{model} expects RGB images [N, 3, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
    }
}

/// <summary>Children run one after the other in registration order, under their own names (PyTorch's nn.Sequential(OrderedDict)).</summary>
/// Registering a module again under an existing name (<see cref="Module.RegisterModule{T}"/>) replaces it in place.
public sealed class NamedSequential : Module
{
    /// <summary>Appends a child under <paramref name="name"/>; returns this.</summary>
    public NamedSequential Add(string name, Module module)
    {
        RegisterModule(name, module);
        return this;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor x = input;
        foreach (var layer in Children())
        {
            var next = layer.Call(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? input.Clone() : x;
    }
}

/// <summary>torchvision's building blocks and initializers shared by the backbones.</summary>
internal static class TorchvisionInit
{
    /// <summary>Conv2dNormActivation: conv (no bias) "0", BatchNorm "1", activation "2" when given; padding (k − 1)/2.</summary>
    public static Sequential ConvNormActivation(int inChannels, int outChannels, int kernel, int stride = 1, int groups = 1, Module? activation = null)
    {
        var seq = new Sequential(new Conv2d(inChannels, outChannels, kernel, stride, (kernel - 1) / 2, 1, groups, bias: false), new BatchNorm2d(outChannels));
        if (activation is not null) seq.Add(activation);
        return seq;
    }

    /// <summary>
    /// torchvision's init loop: convolutions kaiming-normal (fan_out, or fan_in for DenseNet) with zero
    /// bias, BatchNorm weight 1 / bias 0; linear layers left to <paramref name="linear"/>.
    /// </summary>
    public static void Apply(Module model, bool convFanOut, Action<Linear>? linear = null)
    {
        foreach (var (_, m) in model.NamedModules())
        {
            switch (m)
            {
                case Conv2d c:
                    int rf = c.KernelSize.H * c.KernelSize.W;
                    int fan = convFanOut ? c.OutChannels * rf : c.InChannels / c.Groups * rf;  // PyTorch: fan_out = weight.size(0)·rf
                    Init.KaimingNormal(c.Weight, fan);
                    c.Bias?.Zero_();
                    break;
                case BatchNormBase bn:
                    bn.Weight?.Fill_(1f);
                    bn.Bias?.Zero_();
                    break;
                case Linear l:
                    linear?.Invoke(l);
                    break;
            }
        }
    }
}
