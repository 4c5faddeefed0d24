namespace Graft.Cli.Rendering;

/// <summary>An <see cref="IProgress{T}"/> that runs its handler on the reporting thread, in report order.
/// <see cref="Progress{T}"/> posts each report to the thread pool when there is no synchronisation context (a console
/// app), so lines of a fast sequence, such as the mlp head's epochs, could print out of order.</summary>
public sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
