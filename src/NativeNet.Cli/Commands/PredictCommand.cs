using System.CommandLine;
using System.Globalization;
using NativeNet.Cli.Tabular;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet predict --model M --data D --out P.csv`: one prediction per row, written atomically.</summary>
public static class PredictCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "Model file written by `nativenet train`", Required = true };
        var data = new Option<string>("--data") { Description = "CSV with the model's feature columns (the target column may be present)", Required = true };
        var output = new Option<string>("--out") { Description = "Output CSV (row, probability, class — or row, prediction)", Required = true };
        var cmd = new Command("predict", "Predict each row of a CSV file with a trained model");
        foreach (var o in new Option[] { model, data, output }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            using var runner = ModelRunner.Load(p.GetValue(model)!);
            var table = runner.LoadData(p.GetValue(data)!, labelled: false);
            var outputs = runner.Predict(table.Dataset);
            var s = runner.Schema;
            string outPath = p.GetValue(output)!;
            AtomicText.Write(outPath, w =>
            {
                if (s.IsClassification)
                {
                    w.WriteLine($"row,probability_{s.Classes![1]},class");
                    for (int i = 0; i < outputs.Length; i++)
                        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{outputs[i]:R},{s.Classes[outputs[i] >= 0.5f ? 1 : 0]}"));
                }
                else
                {
                    w.WriteLine($"row,{s.Target}");
                    for (int i = 0; i < outputs.Length; i++) w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{outputs[i]:R}"));
                }
            });
            stdout.WriteLine($"Wrote {outputs.Length} predictions to {outPath}");
            return 0;
        });
        return cmd;
    }
}
