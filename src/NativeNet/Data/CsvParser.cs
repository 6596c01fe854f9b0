using System.Text;

namespace NativeNet.Data;

/// <summary>One CSV record and the 1-based line of the file on which it starts.</summary>
/// <param name="Line">Line number as a person counts lines in an editor (the header is line 1).</param>
/// <param name="Fields">The unquoted field values.</param>
public readonly record struct CsvRecord(int Line, string[] Fields);

/// <summary>
/// A streaming RFC 4180 reader: comma-separated fields, optional double-quote quoting with ""
/// for a literal quote, line breaks (CRLF, LF or CR) allowed inside quoted fields. Blank lines
/// are skipped. A malformed quote, or a record longer than the caller's limit (read no further
/// than the limit, so one endless line cannot exhaust memory), raises
/// <see cref="InvalidDataException"/> naming file and line.
/// </summary>
public static class CsvParser
{
    /// <summary>Reads every record of <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="source">Names the text in errors.</param>
    /// <param name="separator">Field separator.</param>
    /// <param name="maxRecordChars">Longest record (characters of all its fields) accepted.</param>
    public static IEnumerable<CsvRecord> Read(TextReader reader, string source, char separator = ',', int maxRecordChars = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1;
        while (true)
        {
            int startLine = line;
            fields.Clear();
            field.Clear();
            int c = reader.Read();
            if (c < 0) yield break;
            long recordChars = 0;
            // Skip blank lines between records.
            if (c == '\r' || c == '\n')
            {
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                line++;
                continue;
            }
            bool endOfFile = false;
            while (true)
            {
                // Parse one field starting at c.
                if (c == '"')
                {
                    int quoteLine = line;
                    while (true)
                    {
                        int d = reader.Read();
                        if (d < 0) throw new InvalidDataException($"{source}: row {quoteLine}: a quoted field is never closed (end of file reached).");
                        if (d == '"')
                        {
                            if (reader.Peek() == '"') { reader.Read(); field.Append('"'); continue; }
                            break;
                        }
                        if (d == '\n' || (d == '\r' && reader.Peek() != '\n')) line++;
                        if (++recordChars > maxRecordChars) throw TooLong(source, startLine, maxRecordChars);
                        field.Append((char)d);
                    }
                    c = reader.Read();
                    if (c >= 0 && c != separator && c != '\r' && c != '\n')
                        throw new InvalidDataException($"{source}: row {line}: unexpected character '{(char)c}' after a closing quote (field {fields.Count + 1}).");
                }
                else
                {
                    while (c >= 0 && c != separator && c != '\r' && c != '\n')
                    {
                        if (c == '"') throw new InvalidDataException($"{source}: row {line}: a quote inside an unquoted field (field {fields.Count + 1}); quote the whole field and double the quote.");
                        if (++recordChars > maxRecordChars) throw TooLong(source, startLine, maxRecordChars);
                        field.Append((char)c);
                        c = reader.Read();
                    }
                }
                fields.Add(field.ToString());
                field.Clear();
                if (c == separator) { c = reader.Read(); if (c < 0 || c == '\r' || c == '\n') { fields.Add(""); goto endRecord; } continue; }
                goto endRecord;
            }
        endRecord:
            if (c < 0) endOfFile = true;
            else
            {
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                line++;
            }
            yield return new CsvRecord(startLine, fields.ToArray());
            if (endOfFile) yield break;
        }
    }

    private static InvalidDataException TooLong(string source, int line, int max) =>
        new($"{source}: row {line} is longer than {max:N0} characters, the record length limit.");
}
