using System.Diagnostics;

namespace MultiXfer.Interop.Tests.Scp;

/// <summary>
/// A file over 4 GiB (sizes past 2^32 in C lines and in the sink's and source's arithmetic), sparse where it is made
/// so that it costs no disk. The server's copy and the downloaded copy are real bytes: both live on tmpfs
/// (/dev/shm) when the machine has it, because writing 4 GiB to this machine's disk takes about 20 s while tmpfs takes
/// a few, and each is deleted as soon as it is checked. Sizes and sampled ranges (at the start, around 2^31 and
/// 2^32, at the end) are compared instead of the whole content.
/// </summary>
public sealed class ScpLargeFileTests : ScpTestBase
{
    /// <summary>Just over 4 GiB: 2^32 + 64 KiB + 1.</summary>
    private const long Size = (1L << 32) + 65537;

    private static readonly long[] SampleOffsets = [0, (1L << 31) - 100, (1L << 32) - 2048, (1L << 32) + 8192, Size - 4096];

    private string? _fastRoot;

    protected override string Home => Path.Combine(_fastRoot ?? Server.DataRoot, "alice");

    protected override void Configure(Dictionary<string, string?> settings)
    {
        if (Directory.Exists("/dev/shm"))
        {
            _fastRoot = Path.Combine("/dev/shm", "mx-scp-large-" + Id);
            settings["Server:DataRoot"] = _fastRoot;
        }
    }

    protected override string CreateWorkDirectory() => Directory.Exists("/dev/shm")
        ? Directory.CreateDirectory(Path.Combine("/dev/shm", "mx-scp-large-work-" + Id)).FullName
        : base.CreateWorkDirectory();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_fastRoot is not null && Directory.Exists(_fastRoot))
        {
            Directory.Delete(_fastRoot, recursive: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sparse_file_over_4_GiB_up_and_down(bool legacy)
    {
        var samples = MakeSparse(Local("big.bin"));
        var watch = Stopwatch.StartNew();
        await ScpOkAsync(legacy, "-c", "aes128-gcm@openssh.com", Local("big.bin"), Target(""));
        var upload = watch.Elapsed;
        AssertSamples(Remote("big.bin"), samples);
        File.Delete(Remote("big.bin"));
        File.Delete(Local("big.bin"));

        samples = MakeSparse(Remote("big2.bin"));
        watch.Restart();
        await ScpOkAsync(legacy, "-c", "aes128-gcm@openssh.com", Target("big2.bin"), Local("big2.bin"));
        var download = watch.Elapsed;
        AssertSamples(Local("big2.bin"), samples);
        File.Delete(Local("big2.bin"));
        Assert.True(upload + download < TimeSpan.FromMinutes(3), $"upload {upload}, download {download}");
    }

    /// <summary>A sparse file of <see cref="Size"/> bytes with random 4 KiB blocks at the sample offsets.</summary>
    private static Dictionary<long, byte[]> MakeSparse(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var samples = new Dictionary<long, byte[]>();
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(Size);
        foreach (long offset in SampleOffsets)
        {
            byte[] block = RandomBytes(4096);
            file.Position = offset;
            file.Write(block);
            samples[offset] = block;
        }

        return samples;
    }

    private static void AssertSamples(string path, Dictionary<long, byte[]> samples)
    {
        Assert.Equal(Size, new FileInfo(path).Length);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read);
        foreach (var (offset, expected) in samples)
        {
            byte[] actual = new byte[expected.Length];
            file.Position = offset;
            file.ReadExactly(actual);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path}: bytes at {offset} differ");
        }

        // Between the samples: zeros.
        byte[] gap = new byte[4096];
        foreach (long offset in new[] { 1L << 20, 3L << 30, Size - 8192 - 4096 })
        {
            file.Position = offset;
            file.ReadExactly(gap);
            Assert.True(gap.All(b => b == 0), $"{path}: bytes at {offset} are not the zeros of the hole");
        }
    }
}
