namespace Graft;

/// <summary>
/// A mistake the user can fix (a missing path, an unknown backbone, an empty dataset, a cache made by another model).
/// The CLI prints <see cref="Exception.Message"/> and <see cref="Hint"/> on one line each and exits with
/// <see cref="ExitCodes.UserError"/>; it never shows a stack trace for this type.
/// </summary>
public class GraftException : Exception
{
    public GraftException(string message, string? hint = null, Exception? inner = null) : base(message, inner) => Hint = hint;

    /// <summary>What to do about it, in one sentence; null when the message says it all.</summary>
    public string? Hint { get; }

    /// <summary>Exit code the CLI returns: <see cref="ExitCodes.UserError"/> unless the run was interrupted with its
    /// finished work kept (<see cref="ExitCodes.Interrupted"/>).</summary>
    public int ExitCode { get; init; } = ExitCodes.UserError;
}

/// <summary>Process exit codes of the <c>graft</c> CLI, documented in the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A bug or an unexpected environment failure (the message says which; --verbose shows the stack).</summary>
    public const int InternalError = 1;
    /// <summary>A user mistake: bad arguments, missing files, unknown names, inconsistent caches.</summary>
    public const int UserError = 2;
    /// <summary>The run stopped part-way (disk full, cancelled); finished work is kept and the same command resumes.</summary>
    public const int Interrupted = 3;
}
