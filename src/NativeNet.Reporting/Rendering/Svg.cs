using System.Text;

namespace NativeNet.Reporting.Rendering;

/// <summary>
/// A minimal SVG writer: every attribute value it writes is either a formatted number or
/// escaped text, so callers cannot forget either.
/// </summary>
internal sealed class Svg
{
    private readonly StringBuilder _sb = new();

    public Svg(string id, double width, double height, string title, string description, bool naturalSize = false)
    {
        Width = width;
        Height = height;
        string t = Text.Escape(title);
        _sb.Append($"<svg id=\"{Text.Escape(id)}\" class=\"chart{(naturalSize ? " natural" : "")}\" ")
           .Append($"viewBox=\"0 0 {Text.C(width)} {Text.C(height)}\" width=\"{Text.C(width)}\" height=\"{Text.C(height)}\" ")
           .Append($"role=\"img\" aria-label=\"{t}\" aria-describedby=\"{Text.Escape(id)}-desc\">")
           .Append($"<title>{t}</title><desc id=\"{Text.Escape(id)}-desc\">{Text.Escape(description)}</desc>");
    }

    public double Width { get; }

    public double Height { get; }

    public void Raw(string markup) => _sb.Append(markup);

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1,
        string? dash = null, string? cls = null)
    {
        _sb.Append($"<line x1=\"{Text.C(x1)}\" y1=\"{Text.C(y1)}\" x2=\"{Text.C(x2)}\" y2=\"{Text.C(y2)}\" stroke=\"{stroke}\" stroke-width=\"{Text.C(width)}\"");
        if (dash is not null) _sb.Append($" stroke-dasharray=\"{dash}\"");
        if (cls is not null) _sb.Append($" class=\"{cls}\"");
        _sb.Append("/>");
    }

    public void Rect(double x, double y, double w, double h, string fill, string? stroke = null,
        double rx = 0, string? tooltip = null, double opacity = 1)
    {
        _sb.Append($"<rect x=\"{Text.C(x)}\" y=\"{Text.C(y)}\" width=\"{Text.C(Math.Max(0, w))}\" height=\"{Text.C(Math.Max(0, h))}\" fill=\"{fill}\"");
        if (stroke is not null) _sb.Append($" stroke=\"{stroke}\"");
        if (rx > 0) _sb.Append($" rx=\"{Text.C(rx)}\"");
        if (opacity < 1) _sb.Append($" fill-opacity=\"{Text.C(opacity)}\"");
        if (tooltip is null) _sb.Append("/>");
        else _sb.Append($"><title>{Text.Escape(tooltip)}</title></rect>");
    }

    public void Circle(double cx, double cy, double r, string fill, string? stroke = null,
        double opacity = 1, string? tooltip = null)
    {
        _sb.Append($"<circle cx=\"{Text.C(cx)}\" cy=\"{Text.C(cy)}\" r=\"{Text.C(r)}\" fill=\"{fill}\"");
        if (stroke is not null) _sb.Append($" stroke=\"{stroke}\" stroke-width=\"1.5\"");
        if (opacity < 1) _sb.Append($" fill-opacity=\"{Text.C(opacity)}\"");
        if (tooltip is null) _sb.Append("/>");
        else _sb.Append($"><title>{Text.Escape(tooltip)}</title></circle>");
    }

    /// <summary>A polyline through the points; non-finite points break the line into pieces.</summary>
    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 2,
        string? dash = null)
    {
        var piece = new StringBuilder();
        int count = 0;
        void Flush()
        {
            if (count >= 2)
            {
                _sb.Append($"<polyline fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{Text.C(width)}\" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
                if (dash is not null) _sb.Append($" stroke-dasharray=\"{dash}\"");
                _sb.Append($" points=\"{piece}\"/>");
            }
            piece.Clear();
            count = 0;
        }
        foreach (var (x, y) in points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y)) { Flush(); continue; }
            if (count > 0) piece.Append(' ');
            piece.Append(Text.C(x)).Append(',').Append(Text.C(y));
            count++;
        }
        Flush();
    }

    /// <summary>A closed filled polygon (e.g. the area under a curve).</summary>
    public void Polygon(IEnumerable<(double X, double Y)> points, string fill, double opacity)
    {
        _sb.Append($"<polygon fill=\"{fill}\" fill-opacity=\"{Text.C(opacity)}\" stroke=\"none\" points=\"");
        bool first = true;
        foreach (var (x, y) in points)
        {
            if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
            if (!first) _sb.Append(' ');
            _sb.Append(Text.C(x)).Append(',').Append(Text.C(y));
            first = false;
        }
        _sb.Append("\"/>");
    }

    public void Path(string d, string stroke, double width, string? markerEnd = null, string fill = "none")
    {
        _sb.Append($"<path d=\"{d}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{Text.C(width)}\"");
        if (markerEnd is not null) _sb.Append($" marker-end=\"url(#{markerEnd})\"");
        _sb.Append("/>");
    }

    /// <summary>Text; <paramref name="anchor"/> is start, middle or end. The content is escaped.</summary>
    public void Label(double x, double y, string content, string anchor = "start", string cls = "tick",
        double rotate = 0, string? fill = null, string? tooltip = null)
    {
        _sb.Append($"<text x=\"{Text.C(x)}\" y=\"{Text.C(y)}\" text-anchor=\"{anchor}\" class=\"{cls}\"");
        if (fill is not null) _sb.Append($" fill=\"{fill}\"");
        if (rotate != 0) _sb.Append($" transform=\"rotate({Text.C(rotate)} {Text.C(x)} {Text.C(y)})\"");
        _sb.Append('>').Append(Text.Escape(content));
        if (tooltip is not null) _sb.Append($"<title>{Text.Escape(tooltip)}</title>");
        _sb.Append("</text>");
    }

    public override string ToString() => _sb + "</svg>";
}
