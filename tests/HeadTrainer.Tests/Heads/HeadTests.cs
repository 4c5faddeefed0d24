using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Tests.Fixtures;
using Graft.HeadTrainer.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Graft.HeadTrainer.Tests.Heads;

public sealed class HeadTests(HeadFixture fixture) : IClassFixture<HeadFixture>, IDisposable
{
    private readonly TempDir _dir = new("heads");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<HeadKind> AllHeads => [HeadKind.Linear, HeadKind.Mlp, HeadKind.LightGbm];

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void Fit_SeparableFeatures_TestAccuracyAtLeast99Percent(HeadKind kind)
    {
        var scores = ScoreReader.Read(fixture.Heads[kind].Model.Transform(fixture.TestView), HeadFixture.Classes);

        Assert.True(ProbabilityMetrics.Accuracy(scores, fixture.Test.Labels, HeadFixture.Classes) >= 0.99);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void Model_Output_ScoreIsProbabilitiesAndPredictedLabelItsArgMax(HeadKind kind)
    {
        var scored = fixture.Heads[kind].Model.Transform(fixture.TestView);
        var scores = ScoreReader.Read(scored, HeadFixture.Classes);
        var predicted = PredictedKeys(scored);

        Assert.Equal(fixture.Test.Count, predicted.Length);
        for (var i = 0; i < fixture.Test.Count; i++)
        {
            var row = scores.AsSpan(i * HeadFixture.Classes, HeadFixture.Classes);
            Assert.Equal(1.0, row.ToArray().Sum(), 4);
            Assert.Equal(ProbabilityMetrics.ArgMax(row) + 1, (int)predicted[i]);
        }
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void ModelZip_LoadedWithMlContext_PredictsTheSame(HeadKind kind)
    {
        var head = fixture.Heads[kind];
        var path = Path.Combine(_dir.Path, "model.zip");
        head.Save(fixture.Ml, path);

        var loaded = new MLContext(2).Model.Load(path, out var inputSchema);

        Assert.Equal(HeadColumns.Features, Assert.Single(inputSchema).Name);
        var before = ScoreReader.Read(head.Model.Transform(fixture.TestView), HeadFixture.Classes);
        var after = ScoreReader.Read(loaded.Transform(fixture.TestView), HeadFixture.Classes);
        Assert.Equal(before, after);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void WriteOnnx_RunWithOnnxRuntime_MatchesMlNetScores(HeadKind kind)
    {
        var head = fixture.Heads[kind];
        var path = Path.Combine(_dir.Path, "head.onnx");
        head.WriteOnnx(path, ["a", "b", "c"]);

        using var session = new InferenceSession(path);
        var input = new DenseTensor<float>(fixture.Test.Features, [fixture.Test.Count, fixture.Test.Dimension]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(HeadOnnx.InputName, input)]);
        var onnx = results.Single(r => r.Name == HeadOnnx.ScoreName).AsEnumerable<float>().ToArray();
        var mlnet = ScoreReader.Read(head.Model.Transform(fixture.TestView), HeadFixture.Classes);

        Assert.Equal(mlnet.Length, onnx.Length);
        for (var i = 0; i < onnx.Length; i++) Assert.True(Math.Abs(onnx[i] - mlnet[i]) <= 1e-5, $"[{i}] {onnx[i]} vs {mlnet[i]}");
        Assert.Equal("[\"a\",\"b\",\"c\"]", session.ModelMetadata.CustomMetadataMap[HeadOnnx.ClassNamesKey]);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void ToOnnx_EveryHead_FeaturesInScoreOutNothingElse(HeadKind kind)
    {
        var graph = fixture.Heads[kind].ToOnnx().Graph;
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();

        Assert.Equal([HeadOnnx.InputName], graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n)));
        Assert.Equal([HeadOnnx.ScoreName], graph.Output.Select(o => o.Name));
        var used = graph.Node.SelectMany(n => n.Input).ToHashSet();
        Assert.All(initializers, name => Assert.Contains(name, used));
    }

    [Fact]
    public void ParameterCount_Mlp_CountsLikeKeras()
    {
        // Dense(64) on 32 inputs: 32·64 + 64; Dense(3): 64·3 + 3.
        Assert.Equal(32 * 64 + 64 + 64 * 3 + 3, fixture.Heads[HeadKind.Mlp].ParameterCount);
        Assert.Equal(32 * 3 + 3, fixture.Heads[HeadKind.Linear].ParameterCount);
        Assert.True(fixture.Heads[HeadKind.LightGbm].ParameterCount > 0);
    }

    [Fact]
    public void Linear_History_OneRowPerGridPointAndChosenHasLowestValidationLoss()
    {
        var head = fixture.Heads[HeadKind.Linear];

        Assert.InRange(head.History.Count, 1, LinearOptions.DefaultGrid.Count);
        Assert.Equal(LinearOptions.DefaultGrid.OrderDescending().Take(head.History.Count), head.History.Select(r => r.L2!.Value));
        var chosen = (double)head.Selection["l2"];
        Assert.Equal(head.History.MinBy(r => r.ValLoss)!.L2, chosen);
    }

    [Fact]
    public void Linear_FixedL2_FitsOnceWithThatValue()
    {
        var head = new LinearHead(new LinearOptions { L2 = 0.5 }).Fit(fixture.Ml, new FeatureDataView(fixture.Train, 3), new FeatureDataView(fixture.Validation, 3));

        Assert.Equal(0.5, Assert.Single(head.History).L2);
        Assert.Equal("given", head.Selection["l2_chosen_by"]);
    }

    [Fact]
    public void Linear_GridPatience_StopsAfterThatManyWorsePointsAndZeroFitsAll()
    {
        var grid = new[] { 1e4, 1e3, 100, 10, 1, 0.1, 0.01, 1e-3 };
        var patient = new LinearHead(new LinearOptions { L2Grid = grid, GridPatience = 0 }).Fit(fixture.Ml, new FeatureDataView(fixture.Train, 3), new FeatureDataView(fixture.Validation, 3));
        var best = patient.History.Select((r, i) => (r.ValLoss, i)).Min().i;

        var stopping = new LinearHead(new LinearOptions { L2Grid = grid, GridPatience = 1 }).Fit(fixture.Ml, new FeatureDataView(fixture.Train, 3), new FeatureDataView(fixture.Validation, 3));

        Assert.Equal(grid.Length, patient.History.Count);
        Assert.Equal(Math.Min(grid.Length, best + 2), stopping.History.Count);
    }

    [Fact]
    public void LightGbm_SameSeed_SameScores()
    {
        var again = new LightGbmHead(new LightGbmOptions(), 5).Fit(fixture.Ml, new FeatureDataView(fixture.Train, 3), new FeatureDataView(fixture.Validation, 3));

        Assert.Equal(ScoreReader.Read(fixture.Heads[HeadKind.LightGbm].Model.Transform(fixture.TestView), 3), ScoreReader.Read(again.Model.Transform(fixture.TestView), 3));
    }

    [Theory]
    [InlineData(FeatureNormalization.MeanVariance)]
    [InlineData(FeatureNormalization.MinMax)]
    public void Linear_Normalised_FoldedWeightsReproduceMlNetScores(FeatureNormalization normalization)
    {
        var head = new LinearHead(new LinearOptions { L2 = 1, Normalization = normalization })
            .Fit(fixture.Ml, new FeatureDataView(fixture.Train, 3), new FeatureDataView(fixture.Validation, 3));

        var mlnet = ScoreReader.Read(head.Model.Transform(fixture.TestView), 3);
        var folded = head.Weights!.Predict(fixture.Test.Features, fixture.Test.Count);

        for (var i = 0; i < mlnet.Length; i++) Assert.True(Math.Abs(mlnet[i] - folded[i]) <= 1e-4, $"[{i}] {mlnet[i]} vs {folded[i]}");
    }

    private static uint[] PredictedKeys(IDataView scored)
    {
        var column = scored.Schema[HeadColumns.PredictedLabel];
        // The MLP's ONNX-served model gives a one-element key vector; the ML.NET trainers a scalar key.
        return column.Type is VectorDataViewType
            ? scored.GetColumn<uint[]>(column).Select(v => v[0]).ToArray()
            : scored.GetColumn<uint>(column).ToArray();
    }
}
