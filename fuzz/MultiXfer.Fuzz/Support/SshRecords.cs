using System.Text;
using MultiXfer.Ssh.Keys;
using MultiXfer.Ssh.Wire;

namespace MultiXfer.Fuzz.Support;

/// <summary>One step of an SSH harness input, decoded before anything runs (inputs are spans; the run is async).</summary>
internal abstract record SshRecord
{
    /// <summary>At most this many steps per input: a long input cannot make one run take long.</summary>
    public const int MaxRecords = 200;

    /// <summary>
    /// Records until the input ends: a kind byte, then the kind's fields. Kind 0 (and any kind the target does not use)
    /// is a payload behind a 16-bit length, sent as one packet; 1 is a signed publickey request the harness completes;
    /// 2 is a whole key exchange (rekey) run by the harness.
    /// </summary>
    public static List<SshRecord> Parse(ref FuzzInput input, bool templates)
    {
        var records = new List<SshRecord>();
        while (!input.IsEmpty && records.Count < MaxRecords)
        {
            byte kind = input.Byte();
            switch (templates ? kind & 3 : 0)
            {
                case 1:
                    byte key = input.Byte(), algorithm = input.Byte(), flags = input.Byte();
                    records.Add(new SignedPublicKey(key, algorithm, flags, input.Chunk().ToArray()));
                    break;
                case 2:
                    byte b0 = input.Byte(), b1 = input.Byte();
                    records.Add(new Rekey(ClientAlgorithms.From(b0, b1, allowCompression: true)));
                    break;
                default:
                    records.Add(new Payload(input.Chunk().ToArray()));
                    break;
            }
        }

        return records;
    }

    /// <summary>
    /// Sends the records in order. Signed requests are built (and signed) before anything is sent, so that the
    /// harness's own use of the key code never runs while the server is parsing: instrumented code running on two
    /// threads at once would show AFL edges that depend on timing.
    /// </summary>
    public static async Task SendAllAsync(SshFuzzClient client, List<SshRecord> records, CancellationToken cancellationToken)
    {
        var built = records.Select(r => r switch
        {
            Payload p => p,
            SignedPublicKey s => new Payload(s.Build(client)),
            _ => r,
        }).ToList();
        foreach (var record in built)
        {
            if (!client.Alive)
            {
                return;
            }

            switch (record)
            {
                case Payload p:
                    await client.SendAsync(p.Bytes, cancellationToken);
                    break;
                case Rekey r:
                    await client.KeyExchangeAsync(r.Algorithms, cancellationToken);
                    break;
            }
        }
    }

    public sealed record Payload(byte[] Bytes) : SshRecord;

    public sealed record Rekey(ClientAlgorithms Algorithms) : SshRecord;

    /// <summary>
    /// SSH_MSG_USERAUTH_REQUEST "publickey" (RFC 4252 §7) or "publickey-hostbound-v00@openssh.com" (OpenSSH PROTOCOL
    /// §2.5) with one of the fixed client keys and a real signature over this session's id, which an input could never
    /// contain. Flags: 1 hostbound, 2 query without signature, 4 damage the signature, 8 sign with another algorithm
    /// than the one named, 16 wrong host key in a hostbound request.
    /// </summary>
    public sealed record SignedPublicKey(byte Key, byte Algorithm, byte Flags, byte[] User) : SshRecord
    {
        public byte[] Build(SshFuzzClient client)
        {
            var key = FuzzKeys.Clients[Key % FuzzKeys.Clients.Count];
            string algorithm = key.SignatureAlgorithms[Algorithm % key.SignatureAlgorithms.Count];
            bool hostBound = (Flags & 1) != 0;
            bool query = (Flags & 2) != 0;
            using var request = SshWriter.ForPayload(MessageNumbers.UserAuthRequest, 4096);
            request.WriteString(User.Length == 0 ? Encoding.UTF8.GetBytes(FuzzUsers.Name) : User);
            request.WriteString("ssh-connection");
            request.WriteString(hostBound ? "publickey-hostbound-v00@openssh.com" : "publickey");
            request.WriteBoolean(!query);
            request.WriteString(algorithm);
            request.WriteString(key.PublicKey.Blob);
            if (hostBound)
            {
                request.WriteString((Flags & 16) != 0 ? FuzzKeys.Hosts[1].PublicKey.Blob : client.HostKeyBlob);
            }

            if (query)
            {
                return request.ToArray();
            }

            using var signed = new SshWriter(4096);
            signed.WriteString(client.SessionId);
            signed.WriteBytes(request.Written);
            string signer = (Flags & 8) != 0 ? key.SignatureAlgorithms[(Algorithm + 1) % key.SignatureAlgorithms.Count] : algorithm;
            byte[] signature = key.Sign(signer, signed.Written);
            if ((Flags & 4) != 0)
            {
                signature[^1] ^= 0x5a;
            }

            request.WriteString(signature);
            return request.ToArray();
        }
    }
}
