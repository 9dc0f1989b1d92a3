using MultiXfer.Fsio;

namespace MultiXfer.Sftp.Codec;

/// <summary>
/// POSIX permission bits shown as an NFSv4-style ACL: three ALLOW entries for OWNER@, GROUP@ and EVERYONE@. That
/// is exactly what the mode says; storage has no other ACLs to report. Drafts -04 and -05 put the entries inline
/// (uint32 ace-count, entries); draft -13 §7.8 wraps acl-flags, ace-count and entries in one string.
/// </summary>
internal static class AclEncoding
{
    private const uint AceAllowed = 0;
    private const uint ReadMask = 0x00000001 | 0x00000080 | 0x00020000 | 0x00100000; // READ_DATA, READ_ATTRIBUTES, READ_ACL, SYNCHRONIZE
    private const uint WriteMask = 0x00000002 | 0x00000004 | 0x00000100; // WRITE_DATA, APPEND_DATA, WRITE_ATTRIBUTES
    private const uint DirectoryWriteMask = 0x00000040; // DELETE_CHILD
    private const uint ExecuteMask = 0x00000020;

    public static void WriteFromMode(Wire.SftpWriter writer, FileStatus status, bool asVersion6String)
    {
        int mode = status.Permissions;
        var who = new[] { ("OWNER@", mode >> 6), ("GROUP@", mode >> 3), ("EVERYONE@", mode) };
        if (asVersion6String)
        {
            // The string's length first: acl-flags, ace-count, and per entry 3 uint32 and a short ASCII name.
            int length = 8;
            foreach (var (name, _) in who)
            {
                length += 12 + 4 + name.Length;
            }

            writer.WriteUInt32((uint)length);
            writer.WriteUInt32(0);
        }

        writer.WriteUInt32((uint)who.Length);
        foreach (var (name, bits) in who)
        {
            uint mask = 0;
            if ((bits & 4) != 0)
            {
                mask |= ReadMask;
            }

            if ((bits & 2) != 0)
            {
                mask |= WriteMask | (status.IsDirectory ? DirectoryWriteMask : 0);
            }

            if ((bits & 1) != 0)
            {
                mask |= ExecuteMask;
            }

            writer.WriteUInt32(AceAllowed);
            writer.WriteUInt32(0);
            writer.WriteUInt32(mask);
            writer.WriteString(name);
        }
    }
}
