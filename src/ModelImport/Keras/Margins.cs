namespace Graft.ModelImport.Keras;

/// <summary>Pixels added (ZeroPadding2D) or removed (Cropping2D) at each side of a feature map. Keras writes them as
/// <c>((top, bottom), (left, right))</c>.</summary>
public readonly record struct Margins(int Top, int Bottom, int Left, int Right)
{
    public override string ToString() => $"(({Top},{Bottom}),({Left},{Right}))";
}
