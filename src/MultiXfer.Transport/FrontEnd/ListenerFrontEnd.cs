using MultiXfer.Connections;

namespace MultiXfer.Transport.FrontEnd;

/// <summary>
/// What happens on one listener before a protocol runs: the PROXY policy, and either one protocol's handler or
/// detection among several ("auto").
/// </summary>
public sealed record ListenerFrontEnd(IReadOnlyDictionary<string, IConnectionHandler> Handlers, DetectionPolicy? Detection,
    ProxyPolicy Proxy)
{
    public const string AutoProtocol = "auto";

    public string Protocol => Detection is null ? Handlers.Values.Single().Protocol : AutoProtocol;
}
