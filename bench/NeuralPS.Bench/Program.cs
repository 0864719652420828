// Console host over the engine for benchmarks (no PowerShell needed): one JSON object per result line on
// stdout, diagnostics on stderr. bench/compare.sh drives it; see bench/README.md.
using System.Reflection;
using NeuralPS.Core;

const string Usage = """
usage: NeuralPS.Bench <command> [options]
  mlp      Fashion-MNIST MLP 784-256-10 training (--epochs 5 --batch 64 [--threads N] [--max-batches M --warmup W])
  infer    inference samples/s and latency ([--model mlp,cnn] [--batch 1,1024] [--seconds 2] [--threads N])
  gemm     SGEMM GFLOP/s of NeuralPS vs OpenBLAS, interleaved in-process
  kernels  BenchmarkDotNet kernel benchmarks
  cnn      the seed CNN of issue 4 (--epochs N ...)
  resnet   the small ResNet of issue 4 (--epochs N ...)
  conv     conv forward/backward GFLOP/s of the seed CNN's conv shapes vs the reference ([--quick])
""";

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Error.Write(Usage);
    return args.Length == 0 ? 2 : 0;
}

string command = args[0].ToLowerInvariant();
string[] rest = args[1..];
try
{
    // Commands are found by class name, so each lives in its own file, owned by whoever writes it.
    return command switch
    {
        "mlp" => Dispatch("MlpCommand", rest),
        "infer" => Dispatch("InferCommand", rest),
        "gemm" => Dispatch("GemmCommand", rest),
        "kernels" => Dispatch("KernelBenchmarks", rest),
        "cnn" or "resnet" or "conv" => Dispatch("CnnCommand", rest, command),
        _ => Fail($"Unknown command '{args[0]}'.\n{Usage}", 2),
    };
}
catch (ArgumentException e)
{
    return Fail(e.Message, 2);
}
catch (NeuralException e)
{
    return Fail(e.Message, 1);
}

static int Dispatch(string typeName, string[] commandArgs, string? workload = null)
{
    Type? type = typeof(Program).Assembly.GetTypes().FirstOrDefault(t => t.Name == typeName);
    object?[] callArgs = workload is null ? new object?[] { commandArgs } : new object?[] { commandArgs, workload };
    Type[] signature = workload is null ? new[] { typeof(string[]) } : new[] { typeof(string[]), typeof(string) };
    MethodInfo? run = type?.GetMethod("Run", BindingFlags.Public | BindingFlags.Static, signature);
    if (run is null) return Fail($"This build has no {typeName}.Run({string.Join(", ", signature.Select(s => s.Name))}) (not merged yet?).", 3);
    try
    {
        object? result = run.Invoke(null, callArgs);
        return result is int code ? code : 0;
    }
    catch (TargetInvocationException e) when (e.InnerException is not null)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        throw;
    }
}

static int Fail(string message, int code)
{
    Console.Error.WriteLine(message);
    return code;
}
