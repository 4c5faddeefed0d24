using System.Numerics.Tensors;
using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Heads.Mlp;

/// <summary>
/// The MLP while it trains: parameters and Adam moments in aligned native memory, the buffers of one step, and the
/// step itself. The hidden layer is cut into 64-unit chunks, and a chunk's data stays with the worker that owns it
/// (moving half of every activation row between cores each phase cost a tenth of a step). One step on a batch of n
/// rows X (n × D):
/// <code>
/// 1 gather    X = the batch's feature rows                                  (workers split the rows)
/// 2 forward   per chunk: Z = X·W1 + b1;  A = relu(Z) ⊙ keep / (1−p)          (inverted dropout, as Keras's)
///             and the chunk's share of the logits, S_c = A_c · W2[:, c]ᵀ
/// 3 softmax   logits = b2 + Σ_c S_c (chunk order);  P = softmax;  dL = (P − onehot(y)) / n   (one thread; n × C)
/// 4 update    per chunk: dZ = (dL · W2[:, c]) ⊙ [A &gt; 0] / (1−p);  Adam on W2[:, c] (dW2 = dLᵀ·A) and b1[c] (Σ dZ);
///             then dW1 = Xᵀ·dZ fused with Adam on W1[:, c] (never stored). Worker 0 also updates b2.
/// </code>
/// Every value is computed by one worker in a fixed order and dropout masks come from a counter-based stream per
/// (step, row, chunk), so results are the same for any thread count.
/// </summary>
internal sealed unsafe class MlpNetworkState : IDisposable
{
    /// <summary>Rows per block of an evaluation pass.</summary>
    private const int EvalRows = 256;

    private const int Chunk = MlpKernels.ChunkWidth;

    private readonly AlignedBuffer _w1, _b1, _w2, _b2;
    private readonly AlignedBuffer _mW1, _vW1, _mB1, _vB1, _mW2, _vW2, _mB2, _vB2;
    private readonly AlignedBuffer _x, _a, _share, _p, _dZ, _scratch;
    private readonly WorkerTeam _team;
    private readonly SeededRandom[] _random;
    private readonly Action<int> _gather, _forward, _update;
    private readonly int _chunks;
    private readonly int[] _batchRows, _batchLabels;
    private readonly double[] _rowLoss;
    private readonly bool[] _rowCorrect;
    private long _step;

    // The current step's inputs, read by the phase methods.
    private float[] _features = [];
    private float* _input;
    private int _n;
    private float _dropout, _scale;
    private long _dropoutSeed;
    private bool _training;
    private AdamStep _adam;

    public MlpNetworkState(MlpWeights initial, int batchRows, int threads)
    {
        Dim = initial.InputDim;
        Hidden = initial.Hidden;
        Padded = initial.PaddedHidden;
        Classes = initial.Classes;
        BatchRows = Math.Max(batchRows, EvalRows);
        _chunks = Padded / Chunk;
        _w1 = new AlignedBuffer((long)Dim * Padded);
        _b1 = new AlignedBuffer(Padded);
        _w2 = new AlignedBuffer((long)Classes * Padded);
        _b2 = new AlignedBuffer(Classes);
        _mW1 = new AlignedBuffer(_w1.Length); _vW1 = new AlignedBuffer(_w1.Length);
        _mB1 = new AlignedBuffer(Padded); _vB1 = new AlignedBuffer(Padded);
        _mW2 = new AlignedBuffer(_w2.Length); _vW2 = new AlignedBuffer(_w2.Length);
        _mB2 = new AlignedBuffer(Classes); _vB2 = new AlignedBuffer(Classes);
        _x = new AlignedBuffer((long)BatchRows * Dim);
        _a = new AlignedBuffer((long)BatchRows * Padded);
        _share = new AlignedBuffer((long)_chunks * BatchRows * Classes);
        _p = new AlignedBuffer((long)BatchRows * Classes);
        _dZ = new AlignedBuffer((long)BatchRows * Padded);
        _team = new WorkerTeam(Math.Clamp(threads, 1, Math.Max(1, _chunks)));
        _scratch = new AlignedBuffer((long)_team.Size * Chunk);
        _random = Enumerable.Range(0, _team.Size).Select(_ => new SeededRandom(0)).ToArray();
        _batchRows = new int[BatchRows];
        _batchLabels = new int[BatchRows];
        _rowLoss = new double[BatchRows];
        _rowCorrect = new bool[BatchRows];
        _gather = Gather;
        _forward = Forward;
        _update = Update;
        Load(initial);
    }

    public int Dim { get; }
    public int Hidden { get; }
    public int Padded { get; }
    public int Classes { get; }
    public int BatchRows { get; }

    /// <summary>
    /// Where row d of chunk c of W1 (and of its moments) starts. The live W1 is stored panel by panel — all D rows of
    /// units 0..63, then of 64..127, … — so each worker streams through contiguous memory: with the D × Hp layout a
    /// chunk's rows were 256-byte pieces 2 KiB apart, the prefetchers missed them, and the fused gradient + Adam pass
    /// ran at a third of its arithmetic speed. A and dZ are kept the same way (chunk c = its n rows of 64).
    /// </summary>
    private int PanelOffset(int chunk, int d) => (chunk * Dim + d) * Chunk;

    /// <summary>Copies <paramref name="weights"/> into the live parameters (moments untouched).</summary>
    public void Load(MlpWeights weights)
    {
        var w1 = _w1.Span;
        for (var d = 0; d < Dim; d++)
            for (var c = 0; c < _chunks; c++)
                weights.W1.AsSpan(d * Padded + c * Chunk, Chunk).CopyTo(w1.Slice(PanelOffset(c, d), Chunk));
        weights.B1.CopyTo(_b1.Span);
        weights.W2.CopyTo(_w2.Span);
        weights.B2.CopyTo(_b2.Span);
    }

    /// <summary>Copies the live parameters into <paramref name="weights"/>.</summary>
    public void Save(MlpWeights weights)
    {
        var w1 = _w1.Span;
        for (var d = 0; d < Dim; d++)
            for (var c = 0; c < _chunks; c++)
                w1.Slice(PanelOffset(c, d), Chunk).CopyTo(weights.W1.AsSpan(d * Padded + c * Chunk, Chunk));
        _b1.Span.CopyTo(weights.B1);
        _w2.Span.CopyTo(weights.W2);
        _b2.Span.CopyTo(weights.B2);
    }

    /// <summary>
    /// One Adam step on the rows <paramref name="rows"/> of <paramref name="features"/> (row-major, D per row).
    /// <paramref name="dropoutSeed"/> keys the dropout masks (with the step number, the row's place in the batch and
    /// the chunk). Returns the summed cross-entropy and the number of correct arg-max predictions over the batch, in
    /// training mode (dropout on), as Keras's per-epoch "loss" and "accuracy" are.
    /// </summary>
    public (double LossSum, int Correct) Step(float[] features, int[] labels, ReadOnlySpan<int> rows,
        float dropout, long dropoutSeed, double learningRate)
    {
        var n = rows.Length;
        if (n == 0 || n > BatchRows) throw new ArgumentOutOfRangeException(nameof(rows));
        rows.CopyTo(_batchRows);
        for (var i = 0; i < n; i++) _batchLabels[i] = labels[rows[i]];
        _features = features;
        _n = n;
        _training = true;
        _dropout = dropout;
        _scale = dropout > 0 ? 1f / (1f - dropout) : 1f;
        _dropoutSeed = dropoutSeed;
        _adam = AdamStep.At(++_step, learningRate);
        _input = _x.Pointer;
        _team.Run(_gather);
        _team.Run(_forward);
        var totals = Softmax();
        _team.Run(_update);
        return totals;
    }

    /// <summary>Mean cross-entropy and accuracy of the current weights on the first <paramref name="count"/> rows,
    /// without dropout (Keras's evaluation mode).</summary>
    public (double Loss, double Accuracy) Evaluate(float[] features, int[] labels, int count)
    {
        if (count == 0) return (double.NaN, double.NaN);
        double lossSum = 0;
        var correct = 0;
        _training = false;
        fixed (float* f = features)
        {
            for (var start = 0; start < count; start += EvalRows)
            {
                var n = Math.Min(EvalRows, count - start);
                labels.AsSpan(start, n).CopyTo(_batchLabels);
                _n = n;
                _input = f + (long)start * Dim;
                _team.Run(_forward);
                var (l, k) = Softmax();
                lossSum += l;
                correct += k;
            }
        }
        _input = null;
        return (lossSum / count, (double)correct / count);
    }

    private (int Start, int End) Share(int worker, int count) =>
        ((int)((long)count * worker / _team.Size), (int)((long)count * (worker + 1) / _team.Size));

    private void Gather(int worker)
    {
        var (start, end) = Share(worker, _n);
        for (var i = start; i < end; i++)
            _features.AsSpan((int)((long)_batchRows[i] * Dim), Dim).CopyTo(new Span<float>(_x.Pointer + (long)i * Dim, Dim));
    }

    /// <summary>Phase 2 for this worker's chunks: pre-activations, activations (dropout when training) and the
    /// chunks' shares of the logits.</summary>
    private void Forward(int worker)
    {
        var (start, end) = Share(worker, _chunks);
        var random = _random[worker];
        var draws = new Span<uint>((uint*)(_scratch.Pointer + worker * Chunk), Chunk);
        var w2 = new ReadOnlySpan<float>(_w2.Pointer, _w2.Length);
        // Keep a unit with probability 1 − p: its 32-bit draw is at or above p·2³².
        var threshold = (uint)Math.Min(Math.Round(_dropout * 4294967296.0), uint.MaxValue);
        for (var chunk = start; chunk < end; chunk++)
        {
            var col = chunk * Chunk;
            var a = _a.Pointer + (long)chunk * _n * Chunk;
            MlpKernels.Forward(_input, Dim, _n, Dim, _w1.Pointer + PanelOffset(chunk, 0), Chunk, _b1.Pointer + col, a, Chunk);
            var real = Math.Min(Chunk, Hidden - col); // units past H are padding: no draws, always 0
            for (var i = 0; i < _n; i++)
            {
                var row = new Span<float>(a + (long)i * Chunk, Chunk);
                TensorPrimitives.Max(row, 0f, row);
                if (_training && _dropout > 0)
                {
                    random.Reset(SeededRandom.Derive(_dropoutSeed, _step * BatchRows + i, chunk));
                    for (var h = 0; h < real; h += 2)
                    {
                        var r = random.NextUInt64();
                        draws[h] = (uint)r;
                        if (h + 1 < Chunk) draws[h + 1] = (uint)(r >> 32);
                    }
                    for (var h = 0; h < real; h++) row[h] = draws[h] >= threshold ? row[h] * _scale : 0f;
                }
                row[real..].Clear();
                var s = new Span<float>(_share.Pointer + ((long)chunk * BatchRows + i) * Classes, Classes);
                for (var c = 0; c < Classes; c++) s[c] = TensorPrimitives.Dot(row, w2.Slice(c * Padded + col, Chunk));
            }
        }
    }

    /// <summary>Phase 3, on the calling thread: logits from the chunk shares, softmax, loss, accuracy and (training)
    /// dL = (P − onehot(y)) / n in the P buffer. Returns Σ −log P[y] and the number of correct arg-max rows.</summary>
    private (double LossSum, int Correct) Softmax()
    {
        var n = _n;
        double lossSum = 0;
        var correct = 0;
        var b2 = new ReadOnlySpan<float>(_b2.Pointer, Classes);
        for (var i = 0; i < n; i++)
        {
            var p = new Span<float>(_p.Pointer + (long)i * Classes, Classes);
            b2.CopyTo(p);
            for (var chunk = 0; chunk < _chunks; chunk++)
                TensorPrimitives.Add(p, new ReadOnlySpan<float>(_share.Pointer + ((long)chunk * BatchRows + i) * Classes, Classes), p);
            var y = _batchLabels[i];
            var max = TensorPrimitives.Max(p);
            if (TensorPrimitives.IndexOfMax(p) == y) correct++;
            double sum = 0;
            for (var c = 0; c < Classes; c++) sum += Math.Exp(p[c] - max);
            // log-softmax: −log P[y] = log Σ exp(l − max) − (l_y − max), finite even where P[y] underflows.
            lossSum += Math.Log(sum) - (p[y] - max);
            if (!_training) continue;
            // Probabilities below 1e-30 become 0: their gradients would be subnormal floats (slow; see AdamStep).
            for (var c = 0; c < Classes; c++)
            {
                var q = Math.Exp(p[c] - max) / sum / n;
                p[c] = q < AdamStep.MomentFloor ? 0f : (float)q;
            }
            p[y] -= 1f / n;
        }
        return (lossSum, correct);
    }

    /// <summary>Phase 4 for this worker's chunks: dZ, Adam on W2's and b1's columns, then the fused W1 gradient + Adam.</summary>
    private void Update(int worker)
    {
        var (start, end) = Share(worker, _chunks);
        var g = new Span<float>(_scratch.Pointer + worker * Chunk, Chunk);
        var dL = new ReadOnlySpan<float>(_p.Pointer, _n * Classes);
        for (var chunk = start; chunk < end; chunk++)
        {
            var col = chunk * Chunk;
            var a = _a.Pointer + (long)chunk * _n * Chunk;
            var dZ = _dZ.Pointer + (long)chunk * _n * Chunk;
            for (var i = 0; i < _n; i++)
            {
                var dz = new Span<float>(dZ + (long)i * Chunk, Chunk);
                dz.Clear();
                for (var c = 0; c < Classes; c++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(_w2.Pointer + c * Padded + col, Chunk), dL[i * Classes + c], dz, dz);
                var ai = new ReadOnlySpan<float>(a + (long)i * Chunk, Chunk);
                for (var h = 0; h < Chunk; h++) dz[h] = ai[h] > 0 ? dz[h] * _scale : 0f;
            }
            for (var c = 0; c < Classes; c++)
            {
                g.Clear();
                for (var i = 0; i < _n; i++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(a + (long)i * Chunk, Chunk), dL[i * Classes + c], g, g);
                var at = c * Padded + col;
                _adam.Apply(new Span<float>(_w2.Pointer + at, Chunk), new Span<float>(_mW2.Pointer + at, Chunk), new Span<float>(_vW2.Pointer + at, Chunk), g);
            }
            g.Clear();
            for (var i = 0; i < _n; i++) TensorPrimitives.Add(g, new ReadOnlySpan<float>(dZ + (long)i * Chunk, Chunk), g);
            _adam.Apply(new Span<float>(_b1.Pointer + col, Chunk), new Span<float>(_mB1.Pointer + col, Chunk), new Span<float>(_vB1.Pointer + col, Chunk), g);
            var w = PanelOffset(chunk, 0);
            MlpKernels.GradientAdam(_x.Pointer, Dim, 1, _n, Dim, dZ, Chunk, _w1.Pointer + w, _mW1.Pointer + w, _vW1.Pointer + w, Chunk, _adam);
        }
        if (worker != 0) return;
        Span<float> gB2 = stackalloc float[Classes];
        for (var i = 0; i < _n; i++) TensorPrimitives.Add(gB2, dL.Slice(i * Classes, Classes), gB2);
        _adam.Apply(new Span<float>(_b2.Pointer, Classes), new Span<float>(_mB2.Pointer, Classes), new Span<float>(_vB2.Pointer, Classes), gB2);
    }

    public void Dispose()
    {
        _team.Dispose();
        foreach (var b in new[] { _w1, _b1, _w2, _b2, _mW1, _vW1, _mB1, _vB1, _mW2, _vW2, _mB2, _vB2, _x, _a, _share, _p, _dZ, _scratch })
            b.Dispose();
    }
}
