using System.Diagnostics;
using NeuralPS.Bench.Common;
using NeuralPS.Bench.Fuzz;

namespace NeuralPS.Bench;

/// <summary>fuzz: the seeded mutation fuzzer over the model-file, idx and CSV readers (see
/// <see cref="ReaderFuzzer"/>). Each target runs on a worker thread for --seconds (or --inputs); a watchdog
/// on this thread treats an input still running after 3 × <see cref="ReaderFuzzer.HangSeconds"/> as a hard hang:
/// it saves the input and exits 1 (a thread cannot be stopped). Findings are saved under --out as
/// &lt;target&gt;-&lt;kind&gt;-&lt;n&gt;.bin; one JSON line per target goes to stdout.
///   fuzz [--target model,idx,csv,onnx] [--seconds 200] [--inputs N] [--seed 1] [--out bench/results/fuzz] [--data data]</summary>
internal static class FuzzCommand
{
    public static int Run(string[] args)
    {
        var a = new BenchArgs(args);
        string[] targets = a.String("target", "model,idx,csv,onnx").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        double seconds = a.Double("seconds", 200);
        long inputs = a.IntOrNull("inputs") ?? long.MaxValue;
        ulong seed = (ulong)a.Int("seed", 1);
        string outDir = a.String("out", Path.Combine("bench", "results", "fuzz"));
        string data = a.String("data", "data");
        a.ThrowOnUnused();

        int failures = 0;
        foreach (string name in targets)
        {
            var target = Enum.Parse<FuzzTarget>(name, ignoreCase: true);
            var fuzzer = new ReaderFuzzer(target, seed, data);
            FuzzReport? report = null;
            int saved = 0;
            void Save(FuzzFinding f)
            {
                if (saved >= 20) return;
                Directory.CreateDirectory(outDir);
                string file = Path.Combine(outDir, $"{target.ToString().ToLowerInvariant()}-{f.Kind}-{saved++}.bin");
                File.WriteAllBytes(file, f.Input);
                Console.Error.WriteLine($"{target} {f.Kind}: {f.Message.Split('\n')[0]} (input saved to {file})");
            }
            var worker = new Thread(() => report = fuzzer.Run(inputs, TimeSpan.FromSeconds(seconds), Save)) { IsBackground = true, Name = $"fuzz-{name}" };
            var clock = Stopwatch.StartNew();
            worker.Start();
            while (!worker.Join(500))
            {
                if (fuzzer.Current is { } now && Stopwatch.GetElapsedTime(now.StartTimestamp).TotalSeconds > 3 * ReaderFuzzer.HangSeconds)
                {
                    Save(new FuzzFinding(target, "hang", "still running", now.Input));
                    Console.Error.WriteLine($"{target}: an input has run for more than {3 * ReaderFuzzer.HangSeconds} s; stopping.");
                    BenchJson.Write(("command", "fuzz"), ("target", name), ("hard_hang", true));
                    return 1;
                }
            }
            var r = report!;
            Console.Error.WriteLine(r);
            BenchJson.Write(("command", "fuzz"), ("target", name), ("seed", seed), ("seconds", BenchJson.Round(clock.Elapsed.TotalSeconds)),
                ("inputs", r.Inputs), ("accepted", r.Accepted), ("refused", r.Refused), ("crashes", r.Crashes), ("hangs", r.Hangs),
                ("over_allocation_bound", r.OverBudget), ("allocation_bound", $"{fuzzer.AllocationFactor}x input + {ReaderFuzzer.AllocationSlack} bytes"),
                ("max_allocation_ratio", BenchJson.Round(r.MaxRatio)), ("max_allocation_ratio_inputs_1k", BenchJson.Round(r.MaxRatioLarge)), ("max_allocated_bytes", r.MaxAllocated), ("max_input_bytes", r.MaxInput),
                ("slowest_ms", BenchJson.Round(r.SlowestSeconds * 1000)));
            failures += r.Crashes + r.Hangs + r.OverBudget;
        }
        return failures == 0 ? 0 : 1;
    }
}
