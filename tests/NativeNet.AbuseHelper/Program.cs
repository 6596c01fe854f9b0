using NativeNet.AbuseHelper;

// Usage: NativeNet.AbuseHelper
// Runs every abuse case, printing "case <entry> <name>" before each (so a crash names it) and
// "ok" or "FAIL <reason>" after; "missing <entry>" for a native import no case covers.
// Exit code 0 when every case passed and every import is covered, 1 otherwise.
return AbuseRunner.Run(Console.Out);
