namespace Graft.ModelImport.Keras;

/// <summary>
/// The order of Keras's <c>model.layers</c> for a functional model (tf.keras <c>functional._map_graph_network</c>, the
/// same algorithm as Keras 2.2's <c>Network.build_map</c>):
/// <list type="number">
/// <item>A depth-first walk from the output through each node's inputs in call order numbers every layer the first
/// time it is reached (<c>layer_indices</c>: pre-order — the number is assigned before the walk descends into the
/// layer's inputs).</item>
/// <item>A layer's depth is its longest distance, in layers, to the output (the output layer has depth 0).</item>
/// <item><c>model.layers</c> lists layers by depth, deepest first (so the InputLayer comes first); layers of equal
/// depth in walk order.</item>
/// </list>
/// Layers not reachable from the output are not part of the model. Neither is creation order: a layer created early
/// but used late in the graph appears late.
/// </summary>
internal static class KerasLayerOrder
{
    public static IReadOnlyList<KerasLayer> Order(KerasLayer output, IReadOnlyList<KerasLayer> created)
    {
        var walkIndex = new Dictionary<KerasLayer, int>();
        var finished = new HashSet<KerasLayer>();
        Walk(output, walkIndex, finished);

        // Longest path to the output. Creation order is topological (a layer is created after its inputs), so walking
        // it backwards visits every consumer before the layers it consumes.
        var depth = new Dictionary<KerasLayer, int> { [output] = 0 };
        for (var i = created.Count - 1; i >= 0; i--)
        {
            var layer = created[i];
            if (!walkIndex.ContainsKey(layer)) continue;
            var d = depth.GetValueOrDefault(layer);
            foreach (var input in layer.Inputs)
                depth[input] = Math.Max(depth.GetValueOrDefault(input), d + 1);
        }

        return walkIndex.Keys
            .OrderByDescending(l => depth[l])
            .ThenBy(l => walkIndex[l])
            .ToList();
    }

    private static void Walk(KerasLayer layer, Dictionary<KerasLayer, int> walkIndex, HashSet<KerasLayer> finished)
    {
        if (finished.Contains(layer)) return;
        walkIndex.TryAdd(layer, walkIndex.Count);
        foreach (var input in layer.Inputs) Walk(input, walkIndex, finished);
        finished.Add(layer);
    }
}
