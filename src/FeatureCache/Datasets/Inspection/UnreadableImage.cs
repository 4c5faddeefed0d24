using Graft.FeatureCache.Decoding;

namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>A sampled item that could not be read or decoded: its <see cref="DatasetItem.Id"/>, why, and the
/// decoder's or reader's message.</summary>
public sealed record UnreadableImage(string Id, RejectReason Reason, string Message);
