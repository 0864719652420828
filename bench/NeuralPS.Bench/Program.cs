// Console host over the engine for benchmarks (no PowerShell needed): one JSON object per result line on
// stdout, diagnostics on stderr. bench/compare.sh drives it; see bench/README.md.
using NeuralPS.Bench;
using NeuralPS.Bench.Kernels;
using NeuralPS.Core;

const string Usage = """
usage: NeuralPS.Bench <command> [options]
  mlp      Fashion-MNIST MLP 784-256-10 training (--epochs 5 --batch 64 [--seed 1] [--threads N] [--max-batches M --warmup W] [--checkpoint DIR [--checkpoint-every N] [--resume]]); prints weights_sha256
  infer    inference samples/s and latency ([--model mlp,cnn] [--batch 1,1024] [--seconds 2] [--threads N])
  gemm     SGEMM GFLOP/s of NeuralPS vs OpenBLAS, interleaved in-process
  kernels  BenchmarkDotNet kernel benchmarks
  cnn      the seed CNN of issue 4 (--epochs 3 [--batch 64] [--max-batches M --warmup W] ...)
  resnet   the small ResNet of issue 4 (--epochs 10 ...)
  conv     conv forward/backward GFLOP/s of the seed CNN's conv shapes vs im2col+OpenBLAS ([--quick])
  lstm     stacked LSTM training s/epoch and inference samples/s (--batch 64 --steps 100 --units 128 --layers 2 ...)
  gru      the same with GRU layers
  fuzz     seeded mutation fuzzing of the model/idx/CSV readers ([--target model,idx,csv] [--seconds 200] [--seed 1])
  distributed  digits MLP / CNN+BatchNorm trained alone or as one rank under mpirun (--model mlp|cnn-bn [--sync-batchnorm] [--weights FILE] ...)
  allreduce    under mpirun: ring and MPI_Allreduce time per step for the MLP, CNN, ResNet gradients; alone: compute per step
  memory   long run: RSS and GC heap per epoch ([--model mlp,cnn] [--epochs 100] [--samples 2000])
  path     which vector path and SGEMM kernel this process runs (one JSON line; compare.sh records it in every row)
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
    return command switch
    {
        "mlp" => MlpCommand.Run(rest),
        "infer" => InferCommand.Run(rest),
        "gemm" => GemmCommand.Run(rest),
        "kernels" => KernelBenchmarks.Run(rest),
        "cnn" or "resnet" or "conv" => CnnCommand.Run(rest, command),
        "lstm" or "gru" => RnnCommand.Run(rest, command),
        "fuzz" => FuzzCommand.Run(rest),
        "memory" => MemoryCommand.Run(rest),
        "path" => PathCommand.Run(),
        "distributed" => DistributedCommand.Run(rest),
        "allreduce" => DistributedCommand.AllReduce(rest),
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

static int Fail(string message, int code)
{
    Console.Error.WriteLine(message);
    return code;
}
