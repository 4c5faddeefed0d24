using Graft.HeadTrainer.Heads;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Graft.HeadTrainer.Evaluation;

/// <summary>Reads the <see cref="HeadColumns.Score"/> column of a scored view into one row-major array.</summary>
public static class ScoreReader
{
    /// <summary>Class probabilities, [rows × C] row-major, in the view's row order.</summary>
    public static float[] Read(IDataView scored, int classes)
    {
        var column = scored.Schema.GetColumnOrNull(HeadColumns.Score)
            ?? throw new InvalidOperationException($"The model produced no '{HeadColumns.Score}' column.");
        if (column.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector || vector.Size != classes)
            throw new InvalidOperationException($"Score is {column.Type}, not a vector of {classes} floats.");
        var result = new List<float>(checked((int)(scored.GetRowCount() ?? 0) * classes));
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getter(ref value);
            if (value.IsDense)
            {
                result.AddRange(value.GetValues());
            }
            else
            {
                var dense = new float[classes];
                value.CopyTo(dense);
                result.AddRange(dense);
            }
        }
        return result.ToArray();
    }
}
