using Graft.HeadTrainer.Heads;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Graft.HeadTrainer.Training;

/// <summary>
/// <see cref="LabeledFeatures"/> as an ML.NET <see cref="IDataView"/> without copying: columns
/// <see cref="HeadColumns.Features"/> (Vector&lt;Single, D&gt;) and <see cref="HeadColumns.Label"/>
/// (Key&lt;UInt32, C&gt;, value = class index + 1). Rows come in stored order; ML.NET trainers that want shuffling
/// ask for it through their own options.
/// </summary>
public sealed class FeatureDataView : IDataView
{
    public FeatureDataView(LabeledFeatures data, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        Data = data;
        Classes = classes;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(HeadColumns.Features, new VectorDataViewType(NumberDataViewType.Single, data.Dimension));
        builder.AddColumn(HeadColumns.Label, new KeyDataViewType(typeof(uint), classes));
        Schema = builder.ToSchema();
    }

    /// <summary>The rows behind the view (MLP training reads them directly).</summary>
    public LabeledFeatures Data { get; }

    public int Classes { get; }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    /// <summary>The schema a saved model expects as input: the features column only.</summary>
    public static DataViewSchema InputSchema(int dimension)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(HeadColumns.Features, new VectorDataViewType(NumberDataViewType.Single, dimension));
        return builder.ToSchema();
    }

    public long? GetRowCount() => Data.Count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(FeatureDataView view, HashSet<int> active) : DataViewRowCursor
    {
        private int _row = -1;

        public override DataViewSchema Schema => view.Schema;
        public override long Position => _row;
        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (_row >= view.Data.Count) return false;
            _row++;
            return _row < view.Data.Count;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) => id = new DataViewRowId((ulong)_row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' was not requested.");
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<VBuffer<float>>)GetFeatures,
                1 => (ValueGetter<uint>)((ref uint key) => key = (uint)view.Data.Labels[_row] + 1),
                _ => throw new ArgumentOutOfRangeException(nameof(column)),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        private void GetFeatures(ref VBuffer<float> value)
        {
            var dim = view.Data.Dimension;
            var editor = VBufferEditor.Create(ref value, dim);
            view.Data.Row(_row).CopyTo(editor.Values);
            value = editor.Commit();
        }
    }
}
