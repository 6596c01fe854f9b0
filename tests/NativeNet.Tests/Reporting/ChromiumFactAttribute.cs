using NativeNet.Tests.Support;

namespace NativeNet.Tests.Reporting;

/// <summary>
/// A fact that needs headless Chromium. xunit 2.9 has no dynamic skip, so the Skip reason is
/// computed when the attribute is constructed, i.e. at test discovery: without Chromium the test
/// is reported as skipped ("[SKIP]" with the reason below in the run output), never as a pass.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Path is null)
            Skip = "Chromium is not installed (apt-get install chromium, or set NATIVENET_CHROMIUM): report render test skipped.";
    }
}
