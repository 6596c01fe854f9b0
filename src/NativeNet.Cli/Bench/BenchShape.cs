namespace NativeNet.Cli.Bench;

/// <summary>Parses the "AxBxC…" shapes that bench options take.</summary>
public static class BenchShape
{
    /// <summary>
    /// Parses <paramref name="text"/> as positive integers separated by 'x', as many as
    /// <paramref name="format"/> names; throws CliInputException naming the option and the text.
    /// </summary>
    public static int[] Parse(string text, string option, string format)
    {
        int count = format.Split('x').Length;
        var parts = text.Split('x', 'X');
        var values = new int[parts.Length];
        bool ok = parts.Length == count;
        for (int i = 0; ok && i < parts.Length; i++) ok = int.TryParse(parts[i], out values[i]) && values[i] > 0;
        if (!ok) throw new CliInputException($"{option} must be {format} with positive integers. Received: '{text}'");
        return values;
    }

    /// <summary>Parses a conv case "NxCxHxK" (batch, channels, height = width, output channels).</summary>
    public static (int N, int C, int H, int K) Conv(string text)
    {
        var v = Parse(text, "--shape", "NxCxHxK");
        return (v[0], v[1], v[2], v[3]);
    }

    /// <summary>Parses a recurrent case "lstm:BxTxIxH" or "gru:BxTxIxH".</summary>
    public static (string Cell, int B, int T, int I, int H) Rnn(string text)
    {
        int colon = text.IndexOf(':');
        string cell = colon < 0 ? "" : text[..colon].ToLowerInvariant();
        if (cell is not ("lstm" or "gru"))
            throw new CliInputException($"--shape must be lstm:BxTxIxH or gru:BxTxIxH. Received: '{text}'");
        var v = Parse(text[(colon + 1)..], "--shape", "BxTxIxH");
        return (cell, v[0], v[1], v[2], v[3]);
    }
}
