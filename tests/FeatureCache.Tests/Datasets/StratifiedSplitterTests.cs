namespace Graft.FeatureCache.Datasets.Tests;

public sealed class StratifiedSplitterTests
{
    [Theory]
    [InlineData(10, 8, 1, 1)]
    [InlineData(20, 16, 2, 2)]
    [InlineData(5, 4, 1, 0)]    // quotas 4, 0.5, 0.5: the tie goes to validation before test
    [InlineData(1, 1, 0, 0)]
    [InlineData(0, 0, 0, 0)]
    [InlineData(7, 5, 1, 1)]    // quotas 5.6, 0.7, 0.7: the larger remainders win
    public void Counts_DefaultRatios_LargestRemainder(int n, int train, int validation, int test)
    {
        Assert.Equal([train, validation, test], StratifiedSplitter.Counts(n, SplitRatios.Default));
    }

    [Fact]
    public void Counts_SmallTrainRatio_KeepsOneItemInTrain()
    {
        Assert.Equal([1, 0, 1], StratifiedSplitter.Counts(2, new SplitRatios(0.1, 0.45, 0.45)));
    }

    [Fact]
    public void Counts_UnnormalisedRatios_SameAsNormalised()
    {
        Assert.Equal(StratifiedSplitter.Counts(37, SplitRatios.Default), StratifiedSplitter.Counts(37, new SplitRatios(80, 10, 10)));
    }

    [Fact]
    public void Assign_InputOrder_DoesNotChangeSplit()
    {
        var items = Enumerable.Range(0, 30).Select(i => ($"img{i}.jpg", i % 3)).ToArray();
        var forward = StratifiedSplitter.Assign(items, SplitRatios.Default, 7);
        var backward = StratifiedSplitter.Assign(items.Reverse(), SplitRatios.Default, 7);
        Assert.Equal(forward.OrderBy(p => p.Key, StringComparer.Ordinal), backward.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Assign_DifferentSeeds_DifferentMembersSameCounts()
    {
        var items = Enumerable.Range(0, 40).Select(i => ($"img{i:D2}.jpg", 0)).ToArray();
        var a = StratifiedSplitter.Assign(items, SplitRatios.Default, 1);
        var b = StratifiedSplitter.Assign(items, SplitRatios.Default, 2);
        Assert.NotEqual(a.Where(p => p.Value == Split.Test).Select(p => p.Key).Order(), b.Where(p => p.Value == Split.Test).Select(p => p.Key).Order());
        Assert.Equal(4, a.Count(p => p.Value == Split.Test));
        Assert.Equal(4, b.Count(p => p.Value == Split.Test));
    }
}
