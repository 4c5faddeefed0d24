using System.Text.Json;
using System.Text.Json.Serialization;

namespace Graft.Cli.Rendering;

/// <summary>The one JSON style of <c>--json</c> outputs: camelCase, enums as strings.</summary>
public static class JsonOutput
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
