// Console host over the engine for benchmarks (no PowerShell needed). Subcommands are added per issue.
Console.Error.WriteLine("usage: NeuralPS.Bench <mlp|cnn|resnet|gemm|kernels> [options]");
return 2;
