namespace Graft;

/// <summary>
/// A mistake the user can fix (a missing path, an unknown backbone, an empty dataset, a cache made by another model).
/// The CLI prints <see cref="Exception.Message"/> and <see cref="Hint"/> on one line each and exits with its "user
/// mistake" code, or its "interrupted" code when <see cref="Interrupted"/>; it never shows a stack trace for this type.
/// Exit codes themselves belong to the CLI.
/// </summary>
public class GraftException : Exception
{
    public GraftException(string message, string? hint = null, Exception? inner = null) : base(message, inner) => Hint = hint;

    /// <summary>What to do about it, in one sentence; null when the message says it all.</summary>
    public string? Hint { get; }

    /// <summary>True when the run stopped part-way (cancelled, a full disk) with its finished work kept, so the same
    /// command resumes; false for a mistake to fix first.</summary>
    public bool Interrupted { get; init; }
}
