namespace NativeNet.Reporting.Rendering;

/// <summary>
/// The network as a layered graph drawn top to bottom: each layer sits one row below its
/// deepest input (longest path from an input), layers of one row side by side, arrows along
/// the data flow; an edge that skips rows curves around the boxes it would cross.
/// </summary>
internal static class ArchitectureChart
{
    private const double BoxWidth = 230, BoxHeight = 50, RowGap = 34, ColumnGap = 26, Margin = 24;

    public static Chart Draw(ArchitectureGraph graph)
    {
        var nodes = (graph.Nodes ?? []).ToList();
        if (nodes.Count == 0) return Chart.NotAvailable("the graph has no layers");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is null || nodes[i].Id is null) return Chart.NotAvailable($"layer {i} has no id");
            if (!index.TryAdd(nodes[i].Id, i)) return Chart.NotAvailable($"two layers share the id '{nodes[i].Id}'");
        }
        var edges = new List<(int From, int To)>();
        foreach (var e in graph.Edges ?? [])
        {
            if (e.From is null || !index.TryGetValue(e.From, out int a)) return Chart.NotAvailable($"an edge starts at an unknown layer '{e.From}'");
            if (e.To is null || !index.TryGetValue(e.To, out int b)) return Chart.NotAvailable($"an edge ends at an unknown layer '{e.To}'");
            edges.Add((a, b));
        }
        int[]? depth = Depths(nodes.Count, edges);
        if (depth is null) return Chart.NotAvailable("the graph has a cycle; only acyclic graphs can be drawn");

        var rows = Enumerable.Range(0, depth.Max() + 1)
            .Select(d => Enumerable.Range(0, nodes.Count).Where(i => depth[i] == d).ToList()).ToList();
        int widest = rows.Max(r => r.Count);
        bool hasSkips = edges.Any(e => depth[e.To] - depth[e.From] > 1);
        double width = Math.Max(BoxWidth + 2 * Margin, widest * BoxWidth + (widest - 1) * ColumnGap + 2 * Margin) + (hasSkips ? 90 : 0);
        double height = rows.Count * BoxHeight + (rows.Count - 1) * RowGap + 2 * Margin;
        var pos = new (double X, double Y)[nodes.Count];
        double contentWidth = width - (hasSkips ? 90 : 0);
        for (int d = 0; d < rows.Count; d++)
        {
            double rowWidth = rows[d].Count * BoxWidth + (rows[d].Count - 1) * ColumnGap;
            double x = (contentWidth - rowWidth) / 2;
            foreach (int i in rows[d])
            {
                pos[i] = (x, Margin + d * (BoxHeight + RowGap));
                x += BoxWidth + ColumnGap;
            }
        }

        long total = graph.TotalParameters;
        var svg = new Svg(ReportChartIds.Architecture, width, height, "Network architecture",
            $"{nodes.Count} layers and {edges.Count} connections, drawn from input (top) to output (bottom); {Text.Int(total)} trainable parameters.", naturalSize: true);
        svg.Raw($"<defs><marker id=\"{ReportChartIds.Architecture}-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{Palette.Reference}\"/></marker></defs>");
        string marker = ReportChartIds.Architecture + "-arrow";
        foreach (var (a, b) in edges)
        {
            double sx = pos[a].X + BoxWidth / 2, sy = pos[a].Y + BoxHeight;
            double tx = pos[b].X + BoxWidth / 2, ty = pos[b].Y - 1;
            string d = depth[b] - depth[a] > 1
                ? $"M{Text.C(pos[a].X + BoxWidth)},{Text.C(pos[a].Y + BoxHeight / 2)} C{Text.C(contentWidth + 40)},{Text.C(pos[a].Y + BoxHeight / 2)} {Text.C(contentWidth + 40)},{Text.C(pos[b].Y + BoxHeight / 2)} {Text.C(pos[b].X + BoxWidth + 1)},{Text.C(pos[b].Y + BoxHeight / 2)}"
                : $"M{Text.C(sx)},{Text.C(sy)} C{Text.C(sx)},{Text.C(sy + RowGap / 2)} {Text.C(tx)},{Text.C(ty - RowGap / 2)} {Text.C(tx)},{Text.C(ty)}";
            svg.Path(d, Palette.Reference, 1.4, marker);
        }
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var (x, y) = pos[i];
            string accent = Accent(n.Type ?? "");
            var detail = new List<string>();
            if (!string.IsNullOrWhiteSpace(n.OutputShape)) detail.Add(n.OutputShape!);
            if (n.Parameters is { } p) detail.Add($"{Text.Int(p)} params");
            if (!string.IsNullOrWhiteSpace(n.Details)) detail.Add(n.Details!);
            string tip = $"{n.Name} ({n.Type})" + (detail.Count > 0 ? ": " + string.Join(", ", detail) : "");
            svg.Rect(x, y, BoxWidth, BoxHeight, "#ffffff", "#cbd5e1", rx: 6, tooltip: tip);
            svg.Rect(x, y, 5, BoxHeight, accent, rx: 2);
            svg.Label(x + 14, y + 20, Text.Truncate($"{n.Name} · {n.Type}", 32), "start", "node-title", tooltip: tip);
            if (detail.Count > 0)
                svg.Label(x + 14, y + 38, Text.Truncate(string.Join(" · ", detail), 36), "start", "node-detail");
        }
        return Chart.Drawn(svg);
    }

    /// <summary>Longest-path depth of each node (Kahn's topological order); null on a cycle.</summary>
    private static int[]? Depths(int n, List<(int From, int To)> edges)
    {
        var indegree = new int[n];
        var outs = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        foreach (var (a, b) in edges)
        {
            outs[a].Add(b);
            indegree[b]++;
        }
        var depth = new int[n];
        var queue = new Queue<int>(Enumerable.Range(0, n).Where(i => indegree[i] == 0));
        int seen = 0;
        while (queue.Count > 0)
        {
            int v = queue.Dequeue();
            seen++;
            foreach (int w in outs[v])
            {
                depth[w] = Math.Max(depth[w], depth[v] + 1);
                if (--indegree[w] == 0) queue.Enqueue(w);
            }
        }
        return seen == n ? depth : null;
    }

    /// <summary>One accent colour per kind of layer, so a reader can scan the structure.</summary>
    private static string Accent(string type)
    {
        string t = type.ToLowerInvariant();
        if (t.Contains("input", StringComparison.Ordinal) || t.Contains("output", StringComparison.Ordinal)) return Palette.Reference;
        if (t.Contains("conv", StringComparison.Ordinal)) return Palette.Series[1];
        if (t.Contains("lstm", StringComparison.Ordinal) || t.Contains("gru", StringComparison.Ordinal) || t.Contains("rnn", StringComparison.Ordinal)) return Palette.Series[3];
        if (t.Contains("norm", StringComparison.Ordinal) || t.Contains("dropout", StringComparison.Ordinal)) return Palette.Series[6];
        if (t.Contains("relu", StringComparison.Ordinal) || t.Contains("sigmoid", StringComparison.Ordinal) || t.Contains("tanh", StringComparison.Ordinal)
            || t.Contains("gelu", StringComparison.Ordinal) || t.Contains("softmax", StringComparison.Ordinal)) return Palette.Series[2];
        return Palette.Series[0];
    }
}
