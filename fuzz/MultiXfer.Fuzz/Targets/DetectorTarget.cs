using MultiXfer.Fuzz.Support;
using MultiXfer.Transport.FrontEnd;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// The auto listener's classification of a connection's first bytes (ProtocolDetector.Classify: TLS handshake
/// record 0x16 0x03 per RFC 8446 §5.1, "SSH-" per RFC 4253 §4.2, a PROXY header start, anything else refused) as
/// DetectAsync calls it: on a growing peek of 1 to MaxBytes bytes, stopping at the first decision. The socket part
/// (MSG_PEEK, silence) is not fuzzable; the decision is. Checks: a decision is reached by MaxBytes bytes, and once
/// reached, more bytes would not have changed it.
/// </summary>
internal static class DetectorTarget
{
    public static void Run(byte[] data)
    {
        if (data.Length == 0)
        {
            return; // DetectAsync never classifies nothing: a peer that closed is handled before.
        }

        Detection? first = null;
        for (int n = 1; n <= Math.Min(data.Length, ProtocolDetector.MaxBytes); n++)
        {
            var decision = ProtocolDetector.Classify(data.AsSpan(0, n));
            if (first is null && decision is not null)
            {
                first = decision;
            }
            else if (first is { } settled && decision is { } later && settled.Protocol != later.Protocol)
            {
                throw new FuzzInvariantException($"decision changed from {settled.Protocol ?? "refused"} to {later.Protocol ?? "refused"} at {n} bytes");
            }

            if (decision is { Protocol: null, Refusal: null })
            {
                throw new FuzzInvariantException("a refusal without a reason");
            }
        }

        if (data.Length >= ProtocolDetector.MaxBytes && first is null)
        {
            throw new FuzzInvariantException($"no decision after {ProtocolDetector.MaxBytes} bytes: the connection would wait for the timeout");
        }
    }
}
