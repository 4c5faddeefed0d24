using Microsoft.ML;
using Microsoft.ML.Data;

namespace Graft.HeadTrainer.Heads;

/// <summary>An empty view whose only column is <see cref="HeadColumns.Features"/> (Vector&lt;Single, D&gt;): the input
/// schema a served head is fitted or exported against.</summary>
internal static class FeatureOnlyView
{
    public static IDataView Create(MLContext ml, int dimension) =>
        ml.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), FeatureRow.Schema(dimension));

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];

        public static SchemaDefinition Schema(int dimension)
        {
            var definition = SchemaDefinition.Create(typeof(FeatureRow));
            definition[HeadColumns.Features].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
            return definition;
        }
    }
}
