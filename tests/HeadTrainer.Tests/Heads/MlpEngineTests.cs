using Graft.HeadTrainer.Heads;
using Graft.HeadTrainer.Heads.Mlp;
using Graft.HeadTrainer.Tests.Fixtures;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Tests.Heads;

public sealed class MlpEngineTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Step_NoDropout_MatchesDoublePrecisionReference(int threads)
    {
        // H = 70 is not a multiple of 64: the padded units must stay exactly zero and change nothing.
        const int d = 10, h = 70, c = 3;
        var data = Synthetic.Rows(Synthetic.Centres(c, d, 1), 4, 2);
        var initial = MlpWeights.GlorotUniform(d, h, c, new SeededRandom(3));
        var reference = new ReferenceMlp(initial);
        using var state = new MlpNetworkState(initial, 8, threads);
        int[][] batches = [[0, 3, 5, 7, 11], [2, 4, 6, 8, 9, 10, 1]];

        foreach (var rows in batches)
        {
            var (lossSum, _) = state.Step(data.Features, data.Labels, rows, 0f, 0, 1e-2);
            var expectedLoss = reference.Step(data, rows, 1e-2);
            Assert.Equal(expectedLoss, lossSum / rows.Length, 4);
        }

        var got = new MlpWeights(d, h, c);
        state.Save(got);
        reference.AssertClose(got);
        Assert.All(Enumerable.Range(0, d), row => Assert.All(got.W1.AsSpan(row * got.PaddedHidden + h, got.PaddedHidden - h).ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void Run_SameSeed_BitIdenticalWeightsAndHistory()
    {
        var (train, validation) = Data();
        var options = new MlpOptions { Hidden = 40, MaxEpochs = 4, EarlyStopping = false };

        var a = MlpTrainingLoop.Run(train, validation, 3, options, seed: 7);
        var b = MlpTrainingLoop.Run(train, validation, 3, options, seed: 7);

        Assert.Equal(a.Weights.W1, b.Weights.W1);
        Assert.Equal(a.Weights.W2, b.Weights.W2);
        Assert.Equal(a.Weights.B1, b.Weights.B1);
        Assert.Equal(a.History.Select(r => (r.Loss, r.ValLoss)), b.History.Select(r => (r.Loss, r.ValLoss)));
    }

    [Fact]
    public void Run_OneThreadVersusThree_BitIdenticalWeights()
    {
        var (train, validation) = Data();
        // 200 hidden units = 4 chunks of 64, so three workers split them unevenly.
        var options = new MlpOptions { Hidden = 200, MaxEpochs = 3, EarlyStopping = false };

        var one = MlpTrainingLoop.Run(train, validation, 3, options with { Threads = 1 }, seed: 11);
        var three = MlpTrainingLoop.Run(train, validation, 3, options with { Threads = 3 }, seed: 11);

        Assert.Equal(one.Weights.W1, three.Weights.W1);
        Assert.Equal(one.Weights.W2, three.Weights.W2);
        Assert.Equal(one.History.Select(r => r.Loss), three.History.Select(r => r.Loss));
    }

    [Fact]
    public void Run_DifferentSeed_DifferentWeights()
    {
        var (train, validation) = Data();
        var options = new MlpOptions { Hidden = 40, MaxEpochs = 2, EarlyStopping = false };

        var a = MlpTrainingLoop.Run(train, validation, 3, options, seed: 1);
        var b = MlpTrainingLoop.Run(train, validation, 3, options, seed: 2);

        Assert.NotEqual(a.Weights.W1, b.Weights.W1);
    }

    [Fact]
    public void Run_ValidationLabelsFlipped_StopsPatienceEpochsAfterBestAndRestoresBestWeights()
    {
        // Validation = the training rows with the two labels swapped: the better the head learns the training labels,
        // the worse its validation loss, so the best epoch is the first and training stops exactly after epoch 1 + 3.
        var centres = Synthetic.Centres(2, 12, 5);
        var train = Synthetic.Rows(centres, 60, 6);
        var flipped = new LabeledFeatures(train.Dimension, train.Features, train.Labels.Select(l => 1 - l).ToArray());
        var options = new MlpOptions { Hidden = 32, Patience = 3, MaxEpochs = 50, LearningRate = 1e-2 };

        var fit = MlpTrainingLoop.Run(train, flipped, 2, options, seed: 3);

        Assert.Equal(1, fit.BestEpoch);
        Assert.Equal(4, fit.History.Count);
        Assert.True(fit.StoppedEarly);
        Assert.All(fit.History.Skip(1), r => Assert.True(r.ValLoss >= fit.History[0].ValLoss));
        var restored = ProbabilityMetrics(fit.Weights, flipped);
        Assert.Equal(fit.History[0].ValLoss, restored, 4);
        Assert.NotEqual(fit.History[^1].ValLoss, restored, 4);
    }

    [Fact]
    public void Run_RestoreBestWeightsOff_KeepsLastEpoch()
    {
        var centres = Synthetic.Centres(2, 12, 5);
        var train = Synthetic.Rows(centres, 60, 6);
        var flipped = new LabeledFeatures(train.Dimension, train.Features, train.Labels.Select(l => 1 - l).ToArray());

        var fit = MlpTrainingLoop.Run(train, flipped, 2, new MlpOptions { Hidden = 32, Patience = 3, LearningRate = 1e-2, RestoreBestWeights = false }, seed: 3);

        Assert.Equal(fit.History[^1].ValLoss, ProbabilityMetrics(fit.Weights, flipped), 4);
    }

    [Fact]
    public void Run_EarlyStoppingOff_RunsEveryEpoch()
    {
        var (train, validation) = Data();

        var fit = MlpTrainingLoop.Run(train, validation, 3, new MlpOptions { Hidden = 16, MaxEpochs = 7, EarlyStopping = false }, seed: 1);

        Assert.Equal(7, fit.History.Count);
        Assert.False(fit.StoppedEarly);
    }

    private static double ProbabilityMetrics(MlpWeights weights, LabeledFeatures rows)
    {
        var head = MlpHead.ToHeadWeights(weights);
        var p = head.Predict(rows.Features, rows.Count);
        return Graft.HeadTrainer.Evaluation.ProbabilityMetrics.LogLoss(p, rows.Labels, weights.Classes);
    }

    private static (LabeledFeatures Train, LabeledFeatures Validation) Data()
    {
        var centres = Synthetic.Centres(3, 20, 1);
        return (Synthetic.Rows(centres, 50, 2), Synthetic.Rows(centres, 10, 3, prefix: "val"));
    }

    /// <summary>The seed's head and Keras's Adam in double precision, written the textbook way.</summary>
    private sealed class ReferenceMlp
    {
        private readonly int _d, _h, _c;
        private readonly double[] _w1, _b1, _w2, _b2; // w1 [d, h], w2 [h, c]
        private readonly double[][] _m, _v;
        private readonly List<double[]> _lastGradients = [];
        private int _t;

        public ReferenceMlp(MlpWeights initial)
        {
            (_d, _h, _c) = (initial.InputDim, initial.Hidden, initial.Classes);
            _w1 = initial.Kernel1().Select(x => (double)x).ToArray();
            _b1 = initial.B1.Take(_h).Select(x => (double)x).ToArray();
            _w2 = initial.Kernel2().Select(x => (double)x).ToArray();
            _b2 = initial.B2.Select(x => (double)x).ToArray();
            _m = [new double[_w1.Length], new double[_b1.Length], new double[_w2.Length], new double[_b2.Length]];
            _v = [new double[_w1.Length], new double[_b1.Length], new double[_w2.Length], new double[_b2.Length]];
        }

        public double Step(LabeledFeatures data, int[] rows, double lr)
        {
            var n = rows.Length;
            var gw1 = new double[_w1.Length];
            var gb1 = new double[_h];
            var gw2 = new double[_w2.Length];
            var gb2 = new double[_c];
            double loss = 0;
            foreach (var r in rows)
            {
                var x = data.Row(r).ToArray();
                var z = new double[_h];
                for (var j = 0; j < _h; j++)
                {
                    z[j] = _b1[j];
                    for (var i = 0; i < _d; i++) z[j] += x[i] * _w1[i * _h + j];
                }
                var a = z.Select(v => Math.Max(0, v)).ToArray();
                var logits = new double[_c];
                for (var k = 0; k < _c; k++)
                {
                    logits[k] = _b2[k];
                    for (var j = 0; j < _h; j++) logits[k] += a[j] * _w2[j * _c + k];
                }
                var max = logits.Max();
                var sum = logits.Sum(l => Math.Exp(l - max));
                var p = logits.Select(l => Math.Exp(l - max) / sum).ToArray();
                var y = data.Labels[r];
                loss -= Math.Log(p[y]);
                var dl = p.Select((v, k) => (v - (k == y ? 1 : 0)) / n).ToArray();
                var dz = new double[_h];
                for (var j = 0; j < _h; j++)
                {
                    for (var k = 0; k < _c; k++)
                    {
                        gw2[j * _c + k] += a[j] * dl[k];
                        dz[j] += dl[k] * _w2[j * _c + k];
                    }
                    dz[j] = z[j] > 0 ? dz[j] : 0;
                    gb1[j] += dz[j];
                    for (var i = 0; i < _d; i++) gw1[i * _h + j] += x[i] * dz[j];
                }
                for (var k = 0; k < _c; k++) gb2[k] += dl[k];
            }
            _t++;
            var alpha = lr * Math.Sqrt(1 - Math.Pow(0.999, _t)) / (1 - Math.Pow(0.9, _t));
            _lastGradients.Clear();
            double[][] ws = [_w1, _b1, _w2, _b2];
            double[][] gs = [gw1, gb1, gw2, gb2];
            for (var p = 0; p < 4; p++)
            {
                _lastGradients.Add(gs[p]);
                for (var i = 0; i < ws[p].Length; i++)
                {
                    _m[p][i] = 0.9 * _m[p][i] + 0.1 * gs[p][i];
                    _v[p][i] = 0.999 * _v[p][i] + 0.001 * gs[p][i] * gs[p][i];
                    ws[p][i] -= alpha * _m[p][i] / (Math.Sqrt(_v[p][i]) + 1e-7);
                }
            }
            return loss / n;
        }

        /// <summary>Adam's step is ~lr·sign(g) whatever |g|, so a gradient that is zero up to rounding may move a
        /// weight either way: those weights get a tolerance of two steps, the rest 1e-5.</summary>
        public void AssertClose(MlpWeights got)
        {
            Compare(_w1, got.Kernel1(), _lastGradients[0]);
            Compare(_b1, got.B1.Take(_h).ToArray(), _lastGradients[1]);
            Compare(_w2, got.Kernel2(), _lastGradients[2]);
            Compare(_b2, got.B2, _lastGradients[3]);
        }

        private static void Compare(double[] expected, float[] actual, double[] gradient)
        {
            Assert.Equal(expected.Length, actual.Length);
            var loose = 0;
            for (var i = 0; i < expected.Length; i++)
            {
                var tolerance = Math.Abs(gradient[i]) < 1e-6 ? 2 * 2.1e-2 : 1e-5;
                if (Math.Abs(gradient[i]) < 1e-6) loose++;
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}]: expected {expected[i]}, got {actual[i]} (gradient {gradient[i]})");
            }
            Assert.True(loose < expected.Length / 2, "too few informative gradients to compare");
        }
    }
}
