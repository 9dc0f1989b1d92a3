namespace MultiXfer.Ssh.Keys;

/// <summary>Why one line of an authorized_keys text was not used; line 0 stands for the text as a whole.</summary>
internal sealed record AuthorizedKeysProblem(int Line, string Reason)
{
    public override string ToString() => $"line {Line}: {Reason}";
}
