using System.Globalization;

namespace NeuralPS.Core.Distributed;

/// <summary>Whether this process was started as one rank of a parallel job, read from the launcher's
/// environment: Open MPI's mpirun (OMPI_COMM_WORLD_RANK/SIZE), MPICH/Hydra and Intel MPI (PMI_RANK/PMI_SIZE),
/// PMIx launchers (PMIX_RANK with OMPI/PMI sizes) or Slurm's srun (SLURM_PROCID/SLURM_NTASKS). Reading the
/// environment loads no MPI library.</summary>
public sealed record DistributedEnvironment(int Rank, int Size, string Launcher)
{
    /// <summary>The job this process belongs to, or null when no launcher started it (or it started one process).</summary>
    public static DistributedEnvironment? Detect() => Detect(Environment.GetEnvironmentVariable);

    internal static DistributedEnvironment? Detect(Func<string, string?> variable)
    {
        foreach (var (rankName, sizeName, launcher) in new[]
                 {
                     ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "mpirun (Open MPI)"),
                     ("PMI_RANK", "PMI_SIZE", "PMI (MPICH/Hydra, Intel MPI)"),
                     ("SLURM_PROCID", "SLURM_NTASKS", "srun (Slurm)"),
                 })
        {
            if (Int(variable(rankName)) is int rank && Int(variable(sizeName)) is int size && size > 1 && rank >= 0 && rank < size)
                return new DistributedEnvironment(rank, size, launcher);
        }
        return null;
    }

    private static int? Int(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : null;
}
