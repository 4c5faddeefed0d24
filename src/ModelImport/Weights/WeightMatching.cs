namespace Graft.ModelImport.Weights;

/// <summary>How a weight file's layers were paired with the architecture's.</summary>
public enum WeightMatching
{
    /// <summary>Every weighted layer of the architecture was found under its own name.</summary>
    ByName,
    /// <summary>Names differ but the file has exactly as many weighted layers: paired in order, as Keras's
    /// <c>model.load_weights(path)</c> (topological loading) does, with every shape checked.</summary>
    ByPosition,
}
