using MultiXfer.Fuzz;

// MultiXfer.Fuzz list              the targets
// MultiXfer.Fuzz TARGET --afl FILE under afl-fuzz (FILE is afl's @@): SharpFuzz's fork server, inputs run in process
// MultiXfer.Fuzz TARGET FILE...    replay each file once (regressions, corpus checks); non-zero exit on any failure
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: MultiXfer.Fuzz list | TARGET [FILE...]");
    return 64;
}

if (args[0] == "list")
{
    foreach (var target in FuzzTargets.All)
    {
        Console.WriteLine($"{target.Name,-20} {target.Summary}");
    }

    return 0;
}

if (FuzzTargets.Find(args[0]) is not { } chosen)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; `list` shows them");
    return 64;
}

if (args is [_, "--afl", string testCase])
{
    // Each input is read from the file afl-fuzz writes before its go signal, not from the stream SharpFuzz hands over:
    // SharpFuzz copies the first input from stdin right after its hello, before afl-fuzz has written the first test
    // case, so a stdin-fed target can see an empty first input. A target that returns early on empty input then
    // touches no instrumented code and afl-fuzz aborts the dry run with "No instrumentation detected".
    SharpFuzz.Fuzzer.Run(_ => chosen.Run(Replay.ReadCapped(testCase)));
    return 0;
}

if (args.Length == 1)
{
    Console.Error.WriteLine("under afl-fuzz: TARGET --afl @@ (see fuzz/run.sh); to replay: TARGET FILE...");
    return 64;
}

return Replay.Files(chosen, args.Skip(1));
