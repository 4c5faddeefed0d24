using System.Globalization;
using System.Text;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// What a class name may hold. A control character (a newline, an ANSI escape, DEL, U+0085) or a line/paragraph
/// separator is refused wherever a name comes from (a folder, a CSV label, a TFDS label file): one class must stay one
/// line of classes.txt and CSV exports, and a name is printed to terminals. Refusing is honest where escaping would
/// give the same class two spellings on disk and on screen.
/// </summary>
public static class ClassNameRules
{
    /// <summary>The first forbidden character of <paramref name="name"/>, or null when it is fine.</summary>
    public static char? FirstForbidden(string name)
    {
        foreach (var c in name)
            if (char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                return c;
        return null;
    }

    /// <summary>Throws <see cref="GraftException"/> naming <paramref name="where"/> when the name holds a forbidden
    /// character.</summary>
    public static void Check(string name, string where, string hint)
    {
        if (FirstForbidden(name) is not { } c) return;
        throw new GraftException(
            $"The class name \"{Visible(name)}\" ({where}) holds the control character U+{(int)c:X4}; class names must be printable text.",
            hint);
    }

    /// <summary>The text with control characters written as escapes (\n, \t, \u001B), safe to print.</summary>
    public static string Visible(string text)
    {
        if (FirstForbidden(text) is null) return text;
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                    => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return sb.ToString();
    }
}
