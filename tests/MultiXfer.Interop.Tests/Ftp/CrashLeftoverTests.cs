using MultiXfer.TestKit;

namespace MultiXfer.Interop.Tests.Ftp;

/// <summary>
/// After a crash mid-upload, the hidden temporary is cleaned up at the next start whatever its age; one that a live
/// upload holds (locked, as another process or cluster node holds it) is not.
/// </summary>
public sealed class CrashLeftoverTests
{
    [Fact]
    public async Task Leftover_upload_temporaries_are_removed_at_start_and_live_ones_are_kept()
    {
        string root = Directory.CreateTempSubdirectory("mx-leftover-").FullName;
        try
        {
            string home = Path.Combine(root, "data", "alice", "deep", "er");
            Directory.CreateDirectory(home);
            string stale = Path.Combine(home, ".mxpart-0123456789abcdef");
            string fresh = Path.Combine(home, ".mxpart-fedcba9876543210");
            string userFile = Path.Combine(home, "keep.txt");
            File.WriteAllText(stale, "left by a crash a moment ago");
            File.WriteAllText(fresh, "an upload in flight elsewhere");
            // .NET takes flock(LOCK_EX) for FileShare.None, as the server's uploads hold their temporaries.
            using var live = new FileStream(fresh, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(userFile, "user data");
            File.SetLastWriteTimeUtc(userFile, DateTime.UtcNow.AddYears(-1));

            await using var server = await TestServer.StartAsync(c =>
            {
                c["Server:DataRoot"] = Path.Combine(root, "data");
                c["Server:StaleUploadMinutes"] = "60";
            });
            for (int i = 0; i < 100 && File.Exists(stale); i++)
            {
                await Task.Delay(100);
            }

            Assert.False(File.Exists(stale));
            Assert.True(File.Exists(fresh));
            Assert.True(File.Exists(userFile));
            Assert.Contains("removed 1 temporaries of uploads cut short", await server.WaitForLogAsync("removed 1 temporaries of uploads cut short"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
