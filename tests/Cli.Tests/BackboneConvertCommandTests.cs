using Google.Protobuf;
using Graft.Cli.Tests.Fixtures;
using Graft.FeatureCache.Onnx;
using Graft.FeatureCache.Tests.Fixtures;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Graft.Cli.Tests;

/// <summary><c>graft backbone convert</c>, <c>graft bench gpu</c> and scripts/gpu-check.sh from the outside: what
/// works, and every refusal as exit 2 with a reason (77 for the script on a machine without a GPU).</summary>
public sealed class BackboneConvertCommandTests : IDisposable
{
    private readonly TempDir _dir = new("convert");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Convert_TinyToFloat16_ThenAgain_Exit2AlreadyFloat16()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"));
        var (exit, output) = GraftCli.Run("backbone", "convert", model, "--to", "float16", "--out", _dir.File("out"));
        Assert.True(exit == 0, output);
        Assert.Contains("tiny-fp16.onnx", output);
        Assert.True(File.Exists(_dir.File("out/tiny-fp16.json")));
        (exit, output) = GraftCli.Run("backbone", "convert", _dir.File("out/tiny-fp16.json"), "--to", "fp16", "--out", _dir.File("out2"));
        Assert.Equal(2, exit);
        Assert.Contains("already float16", output);
    }

    [Theory]
    [InlineData("int4", "Unknown --to 'int4'")]
    [InlineData("float32", "Unknown --to 'float32'")]
    public void Convert_UnknownTarget_Exit2(string to, string message)
    {
        var (exit, output) = GraftCli.Run("backbone", "convert", TinyOnnx.Write(_dir.File("tiny.onnx")), "--to", to);
        Assert.Equal(2, exit);
        Assert.Contains(message, output);
    }

    [Fact]
    public void Convert_NoTarget_OrBadKeepList_Exit2()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"));
        var (exit, output) = GraftCli.Run("backbone", "convert", model);
        Assert.Equal(2, exit);
        Assert.Contains("--to TYPE is required", output);
        (exit, output) = GraftCli.Run("backbone", "convert", model, "--to", "float16", "--keep-fp32", "soft max", "--out", _dir.File("o"));
        Assert.Equal(2, exit);
        Assert.Contains("is not a list of ONNX operator types", output);
    }

    [Fact]
    public void Convert_Uint8InputModel_Exit2NotFloat()
    {
        // [N,3,16,16] uint8 image in, Cast to float, a 1×1 Conv: a model whose input is not float32.
        var g = new GraphProto { Name = "u8" };
        g.Initializer.Add(OnnxProto.FloatTensor("W", [4, 3, 1, 1], Enumerable.Range(0, 12).Select(i => i * 0.1f).ToArray()));
        g.Node.Add(OnnxProto.Node("Cast", "cast", ["image"], ["x"], OnnxProto.Int("to", (long)DataType.Float)));
        g.Node.Add(OnnxProto.Node("Conv", "conv", ["x", "W"], ["y"], OnnxProto.Ints("kernel_shape", 1, 1)));
        g.Node.Add(OnnxProto.Node("GlobalAveragePool", "gap", ["y"], ["features"]));
        g.Input.Add(OnnxProto.Value("image", DataType.Uint8, OnnxProto.Dim("N"), OnnxProto.Dim(3), OnnxProto.Dim(16), OnnxProto.Dim(16)));
        g.Output.Add(OnnxProto.FloatValue("features", null, 4, 1, 1));
        var m = new ModelProto { IrVersion = 7, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        var path = _dir.Write("u8.onnx", Google.Protobuf.MessageExtensions.ToByteArray(m));
        var (exit, output) = GraftCli.Run("backbone", "convert", path, "--to", "float16", "--out", _dir.File("o"));
        Assert.Equal(2, exit);
        Assert.Contains("is not a float32 model", output);
        Assert.Contains("Uint8", output);
    }

    [Fact]
    public void Convert_OutIsAFile_Exit2BeforeAnyWork()
    {
        var model = TinyOnnx.Write(_dir.File("tiny.onnx"));
        var file = _dir.Write("taken", [1, 2, 3]);
        var (exit, output) = GraftCli.Run("backbone", "convert", model, "--to", "float16", "--out", file);
        Assert.Equal(2, exit);
        Assert.Contains("--out", output);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(file));
    }

    [Fact]
    public void BenchConvert_OneModelFails_ItsRowSaysWhyTheOthersAreMeasuredExit2()
    {
        Directory.CreateDirectory(_dir.File("good"));
        var good = TinyOnnx.Write(_dir.File("good/tiny.onnx"));
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(good));
        model.Graph.Node[0].OpType = "RoiAlign";
        Directory.CreateDirectory(_dir.File("bad"));
        File.WriteAllBytes(_dir.File("bad/model.onnx"), model.ToByteArray());
        var (exit, output) = GraftCli.Run("bench", "convert", _dir.File("bad/model.onnx"), good, "--size", "16");
        Assert.Equal(2, exit);
        Assert.Contains("'RoiAlign'", output);
        Assert.Contains("bad", output); // ONNX's layout names the file model.onnx: the row is named by its folder
        Assert.Contains("tiny.onnx", output);
        Assert.Contains(" ok ", output); // the good model was still measured
        Assert.Contains("1 of 2 models could not be measured", output);
    }

    [Fact]
    public void BenchGpu_BadBatchSizes_Exit2()
    {
        var (exit, output) = GraftCli.Run("bench", "gpu", "--device", "cpu", "--batch-sizes", "8,zero");
        Assert.Equal(2, exit);
        Assert.Contains("--batch-sizes '8,zero'", output);
    }

    private (int Exit, string Output) RunScript(IReadOnlyDictionary<string, string> environment, int timeoutMs)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(Repo.Root, "scripts", "gpu-check.sh"));
        psi.ArgumentList.Add(_dir.File("gpu-check"));
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"gpu-check.sh took over {timeoutMs / 1000} s");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void GpuCheckScript_DryRunOnCpu_ThinScriptDrivesBenchGpu_OneJsonSummary()
    {
        // Everything the script does on a GPU machine except the CUDA provider: finds nothing, skips the build (the
        // graft.dll beside the tests), runs graft bench gpu on the CPU EP and writes its summary.
        var (exit, output) = RunScript(new Dictionary<string, string>
        {
            ["GPU_CHECK_DRY_RUN"] = "1", ["GPU_CHECK_GRAFT"] = GraftCli.Dll, ["GPU_CHECK_MODELS"] = "resnet18",
            ["GPU_CHECK_BATCH_SIZES"] = "1", ["GPU_CHECK_IMAGES"] = "8", ["GPU_CHECK_SECONDS"] = "0.1",
        }, 180_000);
        Assert.True(exit == 0, output);
        Assert.Contains("PASSED (dry run on the CPU", output);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(_dir.File("gpu-check/gpu-check.json")));
        var root = json.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal("graft-gpu-check/1", root.GetProperty("schema").GetString());
        Assert.Equal(["fp32", "fp16"], root.GetProperty("variants").EnumerateArray().Select(v => v.GetProperty("precision").GetString()));
        Assert.Contains("libcudnn.so.9", root.GetProperty("found").GetString());
    }

    [Fact]
    public void GpuCheckScript_NoGpu_Exit77WithWhatItFound()
    {
        if (File.Exists("/proc/driver/nvidia/version")) return; // a GPU machine: the script runs the real check (minutes)
        var (exit, output) = RunScript(new Dictionary<string, string>(), 60_000);
        Assert.Equal(77, exit);
        Assert.Contains("SKIPPED: no NVIDIA GPU", output);
        Assert.Contains("libcudart.so.13", output); // it says what it looked for
        Assert.False(Directory.Exists(_dir.File("gpu-check"))); // nothing built or written
    }
}
