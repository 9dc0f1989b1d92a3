using Npgsql;

namespace MultiXfer.Server.Cluster;

/// <summary>What the cluster's PostgreSQL statements share.</summary>
internal static class ClusterSql
{
    /// <summary>The database's clock in Unix milliseconds: leases are reckoned in one clock, whatever the gateways' say.</summary>
    public const string Now = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint";

    public static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value));
        }

        return command;
    }
}
