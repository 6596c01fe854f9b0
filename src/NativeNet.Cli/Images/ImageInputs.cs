using NativeNet.Cli.Tabular;
using NativeNet.Vision.Datasets;
using NativeNet.Vision.Imaging;
using NativeNet.Vision.Transforms;

namespace NativeNet.Cli.Images;

/// <summary>
/// Where `train`/`evaluate`/`predict` find image files — a folder of class sub-folders, a CSV
/// manifest (path,label), or for predict a folder of images or a text file listing them — and the
/// preprocessing pipelines built from a model's <see cref="ImagePreprocessing"/>.
/// </summary>
public static class ImageInputs
{
    /// <summary>True when <paramref name="path"/> is a folder or a CSV manifest whose path column names image files.</summary>
    public static bool IsImageData(string path)
    {
        if (Directory.Exists(path)) return true;
        if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || !File.Exists(path)) return false;
        Safety.InputFile.Csv(path, "--data"); // a FIFO or device named .csv is refused before it is opened
        using var reader = new StreamReader(path);
        var rows = NativeNet.Data.CsvParser.Read(reader, path).Take(2).ToList();
        if (rows.Count < 2) return false;
        int col = Array.FindIndex(rows[0].Fields, h => h.Trim().Equals("path", StringComparison.OrdinalIgnoreCase));
        return col >= 0 && col < rows[1].Fields.Length && ImageFile.IsImagePath(rows[1].Fields[col].Trim());
    }

    /// <summary>Labelled images: class folders or a manifest, as an <see cref="ImageDataset"/> of the given shape.</summary>
    public static ImageDataset Labelled(string path, int channels, int height, int width, IImageTransform? transform)
    {
        ImageDataset images;
        try
        {
            images = Directory.Exists(path) ? ImageFolder.Load(path, channels, height, width, transform) : ImageManifest.Load(path, channels, height, width, transform);
        }
        catch (Exception e) when (e is InvalidDataException or DirectoryNotFoundException or FileNotFoundException)
        {
            throw new CliInputException(e.Message);
        }
        CheckFiles(images.Paths);
        return images;
    }

    // Every image passes the regular-file gate before a loader opens it: a FIFO would block a worker forever, a device never end.
    private static IReadOnlyList<string> CheckFiles(IReadOnlyList<string> paths)
    {
        foreach (var p in paths) Safety.InputFile.Image(p);
        return paths;
    }

    /// <summary>Images to predict: a folder (every image below it, sorted by path), a manifest's paths, or a text file with one path per line.</summary>
    public static IReadOnlyList<string> Unlabelled(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path, "*", SearchOption.AllDirectories).Where(ImageFile.IsImagePath).Order(StringComparer.Ordinal).ToList();
            return files.Count > 0 ? CheckFiles(files) : throw new CliInputException($"{path}: the folder holds no image files ({string.Join(", ", ImageFile.Extensions)}).");
        }
        if (!File.Exists(path)) throw new CliInputException($"Data not found: {path}");
        if (IsImageData(path)) return CheckFiles(ImageManifest.Read(path).Paths);
        Safety.InputFile.Csv(path, "--data");
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var list = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => Path.IsPathRooted(l) ? l : Path.GetFullPath(Path.Combine(dir, l))).ToList();
        if (list.Count == 0 || list.Any(l => !ImageFile.IsImagePath(l)))
            throw new CliInputException($"{path}: expected a folder of images, a CSV manifest (path,label) or a text file listing image files one per line.");
        return CheckFiles(list);
    }

    /// <summary>The deterministic pipeline: resize (when the model resizes), then normalize.</summary>
    public static Compose Evaluation(ImagePreprocessing p, int height, int width) =>
        new([.. p.Resize ? new IImageTransform[] { new Resize(height, width) } : [], new Normalize(p.Mean, p.Std)]);

    /// <summary>
    /// The training pipeline: with "light" augmentation a rotation of up to 10°, a shift of up to
    /// 1/16 of the size (RandomCrop with padding) and ±10% brightness/contrast — no flips, since
    /// left and right carry meaning in medical images (and in digits).
    /// </summary>
    public static Compose Training(ImagePreprocessing p, int height, int width)
    {
        var steps = new List<IImageTransform>();
        if (p.Resize) steps.Add(new Resize(height, width));
        if (p.Augment == "light")
        {
            steps.Add(new RandomRotation(10));
            steps.Add(new RandomCrop(height, width, Math.Max(1, Math.Min(height, width) / 16)));
            steps.Add(new ColorJitter(0.1, 0.1));
        }
        steps.Add(new Normalize(p.Mean, p.Std));
        return new Compose([.. steps]);
    }

    /// <summary>Normalization statistics: ImageNet's for RGB, their grey-level equivalent for one channel.</summary>
    public static (float[] Mean, float[] Std) Statistics(int channels) =>
        channels == 3 ? ([.. Normalize.ImageNetMean], [.. Normalize.ImageNetStd]) : ([0.449f], [0.226f]);
}
