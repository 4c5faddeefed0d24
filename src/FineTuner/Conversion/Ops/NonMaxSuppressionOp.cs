using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>
/// ONNX NonMaxSuppression (detection exports' post-processing), computed on the CPU as ONNX Runtime does: per batch and
/// class, the boxes scoring above score_threshold in descending score order (equal scores: lower index first), each kept
/// unless its IoU with an already kept box exceeds iou_threshold, at most max_output_boxes_per_class (0 by default:
/// none). Boxes are corner pairs in either order (center_point_box = 0) or [x, y, w, h] centres (1). Output: int64
/// [selected, 3] rows of (batch, class, box). Not differentiable (indices).
/// </summary>
internal sealed class NonMaxSuppressionOp : OnnxOp
{
    private readonly bool _centre;

    public NonMaxSuppressionOp(NodeAttributes a) : base(a.Node) => _centre = a.Int("center_point_box", 0) != 0;

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var boxesTensor = Input(inputs, 0);
        var scoresTensor = Input(inputs, 1);
        if (boxesTensor.dim() != 3 || boxesTensor.shape[2] != 4 || scoresTensor.dim() != 3
            || scoresTensor.shape[0] != boxesTensor.shape[0] || scoresTensor.shape[2] != boxesTensor.shape[1])
            throw new GraftException($"{Describe}: boxes {IndexChecks.Shape(boxesTensor)} and scores {IndexChecks.Shape(scoresTensor)} do not fit ([B, N, 4] and [B, C, N]).");
        var maxPerClass = Optional(inputs, 2) is { } m && m.numel() > 0 ? Longs(m)[0] : 0L;
        var iouThreshold = Optional(inputs, 3) is { } i && i.numel() > 0 ? Scalar(i) : 0f;
        float? scoreThreshold = Optional(inputs, 4) is { } s && s.numel() > 0 ? Scalar(s) : null;
        long batches = boxesTensor.shape[0], count = boxesTensor.shape[1], classes = scoresTensor.shape[1];
        using var boxCpu = boxesTensor.to(ScalarType.Float32, CPU).contiguous();
        using var scoreCpu = scoresTensor.to(ScalarType.Float32, CPU).contiguous();
        var boxes = boxCpu.data<float>().ToArray();
        var scores = scoreCpu.data<float>().ToArray();
        var selected = new List<long>();
        for (var b = 0L; b < batches; b++)
        {
            var corners = Enumerable.Range(0, (int)count).Select(n => Corners(boxes, (b * count + n) * 4)).ToArray();
            for (var c = 0L; c < classes; c++)
            {
                var offset = (b * classes + c) * count;
                var candidates = Enumerable.Range(0, (int)count)
                    .Where(n => scoreThreshold is not { } t || scores[offset + n] > t)
                    .OrderByDescending(n => scores[offset + n]).ThenBy(n => n) // stable: lower index first on ties
                    .ToList();
                var kept = new List<int>();
                foreach (var n in candidates)
                {
                    if (kept.Count >= maxPerClass) break;
                    if (kept.Any(k => Suppresses(corners[k], corners[n], iouThreshold))) continue;
                    kept.Add(n);
                    selected.AddRange([b, c, n]);
                }
            }
        }
        return [tensor(selected.ToArray(), [selected.Count / 3, 3], ScalarType.Int64)];
    }

    /// <summary>(y1, x1, y2, x2) with y1 ≤ y2 and x1 ≤ x2.</summary>
    private (float Y1, float X1, float Y2, float X2) Corners(float[] data, long at)
    {
        if (_centre)
        {
            float x = data[at], y = data[at + 1], w = data[at + 2] / 2, h = data[at + 3] / 2;
            return (y - h, x - w, y + h, x + w);
        }
        float a = data[at], b = data[at + 1], c = data[at + 2], d = data[at + 3];
        return (Math.Min(a, c), Math.Min(b, d), Math.Max(a, c), Math.Max(b, d));
    }

    /// <summary>ONNX Runtime's rule: suppressed when IoU > threshold; empty boxes or no overlap never suppress.</summary>
    private static bool Suppresses((float Y1, float X1, float Y2, float X2) p, (float Y1, float X1, float Y2, float X2) q, float threshold)
    {
        var height = Math.Min(p.Y2, q.Y2) - Math.Max(p.Y1, q.Y1);
        var width = Math.Min(p.X2, q.X2) - Math.Max(p.X1, q.X1);
        if (height <= 0 || width <= 0) return false;
        var intersection = height * width;
        var areaP = (p.Y2 - p.Y1) * (p.X2 - p.X1);
        var areaQ = (q.Y2 - q.Y1) * (q.X2 - q.X1);
        var union = areaP + areaQ - intersection;
        if (areaP <= 0 || areaQ <= 0 || union <= 0) return false;
        return intersection / union > threshold;
    }
}
