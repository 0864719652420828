#Requires -Version 7.4
<#
.SYNOPSIS
    Data-parallel training over MPI: the same script on one machine or on many, started by the cluster's
    launcher (mpirun, or srun under Slurm).
.DESCRIPTION
    Trains on the handwritten digits shipped in data/digits (1,797 8×8 images, 10 classes), either an MLP or the
    seed CNN's pattern with BatchNorm. Started alone it trains in this process; started by mpirun or srun each
    process is one rank: Invoke-Training sees the launcher's environment and trains data-parallel (each rank on
    its shard of every global batch of -BatchSize, gradients averaged with an all-reduce, identical weights on
    every rank). Only rank 0 writes the history, progress, checkpoints, the model and the report; the other ranks
    print nothing. Needs Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev).
.EXAMPLE
    mpirun -n 4 pwsh -File ./examples/distributed-training.ps1 -Model CnnBatchNorm -SyncBatchNorm
.EXAMPLE
    pwsh ./examples/distributed-training.ps1    # the same run in one process (same weights within float rounding)
.EXAMPLE
    mpirun -n 2 pwsh -File ./examples/distributed-training.ps1 -CheckpointPath ./ckpt -Resume    # continue after a kill
#>
param(
    # The built module (./build.ps1 Build, or: dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release).
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    [ValidateSet('Mlp', 'CnnBatchNorm')] [string] $Model = 'Mlp',
    [ValidateRange(1, 1000)] [int] $Epochs = 2,
    # The global batch: shared by the ranks (with 4 ranks, 16 samples each).
    [ValidateRange(1, 4096)] [int] $BatchSize = 64,
    # BatchNorm with the statistics of the whole global batch (else each rank's own).
    [switch] $SyncBatchNorm,
    # Where rank 0 saves the trained network (nothing is saved when empty) and the HTML report.
    [string] $OutputPath = '',
    [string] $ReportPath = '',
    # Checkpoints (rank 0 writes them; -Resume continues bit-exactly after a kill).
    [string] $CheckpointPath = '',
    [switch] $Resume
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }

# Every rank reads the whole data set and trains on its shard of each batch (the shards follow from the rank,
# the number of ranks and the epoch's shuffle, so every sample is used once per epoch across the ranks).
$digits = Import-Csv (Join-Path $PSScriptRoot '..' 'data' 'digits' 'digits.csv')

$net = if ($Model -eq 'Mlp') {
    New-NeuralNetwork -Name digits-mlp -InputShape 64 -Seed 1 |
        Add-Layer Dense -Units 32 -Activation ReLU |
        Add-Layer Dense -Units 10
} else {
    New-NeuralNetwork -Name digits-cnn -InputShape 1, 8, 8 -Seed 1 |
        Add-Layer Conv2d -Filters 8 -KernelSize 3 -Padding Same |
        Add-Layer BatchNorm |
        Add-Layer Activation -Activation ReLU |
        Add-Layer MaxPool2d -PoolSize 2 |
        Add-Layer Conv2d -Filters 16 -KernelSize 3 |
        Add-Layer BatchNorm |
        Add-Layer Activation -Activation ReLU |
        Add-Layer Flatten |
        Add-Layer Dense -Units 10
}

# The same call as on one machine: under mpirun/srun it trains distributed (-Distributed:$false would not).
$training = @{
    Network = $net; LabelProperty = 'label'; Epochs = $Epochs; BatchSize = $BatchSize
    Optimizer = 'SGD'; LearningRate = 0.05; Momentum = 0.9; ValidationSplit = 0.1; Seed = 1
    SyncBatchNorm = $SyncBatchNorm
}
if ($CheckpointPath) { $training.CheckpointPath = $CheckpointPath; $training.Resume = $Resume }
$history = $digits | Invoke-Training @training

# Rank 0 gets the history; the other ranks get nothing and these commands write nothing there.
if ($history) { $history | Format-Table | Out-Host }
if ($OutputPath) { $net | Save-NeuralNetwork -Path $OutputPath -Force }
if ($ReportPath -and $history) { $history | Export-TrainingReport -Path $ReportPath -Network $net -Force }
