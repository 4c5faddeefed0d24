namespace Graft;

/// <summary>Process exit codes of the <c>graft</c> CLI, documented in the README. Libraries do not know them: they
/// throw <see cref="GraftException"/> (a user mistake, or <see cref="GraftException.Interrupted"/>) and the CLI maps.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A bug or an unexpected environment failure (the message says which; --verbose shows the stack).</summary>
    public const int InternalError = 1;
    /// <summary>A user mistake: bad arguments, missing files, unknown names, inconsistent caches.</summary>
    public const int UserError = 2;
    /// <summary>The run stopped part-way (disk full, cancelled); finished work is kept and the same command resumes.</summary>
    public const int Interrupted = 3;

    /// <summary>The code for a <see cref="GraftException"/>.</summary>
    public static int For(GraftException e) => e.Interrupted ? Interrupted : UserError;
}
