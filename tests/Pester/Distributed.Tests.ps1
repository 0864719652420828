#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Data-parallel training through the cmdlets as a cluster user runs it: examples/distributed-training.ps1 started
# by `mpirun --oversubscribe -n 2` (two pwsh processes on loopback), against the same script in one process.
# With the same seed and global batch the final weights agree within a stated tolerance (float32 additions are
# grouped differently: a rank sums its shard, the all-reduce adds the shards; measured below 4e-6). Skipped, with
# the reason, where mpirun is absent.

BeforeDiscovery {
    $mpirunCommand = Get-Command mpirun -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $NoMpirun = -not $mpirunCommand
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Script = Join-Path $RepoRoot 'examples' 'distributed-training.ps1'
    $mpirunCommand = Get-Command mpirun -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    # Open MPI takes its install prefix from mpirun's path: resolve links (/bin -> usr/bin would give '/').
    $Mpirun = if ($mpirunCommand) { (& realpath $mpirunCommand.Source) } else { $null }

    # Every parameter and buffer of a saved network, in file order.
    function Get-Weights([string] $Path) {
        $net = Import-NeuralNetwork -Path $Path
        foreach ($layer in $net.Layers) {
            foreach ($p in $layer.Parameters) { $p.Value.ToArray() }
            foreach ($b in $layer.Buffers) { $b.Item2.ToArray() }
        }
    }

    function Get-LargestDifference([float[]] $A, [float[]] $B) {
        $A.Count | Should -Be $B.Count
        $worst = 0.0
        for ($i = 0; $i -lt $A.Count; $i++) { $worst = [Math]::Max($worst, [Math]::Abs([double]$A[$i] - [double]$B[$i])) }
        $worst
    }

    # One kernel thread per process, alone and per rank: two ranks share the machine's cores.
    $savedThreads = $env:NEURALPS_NUM_THREADS
    $env:NEURALPS_NUM_THREADS = '1'

    function Invoke-TwoRanks([string[]] $ArgumentList) {
        $env:OMPI_ALLOW_RUN_AS_ROOT = '1'; $env:OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1'; $env:NO_COLOR = '1'
        $output = & $Mpirun --oversubscribe --bind-to none -n 2 $PwshPath -NoProfile -NonInteractive -File $Script -ModulePath $ModulePath @ArgumentList 2>&1 | Out-String
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
}

AfterAll {
    $env:NEURALPS_NUM_THREADS = $savedThreads
}

Describe 'Invoke-Training on 2 MPI ranks' {
    It 'trains the MLP to the weights of one process, and only rank 0 writes history' -Skip:$NoMpirun {
        $alone = Join-Path $TestDrive 'mlp-alone.npsm'
        $two = Join-Path $TestDrive 'mlp-two.npsm'
        $run = Invoke-Pwsh -File $Script -ArgumentList '-ModulePath', $ModulePath, '-OutputPath', $alone
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run = Invoke-TwoRanks @('-OutputPath', $two)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        # One history table: rank 1 wrote no history objects.
        ([regex]::Matches($run.Output, 'ValidationAccuracy')).Count | Should -Be 1 -Because $run.Output
        # Tolerance 1e-5 absolute for weights up to ~1.2 (measured 2.4e-7 through the engine).
        Get-LargestDifference (Get-Weights $alone) (Get-Weights $two) | Should -BeLessOrEqual 1e-5
    }

    It 'trains the CNN with synchronised BatchNorm to the weights of one process' -Skip:$NoMpirun {
        $alone = Join-Path $TestDrive 'cnn-alone.npsm'
        $two = Join-Path $TestDrive 'cnn-two.npsm'
        $run = Invoke-Pwsh -File $Script -ArgumentList '-ModulePath', $ModulePath, '-Model', 'CnnBatchNorm', '-OutputPath', $alone
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run = Invoke-TwoRanks @('-Model', 'CnnBatchNorm', '-SyncBatchNorm', '-OutputPath', $two)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        # Tolerance 1e-4 absolute for weights up to ~3.2 (measured 3.8e-6 through the engine).
        Get-LargestDifference (Get-Weights $alone) (Get-Weights $two) | Should -BeLessOrEqual 1e-4
    }
}

Describe 'Invoke-Training -Distributed without MPI' {
    It 'stops with a ResourceUnavailable error that names the missing library' {
        $command = @'
$env:NEURALPS_MPI_LIBRARY = '/nonexistent/libmpi.so.40'
Import-Module '{0}'
$net = New-NeuralNetwork -Name d -InputShape 4 -Seed 1 | Add-Layer Dense -Units 3
try {{ Get-NeuralDataset -Name Iris | Invoke-Training -Network $net -Epochs 1 -Distributed -ErrorAction Stop; 'TRAINED' }}
catch {{ 'CATEGORY ' + $_.CategoryInfo.Category; 'MESSAGE ' + $_.Exception.Message }}
'@ -f (Join-Path $ModulePath 'NeuralPS.psd1')
        $run = Invoke-Pwsh -Command $command
        $run.Output | Should -Not -Match 'TRAINED'
        $run.Output | Should -Match 'CATEGORY ResourceUnavailable'
        $run.Output | Should -Match 'MPI cannot be used: No MPI library found \(tried /nonexistent/libmpi.so.40\)'
    }
}
