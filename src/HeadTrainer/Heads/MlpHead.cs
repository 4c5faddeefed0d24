using Google.Protobuf;
using Graft.HeadTrainer.Heads.Mlp;
using Graft.HeadTrainer.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Graft.HeadTrainer.Heads;

/// <summary>
/// The <c>mlp</c> head, the seed's Keras head on cached features: Dense(H, ReLU) → Dropout(p) → Dense(C, softmax),
/// trained with Adam on sparse categorical cross-entropy and early stopping on val_loss (see <see cref="MlpOptions"/>).
/// Training runs on Graft's own engine (<see cref="MlpTrainingLoop"/>); the trained weights are then served inside
/// ML.NET as a two-layer ONNX graph (<see cref="HeadOnnx.BuildForMlNet"/>) through ApplyOnnxModel, whose bytes
/// ML.NET keeps inside model.zip, followed by MapValueToKey for PredictedLabel.
/// <para>One difference from the other heads: ML.NET's ONNX transformer cannot emit a scalar, so PredictedLabel is a
/// one-element vector of the class key (Vector&lt;Key&lt;UInt32, C&gt;, 1&gt;). Graft's evaluation and prediction read
/// Score, which is the same Vector&lt;Single, C&gt; for every head.</para>
/// </summary>
public sealed class MlpHead(MlpOptions options, long seed) : IHeadTrainer
{
    public HeadKind Kind => HeadKind.Mlp;

    public MlpOptions Options { get; } = options;

    public long Seed { get; } = seed;

    public TrainedHead Fit(MLContext ml, IDataView train, IDataView validation, IProgress<EpochProgress>? progress = null,
        CancellationToken cancel = default)
    {
        Options.Validate();
        var (dim, classes) = HeadSchema.Check(train.Schema);
        var trainRows = HeadSchema.ReadAll(train);
        var validationRows = HeadSchema.ReadAll(validation);
        var fit = MlpTrainingLoop.Run(trainRows, validationRows, classes, Options, Seed,
            (record, best) => progress?.Report(new EpochProgress(Kind, record.Epoch, Options.MaxEpochs, record, best, "epoch")),
            cancel);
        var weights = ToHeadWeights(fit.Weights);
        return new TrainedHead
        {
            Kind = Kind,
            Model = Serve(ml, weights),
            InputDimension = dim,
            Classes = classes,
            History = fit.History,
            ParameterCount = weights.ParameterCount,
            Weights = weights,
            Selection = new Dictionary<string, object>
            {
                ["epochs_run"] = fit.History.Count,
                ["best_epoch"] = fit.BestEpoch,
                ["stopped_early"] = fit.StoppedEarly,
                ["weights_from_epoch"] = Options.EarlyStopping && Options.RestoreBestWeights && fit.BestEpoch > 0 ? fit.BestEpoch : fit.History.Count,
            },
        };
    }

    /// <summary>The two dense layers of trained weights, padding dropped.</summary>
    internal static HeadWeights ToHeadWeights(MlpWeights w) => new(
    [
        new DenseLayer(w.InputDim, w.Hidden, w.Kernel1(), w.B1[..w.Hidden], relu: true),
        new DenseLayer(w.Hidden, w.Classes, w.Kernel2(), w.B2.ToArray(), relu: false),
    ]);

    /// <summary>
    /// An ML.NET model computing <paramref name="head"/>: ApplyOnnxModel over its one-row graph (Features → Score,
    /// PredictedIndex), then PredictedIndex → PredictedLabel as a key over the C classes (value i ↦ key i + 1).
    /// </summary>
    public static ITransformer Serve(MLContext ml, HeadWeights head)
    {
        var inputs = FeatureOnlyView.Create(ml, head.InputDimension);
        var bytes = HeadOnnx.BuildForMlNet(head).ToByteArray();
        var onnx = ml.Transforms.ApplyOnnxModel([HeadOnnx.ScoreName, HeadOnnx.PredictedIndexName], [HeadOnnx.InputName],
            new MemoryStream(bytes)).Fit(inputs);
        var keys = ml.Data.LoadFromEnumerable(Enumerable.Range(0, head.Classes).Select(i => new KeyRow { Index = (uint)i }));
        var toKey = ml.Transforms.Conversion.MapValueToKey(HeadColumns.PredictedLabel, HeadOnnx.PredictedIndexName, keyData: keys)
            .Fit(onnx.Transform(inputs));
        return new TransformerChain<ITransformer>(onnx, toKey);
    }

    private sealed class KeyRow
    {
        public uint Index { get; set; }
    }
}
