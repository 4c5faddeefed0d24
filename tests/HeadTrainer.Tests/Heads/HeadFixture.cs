using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Tests.Fixtures;
using Graft.HeadTrainer.Training;
using Microsoft.ML;

namespace Graft.HeadTrainer.Tests.Heads;

/// <summary>Separable 3-class data (D = 32) and each head fitted on it once, shared by the head tests.</summary>
public sealed class HeadFixture
{
    public const int Classes = 3;

    public HeadFixture()
    {
        var centres = Synthetic.Centres(Classes, 32, 42);
        Train = Synthetic.Rows(centres, 40, 1, prefix: "t");
        Validation = Synthetic.Rows(centres, 10, 2, prefix: "v");
        Test = Synthetic.Rows(centres, 50, 3, prefix: "x");
        Ml = new MLContext(1);
        foreach (var trainer in new IHeadTrainer[] { new LinearHead(new LinearOptions()), new MlpHead(new MlpOptions { Hidden = 64 }, 5), new LightGbmHead(new LightGbmOptions(), 5) })
            Heads[trainer.Kind] = trainer.Fit(Ml, new FeatureDataView(Train, Classes), new FeatureDataView(Validation, Classes));
    }

    public LabeledFeatures Train { get; }
    public LabeledFeatures Validation { get; }
    public LabeledFeatures Test { get; }
    public MLContext Ml { get; }
    public Dictionary<HeadKind, TrainedHead> Heads { get; } = [];

    public IDataView TestView => new FeatureDataView(Test, Classes);
}
