#Requires -Version 7.4
<#
.SYNOPSIS
    Fashion-MNIST with a multilayer perceptron: 784-256(ReLU)-10, Adam 1e-3, batch 64, 5 epochs
    (issue #2's target: at least 87% test accuracy).
.EXAMPLE
    pwsh ./examples/fashion-mlp.ps1 -Verbose
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    # Folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz.
    [string] $DataPath = '/usr/share/datasets/fashion-mnist',
    [int] $Epochs = 5
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }

# Pixels are scaled to [0, 1]; -Flatten makes each 28x28 image 784 numbers for the Dense layers.
$train = Import-NeuralDataset (Join-Path $DataPath 'train-images-idx3-ubyte.gz') -LabelPath (Join-Path $DataPath 'train-labels-idx1-ubyte.gz') -Flatten -ClassNames FashionMNIST
$test  = Import-NeuralDataset (Join-Path $DataPath 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $DataPath 't10k-labels-idx1-ubyte.gz') -Flatten -ClassNames FashionMNIST

$net = New-NeuralNetwork -Name fashion-mlp -InputShape 784 -Seed 1 |
    Add-Layer Dense -Units 256 -Activation ReLU |
    Add-Layer Dense -Units 10
$net | Out-Host

$train | Invoke-Training -Network $net -Epochs $Epochs -BatchSize 64 -Optimizer Adam -LearningRate 0.001 | Format-Table | Out-Host

$report = $test | Measure-Model -Network $net
$report | Out-Host
'Test accuracy after {0} epochs: {1:P2}' -f $Epochs, $report.Accuracy | Out-Host
