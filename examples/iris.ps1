#Requires -Version 7.4
<#
.SYNOPSIS
    The main job, end to end: Iris from the pipeline — build a network, train it, measure it on held-out
    flowers, save it, load it again and predict.
.DESCRIPTION
    Uses the Iris data shipped inside the module (Get-NeuralDataset -Name Iris -AsRecord gives the same
    rows Import-Csv ./data/iris/iris.csv gives). Every fifth flower is held out for the test.
.EXAMPLE
    pwsh ./examples/iris.ps1
.EXAMPLE
    Import-Csv ./data/iris/iris.csv | Invoke-Training -Network $net -LabelProperty Species -Epochs 100
#>
param(
    # The built module (./build.ps1 Build, or: dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release).
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    # Where the model file is written.
    [string] $OutputFolder = [IO.Path]::GetTempPath()
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }

# 1. Data: 150 flowers as objects (SepalLength, SepalWidth, PetalLength, PetalWidth, Species).
$iris  = Get-NeuralDataset -Name Iris -AsRecord
$test  = for ($i = 0; $i -lt $iris.Count; $i += 5) { $iris[$i] }            # 30 held out
$train = for ($i = 0; $i -lt $iris.Count; $i++) { if ($i % 5) { $iris[$i] } } # 120 to learn from

# 2. Build: 4 measurements in, 16 hidden ReLU units, 3 species out.
$net = New-NeuralNetwork -Name iris -InputShape 4 -Seed 1 |
    Add-Layer Dense -Units 16 -Activation ReLU |
    Add-Layer Dense -Units 3
$net | Out-Host

# 3. Train: one history object per epoch, written as the epoch completes.
$history = $train | Invoke-Training -Network $net -LabelProperty Species -Epochs 100 -BatchSize 16 -LearningRate 0.01
$history | Select-Object -Last 3 | Format-Table | Out-Host

# 4. Measure on the held-out flowers: accuracy, per-class precision/recall/F1, confusion matrix.
$report = $test | Measure-Model -Network $net
$report | Out-Host
'Test accuracy: {0:P1}' -f $report.Accuracy | Out-Host

# 5. Save, and load it back (weights, feature columns, scaling and class names travel together).
$path = Join-Path $OutputFolder 'iris.npsm'
$net | Save-NeuralNetwork -Path $path -Force
$reloaded = Import-NeuralNetwork -Path $path

# 6. Predict with the reloaded model on raw rows.
$test | Invoke-Prediction -Network $reloaded |
    Select-Object -First 10 |
    Format-Table SepalLength, SepalWidth, PetalLength, PetalWidth, Species, PredictedLabel, @{ n = 'Probability'; e = { '{0:N3}' -f $_.Probability } } |
    Out-Host
