using MultiXfer.Fuzz.Support;
using MultiXfer.Transport.Proxy;

namespace MultiXfer.Fuzz.Targets;

/// <summary>
/// PROXY protocol v1 (text) and v2 (binary, TLVs, CRC32c) headers (HAProxy proxy-protocol.txt §2.1, §2.2, §2.2.7):
/// ProxyHeaderParser as ProxyHeaderReader drives it, on every prefix as bytes arrive (peeking one more byte at a
/// time) and on the whole buffer. The parser reports bad input as Invalid and never throws; on top of that the
/// harness checks that it is consistent: a prefix that CouldBeHeader denies is never Complete, a Complete header is
/// no longer than what was given, and more bytes never change a verdict that was already Complete or Invalid.
/// </summary>
internal static class ProxyTarget
{
    public static void Run(byte[] data)
    {
        var input = data.AsSpan(0, Math.Min(data.Length, ProxyPolicyMaxHeader + 64));
        ProxyParseStatus? settled = null;
        int settledLength = 0;
        for (int n = 1; n <= input.Length; n++)
        {
            var seen = input[..n];
            bool could = ProxyHeaderParser.CouldBeHeader(seen);
            var status = ProxyHeaderParser.TryParse(seen, ProxyPolicyMaxHeader, out var header, out string? error);
            if (status == ProxyParseStatus.Complete)
            {
                if (header is null || header.Length <= 0 || header.Length > n || header.Length > ProxyPolicyMaxHeader)
                {
                    throw new FuzzInvariantException($"Complete with header length {header?.Length} after {n} bytes");
                }

                if (!could)
                {
                    throw new FuzzInvariantException("Complete although CouldBeHeader said no");
                }

                _ = header.Source?.ToString();
                _ = header.Destination?.ToString();
            }
            else if (status == ProxyParseStatus.Invalid && string.IsNullOrEmpty(error))
            {
                throw new FuzzInvariantException("Invalid without a reason");
            }

            if (settled is { } earlier)
            {
                if (status != earlier || (status == ProxyParseStatus.Complete && header!.Length != settledLength))
                {
                    throw new FuzzInvariantException($"verdict changed from {earlier} to {status} at {n} bytes");
                }
            }
            else if (status != ProxyParseStatus.NeedMoreData)
            {
                settled = status;
                settledLength = header?.Length ?? 0;
            }

            // The reader stops at the first verdict; past 200 bytes only the whole buffer is worth parsing again.
            if (n > 200 && n < input.Length)
            {
                n = input.Length - 1;
            }
        }
    }

    /// <summary>ProxyPolicy.MaxHeaderLength: what the reader allows a v2 header (16 + len).</summary>
    private const int ProxyPolicyMaxHeader = MultiXfer.Transport.FrontEnd.ProxyPolicy.MaxHeaderLength;
}
