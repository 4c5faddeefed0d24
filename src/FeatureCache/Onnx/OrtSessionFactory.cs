using Microsoft.ML.OnnxRuntime;

namespace Graft.FeatureCache.Onnx;

/// <summary>
/// The one place ONNX Runtime sessions are created, so a model ORT refuses (an operator it lacks, a damaged file, a
/// provider that will not start) is always one <see cref="GraftException"/> line naming the model, never a runtime
/// stack trace.
/// </summary>
public static class OrtSessionFactory
{
    /// <summary>Opens a session over the ONNX file at <paramref name="path"/>.</summary>
    public static InferenceSession Open(string path, SessionOptions options) =>
        Guard(() => new InferenceSession(path, options), path);

    /// <summary>Opens a session over an ONNX model held in memory, named <paramref name="what"/> in messages.</summary>
    public static InferenceSession Open(byte[] model, SessionOptions options, string what) =>
        Guard(() => new InferenceSession(model, options), what);

    private static InferenceSession Guard(Func<InferenceSession> open, string what)
    {
        try
        {
            return open();
        }
        catch (OnnxRuntimeException e)
        {
            throw new GraftException($"ONNX Runtime cannot load '{what}': {FirstLine(e.Message)}", "Is it a valid ONNX model?", e);
        }
    }

    /// <summary>The first line of an ONNX Runtime message (its stack of native frames follows).</summary>
    internal static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 240 ? line[..240] + "…" : line;
    }
}
