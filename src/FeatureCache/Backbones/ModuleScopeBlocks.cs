using System.Text.RegularExpressions;
using Onnx;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// Finds a model's blocks and stages (timm's words) from the module scopes PyTorch writes into ONNX node names
/// ("/features/features.6/features.6.0/block/block.0/Conv" is module features.6.0.block.0). The rule, with no
/// per-family table:
/// <list type="number">
/// <item>The <b>trunk</b> is found by descending from the root into the child module that holds more than 60% of the
/// nodes with weights (features, trunk_output, encoder.layers …).</item>
/// <item>Each child of the trunk is a <b>unit</b>. A unit whose composite children (modules with modules inside) all
/// end in an index (features.1.0, denselayer3, block2-1, encoder_layer_4) is a <b>stage</b>, and those children are its
/// blocks. Any other unit is one block; consecutive units with no submodules (conv1, bn1, relu, maxpool) make one
/// block.</item>
/// <item>Nodes before the trunk make a "stem" block (ViT's patch embedding and class token); nodes after it join the
/// last block (final norm, pooling, classifier), so the top block always reaches the output.</item>
/// <item>Stages: every stage unit; blocks before the first stage form the stem stage, blocks between stages join the
/// next stage (ConvNeXt's and Swin's downsampling, DenseNet's transitions — where timm puts them), blocks after the
/// last stage join it. Without stage units (MobileNet, ViT) every block is a stage.</item>
/// </list>
/// Nodes that only compute constants and nodes without a scope belong to the block of the node that consumes them.
/// Blocks are contiguous runs of the node order: a node never goes back to an earlier block.
/// </summary>
internal static partial class ModuleScopeBlocks
{
    /// <summary>Share of the nodes that must carry a scope for the rule to apply (CNTK or hand-built graphs carry none).</summary>
    private const double MinScopedShare = 0.5;

    /// <summary>A trunk child holding more than this share of the weighted nodes becomes the trunk.</summary>
    private const double TrunkShare = 0.6;

    /// <summary>Per node its block index; per block its name and stage; per stage its name. Null when the node names
    /// carry no module scopes.</summary>
    internal sealed record Result(int[] NodeBlock, string[] BlockNames, int[] BlockStage, string[] StageNames);

    public static Result? Find(IReadOnlyList<NodeProto> nodes, IReadOnlySet<string> initializers)
    {
        var n = nodes.Count;
        if (n == 0) return null;
        var paths = nodes.Select(node => ParseScope(node.Name)).ToArray();
        if (paths.Count(p => p is not null) < MinScopedShare * n) return null;

        // Constant-only and unscoped nodes take the scope of their first consumer (or, with none, the previous node).
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        var constant = new bool[n];
        var consumers = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            consumers[i] = [];
            constant[i] = true;
            foreach (var input in nodes[i].Input.Where(x => x.Length > 0))
            {
                if (producer.TryGetValue(input, out var p))
                {
                    consumers[p].Add(i);
                    if (!constant[p]) constant[i] = false;
                }
                else if (!initializers.Contains(input)) constant[i] = false;
            }
            foreach (var o in nodes[i].Output.Where(x => x.Length > 0)) producer[o] = i;
        }
        var effective = new string[]?[n];
        for (var i = n - 1; i >= 0; i--)
            effective[i] = (constant[i] || paths[i] is null) && consumers[i].Count > 0 ? effective[consumers[i][0]] : paths[i];
        for (var i = 0; i < n; i++) effective[i] ??= i > 0 ? effective[i - 1] : [];

        var weighted = Enumerable.Range(0, n).Where(i => !constant[i] && nodes[i].Input.Any(initializers.Contains)).ToList();
        var trunk = FindTrunk(effective, weighted);
        var depth = trunk.Length;
        bool Under(string[] p) => p.Length > depth && (depth == 0 || p[depth - 1] == trunk[^1]);

        // Units: the trunk child of each node; before the trunk "stem", after it the previous unit.
        // Computing nodes only: the exporter hoists constant-only nodes (Identity copies of merged initializers) to the
        // top, where they would look like the trunk's start.
        var firstTrunk = Enumerable.Range(0, n).FirstOrDefault(i => !constant[i] && Under(effective[i]!), n);
        var unitOf = new string?[n];
        string? previous = null;
        for (var i = 0; i < n; i++)
        {
            var p = effective[i]!;
            unitOf[i] = Under(p) ? p[depth] : i < firstTrunk ? StemKey : previous ?? StemKey;
            if (!constant[i]) previous = unitOf[i];
        }
        var unitNodes = Enumerable.Range(0, n).GroupBy(i => unitOf[i]!).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        // Block key per node: a stage unit's indexed child, the unit itself, or a run of leaf units.
        var stageUnits = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (unit, members) in unitNodes)
            if (unit != StemKey && IsStage(members.Where(i => !constant[i]).ToList(), effective, depth, nodes, producer)) stageUnits.Add(unit);
        var leafUnit = unitNodes.ToDictionary(u => u.Key, u => u.Key != StemKey && u.Value.All(m => effective[m]!.Length <= depth + 1), StringComparer.Ordinal);
        var runKey = new Dictionary<string, string>(StringComparer.Ordinal);
        string? previousUnit = null;
        foreach (var unit in unitOf.Distinct())
        {
            runKey[unit!] = leafUnit[unit!] && previousUnit is not null && leafUnit[previousUnit] ? runKey[previousUnit] : unit!;
            previousUnit = unit;
        }
        var blockKey = new string[n];
        for (var i = 0; i < n; i++)
        {
            var unit = unitOf[i]!;
            var p = effective[i]!;
            if (!stageUnits.Contains(unit)) blockKey[i] = runKey[unit];
            else if (Under(p) && p.Length > depth + 1) blockKey[i] = p[depth + 1];
            // A stage's own ops (DenseNet's closing Concat) end the block before them.
            else blockKey[i] = i > 0 && unitOf[i - 1] == unit ? blockKey[i - 1] : runKey[unit];
        }

        // Contiguous blocks in node order; nodes after the trunk join the last block.
        var lastTrunk = Enumerable.Range(0, n).LastOrDefault(i => !constant[i] && Under(effective[i]!), -1);
        var blockIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var unitOfBlock = new List<string>();
        var nodeBlock = new int[n];
        var current = -1;
        for (var i = 0; i < n; i++)
        {
            // Constant-only nodes never open a block: the exporter hoists them (a shared Constant of block 5 can come
            // first), and they compute nothing that depends on the image.
            if ((i <= lastTrunk || current < 0) && !constant[i])
            {
                if (!blockIndex.TryGetValue(blockKey[i], out var b))
                {
                    b = names.Count;
                    blockIndex[blockKey[i]] = b;
                    names.Add(blockKey[i] == StemKey ? "stem" : blockKey[i]);
                    unitOfBlock.Add(unitOf[i]!);
                }
                current = Math.Max(current, b);
            }
            nodeBlock[i] = current;
        }
        for (var i = 0; i < n && nodeBlock[i] < 0; i++) nodeBlock[i] = 0;
        if (names.Count == 0) return null;

        // Stages.
        var blockStage = new int[names.Count];
        var stageNames = new List<string>();
        if (stageUnits.Count == 0)
        {
            for (var b = 0; b < names.Count; b++) blockStage[b] = b;
            stageNames.AddRange(names);
        }
        else
        {
            var pending = new List<int>();
            for (var b = 0; b < names.Count; b++)
            {
                var unit = unitOfBlock[b];
                if (!stageUnits.Contains(unit))
                {
                    pending.Add(b);
                    continue;
                }
                if (stageNames.Count == 0 || stageNames[^1] != unit)
                {
                    if (stageNames.Count == 0 && pending.Count > 0)
                    {
                        stageNames.Add("stem");
                        foreach (var s in pending) blockStage[s] = 0;
                        pending.Clear();
                    }
                    stageNames.Add(unit);
                }
                foreach (var s in pending) blockStage[s] = stageNames.Count - 1;
                pending.Clear();
                blockStage[b] = stageNames.Count - 1;
            }
            foreach (var s in pending) blockStage[s] = stageNames.Count - 1;
        }
        return new Result(nodeBlock, names.ToArray(), blockStage, stageNames.ToArray());
    }

    private const string StemKey = "\0stem";

    /// <summary>The module path of a PyTorch-scoped node name, as full dotted names from the outside in
    /// ("/features/features.1/features.1.0/block/Conv" → features, features.1, features.1.0, features.1.0.block);
    /// empty for a root-level node ("/Flatten"); null for a name without scope ("Conv_12", "Convolution359").</summary>
    internal static string[]? ParseScope(string name)
    {
        if (string.IsNullOrEmpty(name) || name[0] != '/') return null;
        var segments = name.Split('/');
        var path = new List<string>();
        string? previous = null;
        var prefix = "";
        // segments[0] is empty (leading slash), the last one is the op's own name.
        for (var s = 1; s < segments.Length - 1; s++)
        {
            var seg = segments[s];
            if (seg.Length == 0) return null;
            // A Sequential's child is written relative to the Sequential's parent ("features" then "features.1").
            if (previous is not null && seg.StartsWith(previous + ".", StringComparison.Ordinal)) path.Add(prefix + seg);
            else
            {
                prefix = path.Count == 0 ? "" : path[^1] + ".";
                path.Add(prefix + seg);
            }
            previous = seg;
        }
        return path.ToArray();
    }

    private static string[] FindTrunk(string[]?[] paths, IReadOnlyList<int> weighted)
    {
        var trunk = Array.Empty<string>();
        var members = weighted.ToList();
        while (members.Count > 0)
        {
            var d = trunk.Length;
            var top = members.Where(i => paths[i]!.Length > d).GroupBy(i => paths[i]![d])
                .Select(g => (Name: g.Key, Nodes: g.ToList())).OrderByDescending(g => g.Nodes.Count).FirstOrDefault();
            if (top.Name is null || top.Nodes.Count <= TrunkShare * members.Count) break;
            // A child whose nodes are all leaves of it (one module) is a block, not a container.
            if (top.Nodes.All(i => paths[i]!.Length == d + 1)) break;
            // Nor is one stage of an indexed sequence the trunk, however much of the model it holds: ConvNeXt-S's
            // features.5 (27 of 36 blocks), ResNet-101's layer3, RegNetY-16GF's block3.
            var indexedContainers = members.Where(i => paths[i]!.Length > d + 1).Select(i => paths[i]![d]).Distinct().Count(c => IndexSuffix().IsMatch(c));
            if (indexedContainers >= 2 && IndexSuffix().IsMatch(top.Name)) break;
            trunk = [.. trunk, top.Name];
            members = top.Nodes;
        }
        return trunk;
    }

    /// <summary>A unit is a stage when it has composite children, every composite child's name ends in an index, and
    /// each such child reads what the one before it produced (a sequence, not parallel branches like Inception's
    /// branch1…branch4). <paramref name="members"/> are the unit's computing nodes in order (constant-only nodes, hoisted
    /// by the exporter, would scramble the children's order).</summary>
    private static bool IsStage(List<int> members, string[]?[] paths, int depth, IReadOnlyList<NodeProto> nodes,
        Dictionary<string, int> producer)
    {
        string? Child(int i) => paths[i]!.Length > depth + 1 ? paths[i]![depth + 1] : null;
        var composite = members.Where(i => paths[i]!.Length > depth + 2).Select(i => paths[i]![depth + 1]).Distinct().ToList();
        if (composite.Count == 0 || !composite.All(c => IndexSuffix().IsMatch(c))) return false;
        var inUnit = members.ToHashSet();
        for (var k = 1; k < composite.Count; k++)
        {
            var (before, child) = (composite[k - 1], composite[k]);
            var reads = members.Where(i => Child(i) == child).SelectMany(i => nodes[i].Input)
                .Where(producer.ContainsKey).Select(x => producer[x]).Where(inUnit.Contains).Any(p => Child(p) is var c && (c == before || c is null || !composite.Contains(c)));
            if (!reads) return false;
        }
        return true;
    }

    [GeneratedRegex(@"\d+$")]
    private static partial Regex IndexSuffix();
}
