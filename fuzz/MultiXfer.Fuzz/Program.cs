using MultiXfer.Fuzz;

// MultiXfer.Fuzz list              the targets
// MultiXfer.Fuzz TARGET            under afl-fuzz: SharpFuzz's fork server, inputs run in process (persistent)
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

if (args.Length == 1)
{
    SharpFuzz.Fuzzer.Run(stream => chosen.Run(Replay.ReadCapped(stream)));
    return 0;
}

return Replay.Files(chosen, args.Skip(1));
