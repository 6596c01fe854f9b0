using System.Diagnostics;

namespace NativeNet.Tests.Support;

/// <summary>
/// Headless Chromium for render tests. Found through NATIVENET_CHROMIUM, then the usual names on
/// PATH (Debian's package installs /usr/bin/chromium). Runs isolated: a fresh profile, no
/// network features, no sandbox (CI runs as root), a hard timeout.
/// </summary>
internal static class Chromium
{
    public static readonly string? Path = Find();

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    private static string? Find()
    {
        string? configured = Environment.GetEnvironmentVariable("NATIVENET_CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured)) return File.Exists(configured) ? configured : null;
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
            foreach (string dir in dirs)
            {
                string candidate = System.IO.Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Loads <paramref name="htmlFile"/>, writes a screenshot to <paramref name="png"/> and
    /// returns the serialized DOM after parsing (--dump-dom) on stdout, in one launch.</summary>
    public static Result ScreenshotAndDom(string htmlFile, string png, int width, int height, TimeSpan timeout)
    {
        if (Path is null) throw new InvalidOperationException("Chromium is not installed.");
        string profile = Directory.CreateTempSubdirectory("nn-chromium-").FullName;
        try
        {
            var psi = new ProcessStartInfo(Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", $"--user-data-dir={profile}", $"--screenshot={png}", "--dump-dom",
                $"--window-size={width},{height}", new Uri(htmlFile).AbsoluteUri,
            }) psi.ArgumentList.Add(arg);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish rendering {htmlFile} in {timeout.TotalSeconds} s");
            }
            p.WaitForExit();
            return new Result(p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
