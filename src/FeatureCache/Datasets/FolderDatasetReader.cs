namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Reads a folder per class (Keras <c>image_dataset_from_directory</c> layout), optionally under split folders:
/// <c>root/train/ants/1.jpg</c> or <c>root/ants/1.jpg</c>. Split folders are recognised case-insensitively by
/// <see cref="SplitNames.TryParse"/> (train, validation|val, test and their aliases); two folders naming the same split
/// are merged. Without split folders the split is stratified (<see cref="StratifiedSplitter"/>).
/// Images are found recursively inside each class folder by extension (<see cref="ImageFileExtensions"/>); files
/// directly in the root or a split folder, hidden files and hidden folders are ignored. A class is a folder holding at
/// least one image in any split; class names are the union over all splits, sorted ordinally, so a class that only
/// appears in test still has the same index everywhere. Item ids are paths relative to the root with '/'.
/// Links are followed but never trusted (<see cref="FolderWalker"/>): each real file is listed once, under its real
/// class folder, and a link cycle is noted in the warnings instead of multiplying (or hanging) the listing. A class
/// folder whose name holds a control character is refused (<see cref="ClassNameRules"/>).
/// </summary>
internal static class FolderDatasetReader
{
    public static DatasetListing Read(string root, SplitRatios ratios, int seed, double maxFileMegabytes)
    {
        if (!Directory.Exists(root))
            throw new GraftException($"The folder layout needs a folder, but '{root}' is a file.",
                "Pass the folder that holds the class folders (or the train/validation/test folders).");

        var (splitFolders, classParents) = FindSplitFolders(root);
        var classDirs = new List<(string Dir, string ClassName, Split? Split)>();
        foreach (var (parent, split) in classParents)
            foreach (var classDir in Directory.EnumerateDirectories(parent, "*", ImageFileExtensions.Enumeration(false)).Order(StringComparer.Ordinal))
            {
                if (ImageFileExtensions.IsHidden(classDir)) continue;
                classDirs.Add((classDir, Path.GetFileName(classDir), split));
            }
        var walker = new FolderWalker(ImageFileExtensions.IsImage, root);
        var found = walker.Walk(classDirs.Select(c => c.Dir).ToArray()).ToList();
        foreach (var c in found.Select(f => f.Root).Distinct().Select(r => classDirs[r]))
            ClassNameRules.Check(c.ClassName, $"folder '{ClassNameRules.Visible(Path.GetRelativePath(root, c.Dir))}'",
                "Rename the folder: class names become lines of classes.txt and are printed to terminals.");
        var files = found
            .Select(f => (Id: Path.GetRelativePath(root, f.Path).Replace('\\', '/'), classDirs[f.Root].ClassName, classDirs[f.Root].Split, f.Path))
            .ToList();

        var classNames = files.Select(f => f.ClassName).Distinct().Order(StringComparer.Ordinal).ToArray();
        var labelOf = classNames.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);

        IReadOnlyDictionary<string, Split>? stratified = null;
        var splitSource = $"split folders ({string.Join(", ", splitFolders)})";
        if (splitFolders.Count == 0)
        {
            stratified = StratifiedSplitter.Assign(files.Select(f => (f.Id, labelOf[f.ClassName])), ratios, seed);
            splitSource = StratifiedSplitter.Describe(ratios, seed);
        }

        var items = files.Select(f =>
        {
            var path = f.Path;
            return new DatasetItem(f.Id, labelOf[f.ClassName], f.Split ?? stratified![f.Id], () => ImageFileReader.Read(path, maxFileMegabytes));
        }).ToArray();
        // A folder with no image anywhere is not a class (Keras would count it and never see an example): say so, once.
        var emptyClasses = classDirs.Select(c => c.ClassName).Distinct().Except(classNames).Order(StringComparer.Ordinal)
            .Select(name => $"folder '{ClassNameRules.Visible(name)}' holds no images: it is not a class");
        return new DatasetListing(root, classNames, items, splitSource, [.. walker.Notes, .. emptyClasses]);
    }

    /// <summary>True when some non-hidden subfolder holds an image file; stops at the first one found.</summary>
    public static bool LooksLikeFolderDataset(string root) =>
        Directory.EnumerateDirectories(root, "*", ImageFileExtensions.Enumeration(false))
            .Where(d => !ImageFileExtensions.IsHidden(d))
            .Any(HasImages);

    /// <summary>True when the folder holds an image at any depth (links followed safely); stops at the first.</summary>
    private static bool HasImages(string folder) =>
        new FolderWalker(ImageFileExtensions.IsImage, folder).Walk([folder]).Any();

    /// <summary>
    /// The split folder names found (empty when there are none) and the folders that hold class folders, with their
    /// split (null: to be stratified). Mixing split folders and class folders at the top is ambiguous, so it is refused.
    /// </summary>
    private static (IReadOnlyList<string> SplitFolders, IReadOnlyList<(string Parent, Split? Split)> ClassParents) FindSplitFolders(string root)
    {
        var top = Directory.EnumerateDirectories(root, "*", ImageFileExtensions.Enumeration(false))
            .Where(d => !ImageFileExtensions.IsHidden(d))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var splits = top.Where(d => SplitNames.TryParse(Path.GetFileName(d), out _)).ToArray();
        if (splits.Length == 0)
            return ([], [(root, null)]);

        var others = top.Except(splits).Where(HasImages).Select(Path.GetFileName).ToArray();
        if (others.Length > 0)
            throw new GraftException(
                $"'{root}' mixes split folders ({string.Join(", ", splits.Select(Path.GetFileName))}) with class folders ({string.Join(", ", others)}).",
                "Put every class folder under train/validation/test, or none of them (then Graft makes a stratified split).");

        return (splits.Select(d => Path.GetFileName(d)!).ToArray(),
            splits.Select(d => (d, (Split?)SplitNames.Parse(Path.GetFileName(d)))).ToArray());
    }
}
