using System.Runtime.InteropServices;

namespace NativeNet.Cli.Safety;

/// <summary>What a path names, as the file system says (Linux: statx, so FIFOs and devices are told apart from files).</summary>
public enum FileType
{
    /// <summary>Nothing there.</summary>
    Missing,
    /// <summary>A regular file.</summary>
    Regular,
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A symbolic link (only when links are not followed).</summary>
    Symlink,
    /// <summary>A named pipe.</summary>
    Fifo,
    /// <summary>A character or block device.</summary>
    Device,
    /// <summary>A socket or anything else.</summary>
    Other,
}

/// <summary>The type, size and identity of a path.</summary>
/// <param name="Type">What it is.</param>
/// <param name="Size">Bytes (regular files).</param>
/// <param name="Identity">Device and inode ("dev:ino"), null where the platform does not say.</param>
public readonly record struct FileKind(FileType Type, long Size, string? Identity)
{
    /// <summary>
    /// Looks at <paramref name="path"/>; <paramref name="followLinks"/> false reports a link itself.
    /// A symlink loop, a path through a non-folder, or a denied lookup is an <see cref="IOException"/>
    /// or <see cref="UnauthorizedAccessException"/> naming the path.
    /// </summary>
    public static FileKind Of(string path, bool followLinks = true)
    {
        if (OperatingSystem.IsLinux())
        {
            try { return Statx(path, followLinks); }
            catch (EntryPointNotFoundException) { }
        }
        return Portable(path, followLinks);
    }

    /// <summary>A readable name of <paramref name="type"/> for messages.</summary>
    public static string Describe(FileType type) => type switch
    {
        FileType.Directory => "a directory",
        FileType.Symlink => "a symbolic link",
        FileType.Fifo => "a named pipe (FIFO)",
        FileType.Device => "a device",
        FileType.Missing => "missing",
        FileType.Regular => "a regular file",
        _ => "not a regular file (socket or special file)",
    };

    private static FileKind Portable(string path, bool followLinks)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            if (!followLinks) return new FileKind(FileType.Symlink, 0, null);
            info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info; // throws IOException on a loop
        }
        if (!info.Exists) return new FileKind(FileType.Missing, 0, null);
        return info is DirectoryInfo ? new FileKind(FileType.Directory, 0, null) : new FileKind(FileType.Regular, ((FileInfo)info).Length, null);
    }

    // struct statx is the same on every Linux architecture: stx_mode (u16) at 28, stx_ino at 32,
    // stx_size at 40, stx_dev_major/minor at 136/140; 256 bytes in all.
    private static unsafe FileKind Statx(string path, bool followLinks)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint Mask = 0x1 | 0x2 | 0x100 | 0x200; // type, mode, ino, size
        byte* buffer = stackalloc byte[256];
        byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        int rc;
        fixed (byte* p = name) rc = statx(AtFdCwd, p, followLinks ? 0 : AtSymlinkNoFollow, Mask, buffer);
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                2 => new FileKind(FileType.Missing, 0, null),                               // ENOENT
                20 => throw new IOException($"'{path}': a part of the path is not a folder."), // ENOTDIR
                40 => throw new IOException($"'{path}': too many levels of symbolic links (a link loop?)."),
                13 or 1 => throw new UnauthorizedAccessException($"'{path}': permission denied."),
                36 => throw new PathTooLongException($"'{path}': the name is too long."),
                38 => throw new EntryPointNotFoundException(),                              // ENOSYS: old kernel
                _ => throw new IOException($"'{path}': cannot be examined (errno {errno})."),
            };
        }
        int mode = *(ushort*)(buffer + 28) & 0xF000;
        long size = *(long*)(buffer + 40);
        string identity = $"{*(uint*)(buffer + 136)}:{*(uint*)(buffer + 140)}:{*(ulong*)(buffer + 32)}";
        var type = mode switch
        {
            0x8000 => FileType.Regular,
            0x4000 => FileType.Directory,
            0xA000 => FileType.Symlink,
            0x1000 => FileType.Fifo,
            0x2000 or 0x6000 => FileType.Device,
            _ => FileType.Other,
        };
        return new FileKind(type, size, identity);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int statx(int dirfd, byte* path, int flags, uint mask, byte* buffer);
}
