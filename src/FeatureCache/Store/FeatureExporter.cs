using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CsvHelper;
using Graft.FeatureCache.Datasets;

namespace Graft.FeatureCache.Store;

/// <summary>File formats for <see cref="FeatureExporter"/>.</summary>
public enum ExportFormat
{
    /// <summary>NumPy: features_SPLIT.npy (float32 [n, d]), labels_SPLIT.npy (int64 [n]), ids_SPLIT.txt, classes.txt.</summary>
    Npy,
    /// <summary>One CSV per split: id,label,label_name,f0..f(d−1).</summary>
    Csv,
}

/// <summary>Writes cached features in formats other tools read (numpy.load, pandas.read_csv), for users who continue
/// in Python.</summary>
public static class FeatureExporter
{
    /// <summary>Exports every non-empty split of <paramref name="read"/>; returns the files written.</summary>
    public static IReadOnlyList<string> Export(SplitReadResult read, IReadOnlyList<string> classNames, ExportFormat format, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var files = new List<string>();
        var classes = Path.Combine(outDir, "classes.txt");
        File.WriteAllLines(classes, classNames);
        files.Add(classes);
        foreach (var (split, data) in read.Splits.OrderBy(p => p.Key))
        {
            if (data.Count == 0) continue;
            var name = split.ToName();
            if (format == ExportFormat.Npy)
            {
                files.Add(WriteNpy(Path.Combine(outDir, $"features_{name}.npy"), "<f4", [data.Count, data.Dimension], MemoryMarshal.AsBytes(data.Features.AsSpan())));
                var labels = data.Labels.Select(l => (long)l).ToArray();
                files.Add(WriteNpy(Path.Combine(outDir, $"labels_{name}.npy"), "<i8", [data.Count], MemoryMarshal.AsBytes(labels.AsSpan())));
                var ids = Path.Combine(outDir, $"ids_{name}.txt");
                File.WriteAllLines(ids, data.Ids);
                files.Add(ids);
            }
            else
            {
                var path = Path.Combine(outDir, $"features_{name}.csv");
                using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
                using var csv = CsvWriter.Create(writer, new CsvWriterOptions(), false);
                csv.WriteField("id"); csv.WriteField("label"); csv.WriteField("label_name");
                for (var j = 0; j < data.Dimension; j++) csv.WriteField($"f{j}");
                csv.EndRecord();
                for (var i = 0; i < data.Count; i++)
                {
                    csv.WriteField(data.Ids[i]);
                    csv.WriteField(data.Labels[i].ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(classNames[data.Labels[i]]);
                    foreach (var v in data.Row(i)) csv.WriteField(v.ToString("R", CultureInfo.InvariantCulture));
                    csv.EndRecord();
                }
                files.Add(path);
            }
        }
        return files;
    }

    /// <summary>Writes a NumPy .npy version 1.0 file (little-endian, C order).</summary>
    internal static string WriteNpy(string path, string descr, long[] shape, ReadOnlySpan<byte> data)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + header length (2) + header + '\n' padded with spaces to a multiple of 64.
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(data);
        return path;
    }
}
