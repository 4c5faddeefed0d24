using Graft.HeadTrainer.Evaluation;
using Graft.HeadTrainer.Runs;

namespace Graft.HeadTrainer.Reporting;

/// <summary>What goes into report.html.</summary>
public sealed record ReportContent
{
    public required RunConfig Run { get; init; }
    public required string Split { get; init; }
    public required ClassificationMetrics Metrics { get; init; }
    public byte[]? CurvesPng { get; init; }
    public required byte[] ConfusionPng { get; init; }
    public required IReadOnlyList<Misclassification> Misclassified { get; init; }

    /// <summary>Base64 PNG thumbnails by image id.</summary>
    public required IReadOnlyDictionary<string, string> Thumbnails { get; init; }
    public string? ThumbnailNote { get; init; }

    /// <summary>A warning shown at the top (e.g. the split was used for model selection).</summary>
    public string? Warning { get; init; }
}
