using System.CommandLine;
using System.Globalization;
using NativeNet.Cli.Safety;
using NativeNet.Cli.Tabular;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet predict --model M --data D --out P.csv`: one prediction per row, written atomically; labels quoted per RFC 4180 with formula prefixes neutralized.</summary>
public static class PredictCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "Model file written by `nativenet train`, or its .onnx written by `nativenet export` (run by the ONNX engine)", Required = true };
        var precision = CommonOptions.Precision("fp32, or bf16: matrix products with bfloat16 operands (docs/bf16.md)");
        var data = new Option<string>("--data") { Description = "CSV with the model's feature columns (the target column may be present), .npz images/signals for cnn/lstm models (labels are read but not used), or for image models a folder of images, a CSV manifest or a text file listing image files", Required = true };
        var output = new Option<string>("--out") { Description = "Output CSV: row, probability_<positive class>, class (two classes); row, probability_<class> for each class, class (more); row, <target> (regression)", Required = true };
        var cmd = new Command("predict", "Predict each row of a CSV file with a trained model");
        foreach (var o in new Option[] { model, data, output, precision }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string modelPath = p.GetValue(model)!, dataPath = p.GetValue(data)!, outPath = p.GetValue(output)!;
            OutputFiles.CheckTarget(outPath, "--out");
            OutputFiles.CheckNotInput(outPath, "--out", (modelPath, "--model"), (dataPath, "--data"));
            var products = CommonOptions.ParsePrecision(p.GetValue(precision));
            using var runner = ModelRunner.Load(modelPath);
            runner.UsePrecision(products);
            var s = runner.Schema;
            IReadOnlyList<string>? files = null;
            float[] outputs;
            if (s.Input == InputKinds.ImageFiles)
            {
                var images = runner.LoadImages(dataPath, labelled: false);
                files = images.Paths;
                outputs = runner.PredictImages(images);
            }
            else outputs = runner.Predict(runner.LoadData(dataPath, labelled: !s.IsTable).Dataset, dataPath);
            // Image models name each row by its file; other models by its 1-based row number.
            string first = files is null ? "row" : "path";
            string Key(int i) => files is null ? (i + 1).ToString(CultureInfo.InvariantCulture) : CliText.CsvField(files[i]);
            OutputFiles.WriteText(outPath, w =>
            {
                if (s.IsClassification && s.Classes!.Count > 2)
                {
                    int k = s.Classes.Count;
                    var labels = s.Classes.Select(CliText.CsvField).ToArray();
                    var predicted = TabularMetrics.Predicted(outputs, k);
                    w.WriteLine($"{first},{string.Join(",", s.Classes.Select(c => CliText.CsvField("probability_" + c)))},class");
                    for (int i = 0; i < predicted.Length; i++)
                        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Key(i)},{string.Join(",", outputs.Skip(i * k).Take(k).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))},{labels[predicted[i]]}"));
                }
                else if (s.IsClassification)
                {
                    w.WriteLine($"{first},{CliText.CsvField("probability_" + s.Classes![1])},class");
                    string negative = CliText.CsvField(s.Classes[0]), positive = CliText.CsvField(s.Classes[1]);
                    for (int i = 0; i < outputs.Length; i++)
                        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Key(i)},{outputs[i]:R},{(outputs[i] >= 0.5f ? positive : negative)}"));
                }
                else
                {
                    w.WriteLine($"row,{CliText.CsvField(s.Target)}");
                    for (int i = 0; i < outputs.Length; i++) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{outputs[i]:R}"));
                }
            });
            stdout.WriteLine($"Wrote {outputs.Length / s.OutputWidth} predictions to {CliText.Escape(outPath)}");
            return 0;
        });
        return cmd;
    }
}
