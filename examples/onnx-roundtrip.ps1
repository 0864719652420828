#Requires -Version 7.4
<#
.SYNOPSIS
    ONNX in and out: ship a NeuralPS model to anything that runs ONNX, and keep training a PyTorch model
    from PowerShell.
.DESCRIPTION
    1. Trains the Iris network, exports it with Export-NeuralNetwork (the fitted standardisation goes into the
       file as nodes in front, the species names as a "label" output), imports the file again and checks that
       the copy predicts exactly as the original.
    2. Imports a CNN trained and exported by PyTorch (tests/Conformance/onnx/fashion_cnn.onnx, made by
       make_pytorch_onnx.py there), measures it on Fashion-MNIST test images, fine-tunes it for one epoch on
       the training sample shipped in data/fashion-mnist, measures it again and exports the result.
.EXAMPLE
    pwsh ./examples/onnx-roundtrip.ps1
.EXAMPLE
    $net | Export-NeuralNetwork ./iris.onnx; $copy = Import-NeuralNetwork ./iris.onnx
#>
param(
    # The built module (./build.ps1 Build, or: dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release).
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    # Where the ONNX files are written.
    [string] $OutputFolder = [IO.Path]::GetTempPath()
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }
$repo = Join-Path $PSScriptRoot '..'

# 1. NeuralPS -> ONNX -> NeuralPS
$iris = Get-NeuralDataset -Name Iris -AsRecord
$net = New-NeuralNetwork -Name iris -InputShape 4 -Seed 1 |
    Add-Layer Dense -Units 16 -Activation ReLU |
    Add-Layer Dense -Units 3 -Activation Softmax
$null = $iris | Invoke-Training -Network $net -LabelProperty Species -Epochs 60 -BatchSize 16 -LearningRate 0.01

$onnx = Join-Path $OutputFolder 'iris.onnx'
$file = $net | Export-NeuralNetwork -Path $onnx -Force -PassThru
"Exported '$($net.Name)' to $($file.FullName) ($($file.Length) bytes): input 'input' [batch, 4] raw measurements, outputs 'output' (probabilities) and 'label' (species)."

$copy = Import-NeuralNetwork -Path $onnx
$a = $iris | Invoke-Prediction -Network $net | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
$b = $iris | Invoke-Prediction -Network $copy | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
$same = @(Compare-Object $a $b -SyncWindow 0).Count -eq 0
"Round trip: the imported copy predicts the 150 flowers identically: $same"
if (-not $same) { throw 'The ONNX round trip changed the predictions.' }

# 2. PyTorch -> ONNX -> NeuralPS, then fine-tuning from the shell
$cnn = Import-NeuralNetwork -Path (Join-Path $repo 'tests' 'Conformance' 'onnx' 'fashion_cnn.onnx')
$cnn.ClassNames = [string[]] ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot')
$cnn | Out-Host
$fashion = Join-Path $repo 'data' 'fashion-mnist'
$train = Import-NeuralDataset -Path (Join-Path $fashion 'train-images-idx3-ubyte.gz') -LabelPath (Join-Path $fashion 'train-labels-idx1-ubyte.gz')
$test = Import-NeuralDataset -Path (Join-Path $fashion 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $fashion 't10k-labels-idx1-ubyte.gz')
$before = (Measure-Model -Network $cnn -InputObject $test).Accuracy
$null = $train | Invoke-Training -Network $cnn -Epochs 1 -BatchSize 32 -LearningRate 0.0005
$after = (Measure-Model -Network $cnn -InputObject $test).Accuracy
'PyTorch CNN on {0} test images: accuracy {1:P1} as imported, {2:P1} after one epoch of fine-tuning in NeuralPS' -f $test.Count, $before, $after
$tuned = $cnn | Export-NeuralNetwork -Path (Join-Path $OutputFolder 'fashion_cnn_tuned.onnx') -Force -PassThru
"Exported the fine-tuned CNN to $($tuned.FullName)."
