using System.Reflection;
using System.Runtime.InteropServices;
using NativeNet.Interop;

namespace NativeNet.AbuseHelper;

/// <summary>One hostile call: the entry point it targets and a check returning null on success
/// or the reason it failed.</summary>
internal sealed record AbuseCase(string EntryPoint, string Name, Func<string?> Check);

internal static unsafe class AbuseRunner
{
    public static int Run(TextWriter log)
    {
        var cases = NativeAbuseCases.All().Concat(PublicApiAbuseCases.All()).ToList();
        int failed = 0;
        foreach (var c in cases)
        {
            log.WriteLine($"case {c.EntryPoint} {c.Name}");
            log.Flush();
            string? problem;
            try { problem = c.Check(); }
            catch (Exception e) { problem = $"unexpected {e.GetType().Name}: {e.Message}"; }
            if (problem is null) log.WriteLine("ok");
            else { log.WriteLine($"FAIL {problem}"); failed++; }
        }
        // Every native import must have at least one case, so a new export cannot slip through.
        var covered = cases.Select(c => c.EntryPoint).ToHashSet();
        foreach (var entry in NativeEntryPoints())
            if (!covered.Contains(entry)) { log.WriteLine($"missing {entry}"); failed++; }
        log.WriteLine($"done {cases.Count} cases, {failed} failed");
        log.Flush();
        return failed == 0 ? 0 : 1;
    }

    /// <summary>The nn_* imports of NativeMethods, found by reflection.</summary>
    public static IEnumerable<string> NativeEntryPoints() =>
        typeof(NativeMethods).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.Name.StartsWith("nn_", StringComparison.Ordinal))
            .Select(m => m.Name)
            .Distinct()
            .OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>
    /// The contract for a refused call: the expected non-OK status, a message that names the entry
    /// point and <paramref name="mention"/> (the argument), and, through the C# layer
    /// (NativeStatus.Check), the matching managed exception carrying the same message.
    /// </summary>
    public static string? Refused(string entry, nn_status status, string mention,
                                  nn_status expected = nn_status.NN_ERR_INVALID_ARGUMENT)
    {
        if (status != expected) return $"status {status}, expected {expected}";
        string message = Marshal.PtrToStringUTF8((nint)NativeMethods.nn_last_error()) ?? "";
        if (!message.StartsWith(entry + ":", StringComparison.Ordinal)) return $"message does not name {entry}: '{message}'";
        if (!message.Contains(mention, StringComparison.Ordinal)) return $"message does not mention '{mention}': '{message}'";
        try
        {
            NativeStatus.Check(status);
            return "NativeStatus.Check did not throw";
        }
        catch (Exception e)
        {
            Type want = expected switch
            {
                nn_status.NN_ERR_INVALID_ARGUMENT => typeof(ArgumentException),
                nn_status.NN_ERR_OUT_OF_MEMORY => typeof(OutOfMemoryException),
                nn_status.NN_ERR_UNSUPPORTED => typeof(NotSupportedException),
                _ => typeof(NativeNetException),
            };
            if (e.GetType() != want) return $"NativeStatus.Check threw {e.GetType().Name}, expected {want.Name}";
            if (e.Message != message) return $"exception message '{e.Message}' is not nn_last_error() '{message}'";
        }
        return null;
    }
}
