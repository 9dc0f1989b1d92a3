namespace MultiXfer.Limits;

/// <summary>Which way file bytes move, seen from the client: uploads arrive, downloads leave.</summary>
public enum TransferDirection
{
    Upload,
    Download,
}
