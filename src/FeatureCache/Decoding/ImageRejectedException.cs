namespace Graft.FeatureCache.Decoding;

/// <summary>An image that cannot be used; the run skips it and reports <see cref="Reason"/> and the message.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(RejectReason reason, string message, Exception? inner = null) : base(message, inner) => Reason = reason;

    public RejectReason Reason { get; }
}
