namespace MultiXfer.Server.Configuration;

/// <summary>The <c>Telemetry</c> section: OpenTelemetry traces over OTLP, off unless an endpoint is set.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    public const string Grpc = "grpc";

    public const string HttpProtobuf = "http/protobuf";

    /// <summary>
    /// Where spans go: "http://collector:4317" for gRPC, the whole URL ("http://collector:4318/v1/traces") for
    /// http/protobuf. Empty: no traces.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>grpc or http/protobuf.</summary>
    public string OtlpProtocol { get; set; } = Grpc;
}
