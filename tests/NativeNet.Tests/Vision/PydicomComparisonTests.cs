using System.Globalization;
using NativeNet.Tests.Support;
using NativeNet.Vision.Dicom;

namespace NativeNet.Tests.Vision;

/// <summary>
/// The DICOM reader against pydicom on pydicom's own test files (Debian python3-pydicom): for every
/// file pydicom decodes with its built-in handlers (no plugins), the stored values equal
/// <c>pixel_array</c> and the rescaled values equal <c>apply_modality_lut</c> exactly. Files pydicom
/// cannot decode must give a clear InvalidDataException or NotSupportedException here (or decode).
/// The folder is found through python3 at run time; every file in it is checked.
/// </summary>
public class PydicomComparisonTests
{
    [PythonFact("pydicom", "numpy")]
    public void Every_file_pydicom_decodes_matches_pixel_array_and_modality_lut()
    {
        string dir = Directory.CreateTempSubdirectory("nn-pydicom").FullName;
        try
        {
            string script = Path.Combine(AppContext.BaseDirectory, "Vision", "Python", "pydicom_dump.py");
            var r = Python.Run(TimeSpan.FromSeconds(240), script, dir);
            Assert.True(r.ExitCode == 0, $"pydicom_dump.py exited {r.ExitCode}: {r.StdErr}");
            var lines = File.ReadAllLines(Path.Combine(dir, "index.tsv"));
            string folder = lines[0];
            int compared = 0, rejected = 0;
            var failures = new List<string>();
            foreach (var line in lines.Skip(1))
            {
                var f = line.Split('\t');
                string name = f[0], path = Path.Combine(folder, name);
                if (f[1] == "ok")
                {
                    try
                    {
                        var dims = f[2].Split(' ').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                        var image = DicomImage.Load(path);
                        string? diff = Compare(image, dims, ReadDoubles(Path.Combine(dir, name + ".pixels")), image.StoredValues, "pixel_array")
                            ?? (f[3] == "1" ? Compare(image, dims, ReadDoubles(Path.Combine(dir, name + ".modality")), image.ModalityValues(), "apply_modality_lut") : null);
                        if (diff is not null) failures.Add($"{name}: {diff}");
                        compared++;
                    }
                    catch (Exception e) { failures.Add($"{name}: {e.GetType().Name}: {e.Message}"); }
                    continue;
                }
                try { DicomImage.Load(path); }
                catch (NotSupportedException e)
                {
                    if (!e.Message.Contains(name) || !e.Message.Contains("1.2.840.10008.1.2.4")) failures.Add($"{name}: NotSupportedException without the file or syntax UID: {e.Message}");
                    rejected++;
                }
                catch (InvalidDataException e)
                {
                    if (!e.Message.Contains(name) || !e.Message.Contains("(tag (")) failures.Add($"{name}: InvalidDataException without the file or tag: {e.Message}");
                    rejected++;
                }
                catch (Exception e) { failures.Add($"{name} (pydicom: {f[2]}): {e.GetType().Name}: {e.Message}"); }
            }
            Assert.True(failures.Count == 0, $"{failures.Count} file(s) differ:\n" + string.Join("\n", failures));
            Assert.True(compared >= 20, $"only {compared} files compared: pydicom's test files are missing?");
            Assert.True(rejected > 0);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // pydicom's order is (frame, row, column, sample); ours is (frame, sample, row, column).
    private static string? Compare(DicomImage image, int[] dims, double[] expected, double[] actual, string what)
    {
        int frames = dims[0], rows = dims[1], cols = dims[2], samples = dims[3];
        if (image.Frames != frames || image.Rows != rows || image.Columns != cols || image.Samples != samples)
            return $"shape [{image.Frames}, {image.Rows}, {image.Columns}, {image.Samples}] vs pydicom's [{string.Join(", ", dims)}]";
        for (int fr = 0; fr < frames; fr++)
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                    for (int s = 0; s < samples; s++)
                    {
                        double e = expected[((fr * rows + y) * cols + x) * samples + s];
                        double a = actual[((fr * samples + s) * rows + y) * cols + x];
                        if (e != a && !(double.IsNaN(e) && double.IsNaN(a)))
                            return $"{what} differs at frame {fr}, row {y}, column {x}, sample {s}: pydicom {e.ToString("R", CultureInfo.InvariantCulture)}, NativeNet {a.ToString("R", CultureInfo.InvariantCulture)}";
                    }
        return null;
    }

    private static double[] ReadDoubles(string path)
    {
        var b = File.ReadAllBytes(path);
        var d = new double[b.Length / 8];
        Buffer.BlockCopy(b, 0, d, 0, d.Length * 8);
        return d;
    }
}
