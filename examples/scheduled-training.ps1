#Requires -Version 7.4
<#
.SYNOPSIS
    An unattended training job for a scheduler (cron, systemd timer, Task Scheduler): trains the
    Fashion-MNIST MLP with checkpoints, resumes after a crash or a kill, stops early when validation
    stops improving, keeps the best model, writes an HTML report, and exits non-zero with a clear
    message when something is wrong.
.DESCRIPTION
    Run the same command line again and again: with -Resume, Invoke-Training continues from
    <OutputPath>/checkpoints/last.npsc when it exists (even after kill -9 in the middle of an epoch) and
    ends with the same weights, bit for bit, as a run that was never interrupted. A finished run
    resumed again trains nothing and re-writes the same model and report.
    Exit codes: 0 done; 2 missing input (module, data files); 1 any other failure (the message says what).
.EXAMPLE
    pwsh ./examples/scheduled-training.ps1 -OutputPath ./nightly
    Trains on the 1000-image sample in data/fashion-mnist; writes ./nightly/best.npsm, ./nightly/report.html
    and the checkpoints in ./nightly/checkpoints.
.EXAMPLE
    pwsh ./examples/scheduled-training.ps1 -DataPath /usr/share/datasets/fashion-mnist -Epochs 30 -OutputPath /var/lib/neuralps/fashion
    The full data set (Debian package dataset-fashion-mnist).
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    # A folder with Fashion-MNIST's four idx files (.gz or plain).
    [string] $DataPath = (Join-Path $PSScriptRoot '..' 'data' 'fashion-mnist'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '..' 'out' 'scheduled-training'),
    [int] $Epochs = 20,
    [int] $HiddenUnits = 256,
    [int] $BatchSize = 32,
    [int] $Patience = 4,
    # Also checkpoint every N batches (0 = at epoch ends only), so a kill in a long epoch loses little.
    [int] $CheckpointEvery = 0,
    [ulong] $Seed = 7
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Exit-WithError([int] $Code, [string] $Message) {
    [Console]::Error.WriteLine("scheduled-training: $Message")
    exit $Code
}

# ---- inputs: say exactly what is missing
if (-not (Get-Module -Name NeuralPS)) {
    if (-not (Test-Path (Join-Path $ModulePath 'NeuralPS.psd1'))) { Exit-WithError 2 "the NeuralPS module is not at '$ModulePath' (build it with ./build.ps1 Build, or pass -ModulePath)." }
    Import-Module (Join-Path $ModulePath 'NeuralPS.psd1')
}
function Find-Idx([string] $Stem) {
    foreach ($name in "$Stem.gz", $Stem) {
        $path = Join-Path $DataPath $name
        if (Test-Path -LiteralPath $path -PathType Leaf) { return $path }
    }
    Exit-WithError 2 "the data file '$Stem(.gz)' is not in '$DataPath' (pass -DataPath with Fashion-MNIST's idx files)."
}
$trainImages = Find-Idx 'train-images-idx3-ubyte'
$trainLabels = Find-Idx 'train-labels-idx1-ubyte'
$testImages  = Find-Idx 't10k-images-idx3-ubyte'
$testLabels  = Find-Idx 't10k-labels-idx1-ubyte'

try {
    $null = New-Item -ItemType Directory -Force -Path $OutputPath
    $checkpoints = Join-Path $OutputPath 'checkpoints'

    $train = Import-NeuralDataset $trainImages -LabelPath $trainLabels -Flatten -ClassNames FashionMNIST
    $test  = Import-NeuralDataset $testImages -LabelPath $testLabels -Flatten -ClassNames FashionMNIST

    # Built the usual way on every run; -Resume checks it against the checkpoint.
    $net = New-NeuralNetwork -Name fashion-mlp -InputShape 784 -Seed $Seed |
        Add-Layer Dense -Units $HiddenUnits -Activation ReLU |
        Add-Layer Dropout -Rate 0.2 |
        Add-Layer Dense -Units 10

    $history = [System.Collections.Generic.List[object]]::new()
    $every = if ($CheckpointEvery -gt 0) { @{ CheckpointEvery = $CheckpointEvery } } else { @{} }
    $train | Invoke-Training -Network $net -Epochs $Epochs -BatchSize $BatchSize -LearningRate 0.002 -ValidationSplit 0.2 -Seed $Seed `
        -CheckpointPath $checkpoints -Resume @every `
        -EarlyStopping -Patience $Patience -Monitor ValidationLoss `
        -LearningRateSchedule Cosine -WarmupEpochs 1 -ClipNorm 5 |
        ForEach-Object {
            $history.Add($_)
            # One line per epoch as it completes (a scheduler's log; the Pester test watches for it).
            '{0} epoch {1}/{2}: loss {3:F4}, val_loss {4:F4}, lr {5:G4}' -f ($(if ($_.FromCheckpoint) { 'restored' } else { 'trained' })),
                $_.Epoch, $_.Epochs, $_.Loss, $_.ValidationLoss, $_.LearningRate | Write-Host
        }
    if ($history.Count -eq 0) { throw 'Invoke-Training returned no history.' }
    $last = $history[$history.Count - 1]

    $modelFile = Join-Path $OutputPath 'best.npsm'
    $net | Save-NeuralNetwork -Path $modelFile -Force    # the best epoch's weights (early stopping restores them)
    $evaluation = $test | Measure-Model -Network $net
    $reportFile = Join-Path $OutputPath 'report.html'
    $history | Export-TrainingReport -Path $reportFile -Network $net -Evaluation $evaluation -Force

    'done: {0} epochs ({1}), best epoch {2}, test accuracy {3:P2}; model {4}; report {5}' -f $last.Epoch, $last.StopReason, $last.BestEpoch,
        $evaluation.Accuracy, $modelFile, $reportFile | Write-Host
    exit 0
}
catch {
    Exit-WithError 1 "failed: $($_.Exception.Message)"
}
