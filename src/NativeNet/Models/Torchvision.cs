namespace NativeNet.Models;

/// <summary>The backbones by their torchvision names, for configuration files and the command line.</summary>
public static class Torchvision
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "resnet18", "resnet34", "resnet50", "mobilenet_v2", "densenet121", "efficientnet_b0" };

    /// <summary>A freshly initialized backbone, e.g. Create("resnet18", 3) as torchvision.models.resnet18(num_classes=3).</summary>
    public static Backbone Create(string name, int numClasses = 1000) => name switch
    {
        "resnet18" => ResNet.ResNet18(numClasses),
        "resnet34" => ResNet.ResNet34(numClasses),
        "resnet50" => ResNet.ResNet50(numClasses),
        "mobilenet_v2" => new MobileNetV2(numClasses),
        "densenet121" => DenseNet.DenseNet121(numClasses),
        "efficientnet_b0" => EfficientNet.EfficientNetB0(numClasses),
        _ => throw new ArgumentException($"Unknown model '{name}'. Expected one of: {string.Join(", ", Names)}", nameof(name)),
    };
}
