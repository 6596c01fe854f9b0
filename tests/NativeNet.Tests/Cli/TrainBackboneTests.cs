using NativeNet.Models;
using NativeNet.Nn;
using NativeNet.Serialization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NativeNet.Tests.Cli;

/// <summary>
/// `train --model &lt;backbone&gt; [--pretrained F] [--freeze backbone]` on an image folder: the model
/// file rebuilds the torchvision architecture, a frozen feature extractor leaves the file with the
/// pretrained tensors, and predict/evaluate read it back.
/// </summary>
public class TrainBackboneTests
{
    /// <summary>Two class folders of <paramref name="perClass"/> small RGB PNGs: dark discs on light ground and light squares on dark.</summary>
    internal static string ImageFolder(string root, int perClass = 8, int size = 36)
    {
        var rng = new Random(7);
        foreach (var (cls, dark) in new[] { ("disc", true), ("square", false) })
        {
            string dir = Directory.CreateDirectory(Path.Combine(root, cls)).FullName;
            for (int i = 0; i < perClass; i++)
            {
                using var img = new Image<Rgb24>(size, size);
                int cx = rng.Next(10, size - 10), cy = rng.Next(10, size - 10);
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        bool inside = dark ? (x - cx) * (x - cx) + (y - cy) * (y - cy) < 49 : Math.Abs(x - cx) < 7 && Math.Abs(y - cy) < 7;
                        byte v = (byte)((inside ^ !dark ? 40 : 210) + rng.Next(20));
                        img[x, y] = new Rgb24(v, (byte)(v / 2 + 60), (byte)(255 - v));
                    }
                img.SaveAsPng(Path.Combine(dir, $"{i}.png"));
            }
        }
        return root;
    }

    [Fact]
    public void A_frozen_pretrained_resnet18_trains_only_its_head_and_its_file_serves_predict_and_evaluate()
    {
        using var tmp = new TempFolder();
        string data = ImageFolder(tmp.File("images"));
        string weights = tmp.File("resnet18-imagenet.safetensors");
        using (var pretrained = ResNet.ResNet18())   // 1,000 classes, as downloaded: the head does not fit 2 classes
            StateDictFile.Save(pretrained, weights);

        var run = CliRun.Run("train", "--data", data, "--model", "resnet18", "--pretrained", weights, "--freeze", "backbone",
            "--image-size", "32", "--epochs", "1", "--batch-size", "8", "--augment", "none", "--out", tmp.File("out"), "--json");
        var json = run.Json();
        string modelPath = json.GetProperty("model_path").GetString()!;

        using var model = Assert.IsType<ResNet>(Model.Load(modelPath));
        Assert.Equal("resnet18", model.TorchvisionName);
        Assert.Equal(1, model.Head.OutFeatures);   // two classes: one logit
        var saved = model.StateDict();
        using var file = SafetensorsFile.Open(weights);
        int compared = 0;
        foreach (var e in file.Entries.Where(e => !e.Name.StartsWith("fc.", StringComparison.Ordinal)))
        {
            if (e.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            Assert.True(e.ToFloat32().AsSpan().SequenceEqual(saved[e.Name].ToArray()), $"{e.Name} changed although the backbone was frozen");
            compared++;
        }
        Assert.Equal(file.Entries.Count(e => !e.Name.StartsWith("fc.", StringComparison.Ordinal) && !e.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal)), compared);

        var predict = CliRun.Run("predict", "--model", modelPath, "--data", data, "--out", tmp.File("pred.csv"));
        Assert.True(predict.ExitCode == 0, predict.StdErr);
        Assert.Equal(17, File.ReadAllLines(tmp.File("pred.csv")).Length);   // header + 16 images
        var evaluate = CliRun.Run("evaluate", "--model", modelPath, "--data", data, "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);
    }

    [Fact]
    public void Backbone_options_are_checked_before_training()
    {
        using var tmp = new TempFolder();
        string data = ImageFolder(tmp.File("images"));
        var grey = CliRun.Run("train", "--data", data, "--model", "mobilenet_v2", "--channels", "1", "--out", tmp.File("o1"));
        Assert.Equal(NativeNet.Cli.CliApp.BadInput, grey.ExitCode);
        Assert.Contains("--channels must be 3", grey.StdErr);
        var small = CliRun.Run("train", "--data", data, "--model", "resnet18", "--image-size", "16", "--out", tmp.File("o2"));
        Assert.Equal(NativeNet.Cli.CliApp.BadInput, small.ExitCode);
        Assert.Contains("needs RGB images [3, H, W] with H, W", small.StdErr);
        var notBackbone = CliRun.Run("train", "--data", data, "--model", "cnn", "--freeze", "backbone", "--out", tmp.File("o3"));
        Assert.Equal(NativeNet.Cli.CliApp.BadInput, notBackbone.ExitCode);
        Assert.Contains("--pretrained and --freeze apply to the backbones", notBackbone.StdErr);
        var freeze = CliRun.Run("train", "--data", data, "--model", "resnet18", "--freeze", "everything", "--out", tmp.File("o4"));
        Assert.Contains("--freeze must be backbone or none", freeze.StdErr);
        File.WriteAllText(tmp.File("bad.safetensors"), "not weights");
        var bad = CliRun.Run("train", "--data", data, "--model", "resnet18", "--image-size", "32", "--pretrained", tmp.File("bad.safetensors"), "--out", tmp.File("o5"));
        Assert.Equal(NativeNet.Cli.CliApp.BadInput, bad.ExitCode);
        Assert.Contains("bad.safetensors", bad.StdErr);
        using (var other = new MobileNetV2(2))
            StateDictFile.Save(other, tmp.File("mobilenet.safetensors"));
        var wrong = CliRun.Run("train", "--data", data, "--model", "resnet18", "--image-size", "32", "--pretrained", tmp.File("mobilenet.safetensors"), "--out", tmp.File("o6"));
        Assert.Equal(NativeNet.Cli.CliApp.BadInput, wrong.ExitCode);
        Assert.Contains("is not a resnet18 state dict: missing conv1.weight", wrong.StdErr);
        Assert.False(Directory.Exists(tmp.File("o6")) && Directory.EnumerateFiles(tmp.File("o6")).Any(), "a refused run wrote files");
    }
}
