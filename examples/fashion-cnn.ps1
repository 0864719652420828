#Requires -Version 7.4
<#
.SYNOPSIS
    The seed CNN of issue #4 on Fashion-MNIST, built and trained with the cmdlets:
    Conv2d(32,3)+ReLU -> MaxPool(2) -> Conv2d(64,3)+ReLU -> MaxPool(2) -> Dropout(0.25) -> Flatten ->
    Dense(128)+ReLU -> Dropout(0.5) -> Dense(10); Adam 1e-3, batch 64, inputs in [0, 1].
    Targets: at least 88% test accuracy after 3 epochs, 91% after 10.
.EXAMPLE
    pwsh ./examples/fashion-cnn.ps1 -Epochs 3 -Verbose
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    [string] $DataPath = '/usr/share/datasets/fashion-mnist',
    [int] $Epochs = 3,
    # Where the trained model is saved (nothing is saved when empty).
    [string] $ModelFile = ''
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }

# Images as [N, 1, 28, 28] (one channel, channels first), scaled to [0, 1].
$train = Import-NeuralDataset (Join-Path $DataPath 'train-images-idx3-ubyte.gz') -LabelPath (Join-Path $DataPath 'train-labels-idx1-ubyte.gz') -ClassNames FashionMNIST
$test  = Import-NeuralDataset (Join-Path $DataPath 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $DataPath 't10k-labels-idx1-ubyte.gz') -ClassNames FashionMNIST

$cnn = New-NeuralNetwork -Name fashion-cnn -InputShape 1, 28, 28 -Seed 1 |
    Add-Layer Conv2d -Filters 32 -KernelSize 3 -Activation ReLU |
    Add-Layer MaxPool2d -PoolSize 2 |
    Add-Layer Conv2d -Filters 64 -KernelSize 3 -Activation ReLU |
    Add-Layer MaxPool2d -PoolSize 2 |
    Add-Layer Dropout -Rate 0.25 |
    Add-Layer Flatten |
    Add-Layer Dense -Units 128 -Activation ReLU |
    Add-Layer Dropout -Rate 0.5 |
    Add-Layer Dense -Units 10
$cnn | Out-Host

$train | Invoke-Training -Network $cnn -Epochs $Epochs -BatchSize 64 -Optimizer Adam -LearningRate 0.001 | Format-Table | Out-Host

$report = $test | Measure-Model -Network $cnn
$report | Out-Host
'Test accuracy after {0} epochs: {1:P2}' -f $Epochs, $report.Accuracy | Out-Host

if ($ModelFile) { $cnn | Save-NeuralNetwork -Path $ModelFile -Force -PassThru | Out-Host }
