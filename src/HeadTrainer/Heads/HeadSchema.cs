using Graft.HeadTrainer.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Graft.HeadTrainer.Heads;

/// <summary>Checks and reads the training columns every head takes (see <see cref="HeadColumns"/>).</summary>
public static class HeadSchema
{
    /// <summary>Feature width D and class count C of a training view; throws <see cref="ArgumentException"/> when the
    /// columns are missing or of the wrong type (a programming error: Graft builds these views itself).</summary>
    public static (int Dimension, int Classes) Check(DataViewSchema schema)
    {
        var features = schema.GetColumnOrNull(HeadColumns.Features)
            ?? throw new ArgumentException($"The data has no '{HeadColumns.Features}' column.");
        if (features.Type is not VectorDataViewType { ItemType: var item, Size: > 0 } vector || item != NumberDataViewType.Single)
            throw new ArgumentException($"'{HeadColumns.Features}' is {features.Type}; a head needs a known-size vector of Single.");
        var label = schema.GetColumnOrNull(HeadColumns.Label)
            ?? throw new ArgumentException($"The data has no '{HeadColumns.Label}' column.");
        if (label.Type is not KeyDataViewType key || key.Count < 2 || key.RawType != typeof(uint))
            throw new ArgumentException($"'{HeadColumns.Label}' is {label.Type}; a head needs a UInt32 key over at least 2 classes.");
        return (vector.Size, (int)key.Count);
    }

    /// <summary>0-based class labels, in row order (a missing key becomes an error).</summary>
    public static int[] ReadLabels(IDataView data)
    {
        if (data is FeatureDataView view) return view.Data.Labels;
        var column = data.Schema[HeadColumns.Label];
        var labels = new List<int>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<uint>(column);
        uint key = 0;
        while (cursor.MoveNext())
        {
            getter(ref key);
            if (key == 0) throw new ArgumentException($"Row {labels.Count} has no label.");
            labels.Add((int)key - 1);
        }
        return labels.ToArray();
    }

    /// <summary>All rows as <see cref="LabeledFeatures"/> (no copy for a <see cref="FeatureDataView"/>).</summary>
    public static LabeledFeatures ReadAll(IDataView data)
    {
        if (data is FeatureDataView view) return view.Data;
        var (dim, _) = Check(data.Schema);
        var labels = ReadLabels(data);
        var features = new float[(long)labels.Length * dim];
        var column = data.Schema[HeadColumns.Features];
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        var row = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            value.CopyTo(features.AsSpan((int)((long)row * dim), dim));
            row++;
        }
        return new LabeledFeatures(dim, features, labels);
    }
}
