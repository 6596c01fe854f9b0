using System.CommandLine;
using System.Globalization;
using NativeNet.Cli.Safety;
using NativeNet.Cli.Tabular;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet evaluate --model M --data D`: the trained model's metrics on labelled rows.</summary>
public static class EvaluateCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "Model file written by `nativenet train`, or its .onnx written by `nativenet export` (run by the ONNX engine)", Required = true };
        var precision = CommonOptions.Precision("fp32, or bf16: matrix products with bfloat16 operands (docs/bf16.md)");
        var data = new Option<string>("--data") { Description = "Labelled data of the model's kind: CSV with its feature columns and target, .npz images/signals of its input shape, or (image models) a folder of class sub-folders or a CSV manifest path,label", Required = true };
        var json = new Option<bool>("--json") { Description = TrainCommand.JsonHelp.Replace(" (train: the metric of the pooled out-of-fold predictions, with fold_mean, the mean of the per-fold values, beside it)", " (the metric on all rows)").Replace(" on the pooled out-of-fold predictions", "").Replace("; then model_path and report_path", "") };
        var seed = new Option<int>("--seed") { Description = "Seed of the bootstrap intervals", DefaultValueFactory = _ => 42 };
        var cmd = new Command("evaluate", "Metrics of a trained model on labelled data (with bootstrap 95% intervals)");
        foreach (var o in new Option[] { model, data, json, seed, precision }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var products = CommonOptions.ParsePrecision(p.GetValue(precision));
            using var runner = ModelRunner.Load(p.GetValue(model)!);
            runner.UsePrecision(products);
            string path = p.GetValue(data)!;
            float[] outputs, targets;
            if (runner.Schema.Input == InputKinds.ImageFiles)
            {
                var images = runner.LoadImages(path, labelled: true);
                outputs = runner.PredictImages(images);
                targets = images.Targets.ToArray();
            }
            else
            {
                var table = runner.LoadData(path, labelled: true);
                outputs = runner.Predict(table.Dataset, path);
                targets = table.Dataset.Targets;
            }
            int classes = runner.Schema.IsClassification ? runner.Schema.Classes!.Count : 0;
            var values = TabularMetrics.All(classes, targets, outputs);
            var rows = new List<TrainCommand.JsonMetric>();
            stdout.WriteLine($"{CliText.Escape(path)}: {targets.Length} rows, model {CliText.Escape(runner.Path)} ({runner.Schema.Task}, target {CliText.Quote(runner.Schema.Target)})");
            foreach (var (name, v) in values)
            {
                var (lo, hi) = TabularMetrics.Interval(classes, name, targets, outputs, 1000, p.GetValue(seed));
                rows.Add(new TrainCommand.JsonMetric(name, v, lo, hi));
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-12} {v:F4}  95% CI {lo:F4}–{hi:F4} (bootstrap of this estimate)"));
            }
            var extra = classes > 0 ? TrainCommand.ClassJson(runner.Schema.Classes!, TabularMetrics.Confusion(TabularMetrics.Labels(targets), outputs, classes)) : null;
            if (p.GetValue(json)) stdout.WriteLine(TrainCommand.JsonSummary(rows, null, null, extra));
            return 0;
        });
        return cmd;
    }
}
