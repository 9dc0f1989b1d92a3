namespace MultiXfer.Fsio.Tests.Limits;

/// <summary>Tests that measure real time run alone, not beside the quota tests' busy uploads on a small machine.</summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection;
