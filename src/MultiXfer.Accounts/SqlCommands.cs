using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultiXfer.Connections;

namespace MultiXfer.Accounts;

/// <summary>Small helpers over ADO.NET that both databases accept as they are.</summary>
internal static class SqlCommands
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static long? UnixMilliseconds(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    public static DateTimeOffset? TimeOrNull(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static string? StringOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? Int64OrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}

/// <summary>The JSON the store keeps in text columns (lists and maps are one column each, the same on every database).</summary>
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(SftpOverrideOptions))]
internal sealed partial class StoreJson : JsonSerializerContext
{
    public static string List(IEnumerable<string> values) => JsonSerializer.Serialize(values.ToList(), Default.ListString);

    public static List<string> ListFrom(string json) => JsonSerializer.Deserialize(json, Default.ListString) ?? [];

    public static string Map(IReadOnlyDictionary<string, string> values) =>
        JsonSerializer.Serialize(new Dictionary<string, string>(values, StringComparer.Ordinal), Default.DictionaryStringString);

    public static Dictionary<string, string> MapFrom(string json) =>
        new(JsonSerializer.Deserialize(json, Default.DictionaryStringString) ?? [], StringComparer.Ordinal);
}
