using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NativeNet.Cli.Safety;

/// <summary>
/// Text that leaves the CLI: error lines (control characters escaped, quoted values and the whole
/// line capped, so a hostile file can neither flood nor drive the terminal) and CSV fields
/// (RFC 4180 quoting, spreadsheet formula prefixes neutralized).
/// </summary>
public static partial class CliText
{
    /// <summary>Longest error line written to stderr.</summary>
    public const int MaxLine = 300;

    /// <summary>Longest quoted value kept inside an error line.</summary>
    public const int MaxQuoted = 200;

    /// <summary>
    /// <paramref name="text"/> with every control character (C0, DEL, C1, bidirectional overrides,
    /// line and paragraph separators) written as \xNN or \uNNNN, and at most <paramref name="max"/>
    /// characters kept (then "…"). Safe to print from an untrusted file.
    /// </summary>
    public static string Escape(string? text, int max = int.MaxValue)
    {
        if (text is null) return "";
        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        foreach (char c in text)
        {
            if (sb.Length >= max) { sb.Append('…'); break; }
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            else if (c is (>= '\u200E' and <= '\u200F') or (>= '\u2028' and <= '\u202E') or (>= '\u2066' and <= '\u2069')) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// One error line: control characters escaped, each '…'-quoted value longer than
    /// <see cref="MaxQuoted"/> cut with an ellipsis, the whole line at most <see cref="MaxLine"/>.
    /// </summary>
    public static string ErrorLine(string message)
    {
        // Cut before escaping: a 500 MB value must not be copied whole.
        string head = message.Length > 64 * MaxLine ? message[..(64 * MaxLine)] : message;
        string line = Escape(head);
        line = QuotedValue().Replace(line, m => $"'{m.Groups[1].Value[..MaxQuoted]}…'");
        if (line.Length > MaxLine) line = line[..(MaxLine - 1)] + "…";
        return line;
    }

    /// <summary>A value quoted for an error message: escaped and cut at <see cref="MaxQuoted"/>.</summary>
    public static string Quote(string? value) => $"'{Escape(value, MaxQuoted)}'";

    /// <summary>
    /// One CSV field per RFC 4180: quoted (quotes doubled) when it holds a separator, quote or line
    /// break; a leading =, +, -, @, tab or carriage return (a formula to a spreadsheet) is prefixed with
    /// an apostrophe. For text fields only; numbers are written as they are.
    /// </summary>
    public static string CsvField(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    [GeneratedRegex("'([^']{201,})'")]
    private static partial Regex QuotedValue();
}
