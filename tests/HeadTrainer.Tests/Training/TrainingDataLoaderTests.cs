using Graft.FeatureCache.Store;
using Graft.HeadTrainer.Tests.Fixtures;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Tests.Training;

public sealed class TrainingDataLoaderTests : IDisposable
{
    private readonly TempDir _dir = new("load");
    private readonly float[][] _centres = Synthetic.Centres(3, 6, 1);

    public void Dispose() => _dir.Dispose();

    private LabeledFeatures Rows(int perClass, string prefix, int seed = 2) => Synthetic.Rows(_centres, perClass, seed, prefix: prefix);

    [Fact]
    public void Load_CacheWithOneClass_ThrowsNamingIt()
    {
        var train = Synthetic.Rows([_centres[0]], 10, 1, prefix: "t");
        var set = CacheBuilder.Write(_dir.Path, ["cat"], train);

        var e = Assert.Throws<GraftException>(() => TrainingDataLoader.Load(set, new HeadTrainingOptions()));

        Assert.Contains("1 class ('cat')", e.Message);
    }

    [Fact]
    public void Load_TrainingRowsOfOneClassOnly_Throws()
    {
        var train = Synthetic.Rows([_centres[0]], 10, 1, prefix: "t");
        var set = CacheBuilder.Write(_dir.Path, CacheBuilder.Names(3), train);

        var e = Assert.Throws<GraftException>(() => TrainingDataLoader.Load(set, new HeadTrainingOptions()));

        Assert.Contains("one class ('class0')", e.Message);
    }

    [Fact]
    public void Load_EmptyTrainSplit_Throws()
    {
        var set = CacheBuilder.Write(_dir.Path, CacheBuilder.Names(3), train: null, validation: Rows(3, "v"), test: Rows(3, "x"));

        var e = Assert.Throws<GraftException>(() => TrainingDataLoader.Load(set, new HeadTrainingOptions()));

        Assert.Contains("training split", e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Load_NoValidationSplit_HoldsOutSeededStratifiedTenPercent()
    {
        var set = CacheBuilder.Write(_dir.Path, CacheBuilder.Names(3), Rows(20, "t"), validation: null, test: Rows(5, "x"));

        var data = TrainingDataLoader.Load(set, new HeadTrainingOptions { Seed = 9 });
        var again = TrainingDataLoader.Load(set, new HeadTrainingOptions { Seed = 9 });

        Assert.Equal(ValidationSource.HoldOut, data.ValidationSource.Kind);
        Assert.Equal(0.1, data.ValidationSource.Fraction);
        Assert.Equal(9, data.ValidationSource.Seed);
        Assert.Equal(6, data.Validation.Count); // 2 of each class's 20
        Assert.Equal(54, data.Train.Count);
        Assert.All(Enumerable.Range(0, 3), k => Assert.Equal(2, data.Validation.Labels.Count(l => l == k)));
        Assert.Empty(data.Train.Ids.Intersect(data.Validation.Ids));
        Assert.Equal(data.Validation.Ids, again.Validation.Ids);
        Assert.Equal(15, data.TestCount);
    }

    [Fact]
    public void Load_ValidationSplitPresent_UsesItUnlessHoldOutAsked()
    {
        var set = CacheBuilder.Write(_dir.Path, CacheBuilder.Names(3), Rows(20, "t"), Rows(4, "v"));

        var split = TrainingDataLoader.Load(set, new HeadTrainingOptions());
        var held = TrainingDataLoader.Load(set, new HeadTrainingOptions { HoldOutValidation = true, ValidationFraction = 0.25 });

        Assert.Equal(ValidationSource.Split, split.ValidationSource.Kind);
        Assert.Equal(12, split.Validation.Count);
        Assert.Equal(60, split.Train.Count);
        Assert.Equal(ValidationSource.HoldOut, held.ValidationSource.Kind);
        Assert.Equal(15, held.Validation.Count);
        Assert.All(held.Validation.Ids, id => Assert.StartsWith("t", id));
    }

    [Fact]
    public void Load_TestClassUnseenInTraining_ThrowsNamingTheClass()
    {
        var train = Synthetic.Rows(_centres[..2], 10, 1, prefix: "t");
        var test = new LabeledFeatures(6, Rows(1, "x").Features, [0, 1, 2], ["x0", "x1", "x2"]);
        var set = CacheBuilder.Write(_dir.Path, ["ants", "bees", "wasps"], train, test: test);

        var e = Assert.Throws<GraftException>(() => TrainingDataLoader.Load(set, new HeadTrainingOptions()));

        Assert.Contains("test split", e.Message);
        Assert.Contains("'wasps'", e.Message);
        Assert.Contains("'wasps'", e.Hint);
    }

    [Fact]
    public void Load_ValidationClassUnseenInTraining_Throws()
    {
        var train = Synthetic.Rows(_centres[..2], 10, 1, prefix: "t");
        var validation = new LabeledFeatures(6, Rows(1, "v").Features, [0, 1, 2], ["v0", "v1", "v2"]);
        var set = CacheBuilder.Write(_dir.Path, ["a", "b", "c"], train, validation);

        var e = Assert.Throws<GraftException>(() => TrainingDataLoader.Load(set, new HeadTrainingOptions()));

        Assert.Contains("validation split", e.Message);
        Assert.Contains("'c'", e.Message);
    }

    [Fact]
    public void Load_NeverReadsTestFeatures()
    {
        var set = CacheBuilder.Write(_dir.Path, CacheBuilder.Names(3), Rows(10, "t"), Rows(2, "v"), Rows(2, "x"));

        var data = TrainingDataLoader.Load(set, new HeadTrainingOptions());

        Assert.DoesNotContain(data.Train.Ids.Concat(data.Validation.Ids), id => id.StartsWith('x'));
        Assert.Equal(6, data.TestCount);
    }
}
