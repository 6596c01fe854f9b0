namespace NativeNet.Vision.Datasets;

/// <summary>
/// torchvision's <c>ImageFolder</c> layout: one sub-folder per class under a root; class names are
/// the sub-folder names sorted by code point (Python's <c>sorted</c>), class index = position; each
/// class's images are found recursively, folders and file names sorted the same way. Files of every
/// supported kind (PNG, JPEG, BMP, TIFF, GIF, DICOM) may be mixed; other files are ignored.
/// </summary>
public static class ImageFolder
{
    /// <summary>Classes and (path, class index) pairs under <paramref name="root"/>.</summary>
    public static (IReadOnlyList<string> Classes, IReadOnlyList<(string Path, int Label)> Files) Scan(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).Select(n => n!).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0) throw new InvalidDataException($"Image folder '{root}': no class sub-folders (expected <root>/<class>/<image files>).");
        var files = new List<(string, int)>();
        for (int c = 0; c < classes.Count; c++)
        {
            int before = files.Count;
            Walk(Path.Combine(root, classes[c]), c, files);
            if (files.Count == before) throw new InvalidDataException($"Image folder '{root}': class folder '{classes[c]}' holds no image files ({string.Join(", ", Imaging.ImageFile.Extensions)}).");
        }
        return (classes, files);
    }

    /// <summary>An <see cref="ImageDataset"/> over the folder.</summary>
    public static ImageDataset Load(string root, int channels, int height, int width, Transforms.IImageTransform? transform = null, Imaging.DicomValues dicom = Imaging.DicomValues.UnitRange)
    {
        var (classes, files) = Scan(root);
        return new ImageDataset(files.Select(f => f.Path).ToList(), files.Select(f => (float)f.Label).ToArray(), 1, classes, channels, height, width, transform, dicom);
    }

    // Like sorted(os.walk(dir)): every folder of the subtree ordered by its full path, each one's files by name.
    private static void Walk(string dir, int label, List<(string, int)> files)
    {
        var dirs = new List<string> { dir };
        dirs.AddRange(Directory.GetDirectories(dir, "*", SearchOption.AllDirectories));
        foreach (var d in dirs.Order(StringComparer.Ordinal))
            foreach (var f in Directory.GetFiles(d).Order(StringComparer.Ordinal))
                if (Imaging.ImageFile.IsImagePath(f)) files.Add((f, label));
    }
}
